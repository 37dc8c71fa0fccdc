import { describe, expect, it, vi } from 'vitest';
import { canResend, isRetryAnswer, retryDelayMs, tapFetch, withSessionRetry } from './fetch';

const retryAnswer = (seconds = '1') =>
  new Response(JSON.stringify({ error: 'session_refreshing' }), {
    status: 503,
    headers: { 'content-type': 'application/json', 'x-session-status': 'retry', 'retry-after': seconds },
  });

describe('withSessionRetry', () => {
  it('sends the same request again while the proxy asks to retry, then hands back the real answer', async () => {
    const original = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(retryAnswer())
      .mockResolvedValueOnce(retryAnswer('2'))
      .mockResolvedValueOnce(new Response('ok', { status: 200 }));
    const sleeps: number[] = [];
    const fetchWithRetry = withSessionRetry(original, { sleep: async (ms) => void sleeps.push(ms) });
    const body = new FormData();
    body.set('x', '1');
    const response = await fetchWithRetry('/home', { method: 'POST', body });
    expect(await response.text()).toBe('ok');
    expect(original).toHaveBeenCalledTimes(3);
    for (const call of original.mock.calls) expect(call).toEqual(['/home', { method: 'POST', body }]);
    expect(sleeps[0]).toBeGreaterThanOrEqual(750);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1_500);
  });

  it('gives up after a few attempts and returns the 503 (never loops)', async () => {
    const original = vi.fn<typeof fetch>(async () => retryAnswer());
    const response = await withSessionRetry(original, { sleep: async () => {}, maxAttempts: 4 })('/api/session');
    expect(response.status).toBe(503);
    expect(original).toHaveBeenCalledTimes(4);
  });

  it('leaves every other answer alone, 503s without the header included', async () => {
    for (const answer of [new Response('down', { status: 503 }), new Response(null, { status: 401 })]) {
      const original = vi.fn<typeof fetch>(async () => answer);
      expect(await withSessionRetry(original, { sleep: async () => {} })('/x')).toBe(answer);
      expect(original).toHaveBeenCalledTimes(1);
    }
  });

  it('does not resend a body it cannot read twice', async () => {
    const original = vi.fn<typeof fetch>(async () => retryAnswer());
    const stream = new ReadableStream({ start: (c) => c.close() });
    await withSessionRetry(original, { sleep: async () => {} })('/x', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(original).toHaveBeenCalledTimes(1);
    expect(canResend(new Request('http://x/', { method: 'POST', body: 'a' }))).toBe(false);
    expect(canResend(new Request('http://x/'))).toBe(true);
  });

  it('stops waiting when the request it was given is aborted', async () => {
    const original = vi.fn<typeof fetch>(async () => retryAnswer('5'));
    const controller = new AbortController();
    const pending = withSessionRetry(original)(new Request('http://x/', { signal: controller.signal }));
    controller.abort(new Error('left the page'));
    await expect(pending).rejects.toThrow('left the page');
  });

  it('stops waiting when the caller aborts', async () => {
    const original = vi.fn<typeof fetch>(async () => retryAnswer('5'));
    const controller = new AbortController();
    const pending = withSessionRetry(original)('/x', { signal: controller.signal });
    controller.abort(new Error('navigated away'));
    await expect(pending).rejects.toThrow('navigated away');
    expect(original).toHaveBeenCalledTimes(1);
  });
});

describe('retry answers', () => {
  it('are 503 with X-Session-Status: retry; the delay follows Retry-After, bounded', () => {
    expect(isRetryAnswer(retryAnswer())).toBe(true);
    expect(isRetryAnswer(new Response(null, { status: 503 }))).toBe(false);
    expect(retryDelayMs(retryAnswer('2'), () => 0.5)).toBe(2_000);
    expect(retryDelayMs(retryAnswer('600'), () => 0.5)).toBe(5_000);
    expect(retryDelayMs(retryAnswer('nonsense'), () => 0.5)).toBe(1_000);
  });
});

describe('tapFetch', () => {
  it("reports the proxy's refusal of any fetch, hands the response back untouched, and comes off when disposed", async () => {
    const refused = Object.defineProperty(
      new Response(JSON.stringify({ error: 'session_revoked', reason: 'admin' }), {
        status: 401,
        headers: { 'content-type': 'application/json', 'x-session-status': 'revoked' },
      }),
      'url',
      { value: 'http://app.test/home' },
    );
    const original = vi.fn<typeof fetch>(async () => refused);
    const target = { fetch: original };
    const onEnded = vi.fn();
    const dispose = tapFetch(onEnded, target);
    expect(target.fetch).not.toBe(original);
    const response = await target.fetch('/home', { method: 'POST' });
    expect(response).toBe(refused);
    await vi.waitFor(() => expect(onEnded).toHaveBeenCalledWith({ reason: 'admin' }));
    expect(await response.json()).toEqual({ error: 'session_revoked', reason: 'admin' });
    dispose();
    expect(target.fetch).toBe(original);
  });

  it('says nothing of answers that are not refusals', async () => {
    const onEnded = vi.fn();
    const target = { fetch: vi.fn<typeof fetch>(async () => new Response('ok')) };
    tapFetch(onEnded, target);
    await target.fetch('/x');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(onEnded).not.toHaveBeenCalled();
  });
});
