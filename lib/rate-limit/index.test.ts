import { NextRequest } from 'next/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@/lib/env', () => ({
  getEnv: () => ({
    RATE_LIMIT_PAGES_PER_SESSION: 2,
    RATE_LIMIT_PAGES_PER_USER: 4,
    RATE_LIMIT_ACTIONS_PER_SESSION: 2,
    RATE_LIMIT_ACTIONS_PER_USER: 4,
    RATE_LIMIT_SIGN_IN_PER_IP: 3,
    RATE_LIMIT_CALLBACK_PER_IP: 2,
    RATE_LIMIT_WEBHOOKS_PER_IP: 2,
    RATE_LIMIT_RECEIPTS_PER_IP: 2,
  }),
}));

// The address as lib/security/client-ip settles it from the socket (tested there); here, the test names it.
vi.mock('@/lib/security/client-ip', () => ({ clientIp: (headers: Headers) => headers.get('x-test-client-ip') }));

const { limitCaller, limitClientIp } = await import('./index');

const DOCUMENT = { accept: 'text/html', 'sec-fetch-dest': 'document' };

function request(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new NextRequest(`http://localhost:3000${path}`, { method, headers });
}

async function refusals(path: string, headers: Record<string, string>, n: number, method = 'GET') {
  const answers = [];
  for (let i = 0; i < n; i++) answers.push(await limitClientIp(request(path, headers, method)));
  return answers;
}

beforeEach(() => {
  // A fresh process-wide limiter for every test.
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('soe.rate-limit')];
});

describe('per-IP limits in the proxy', () => {
  it('refuses a browser starting too many sign-ins from one IP with a 429 page and Retry-After', async () => {
    const ip = { 'x-test-client-ip': '198.51.100.7', ...DOCUMENT };
    // /sign-in and /sign-up share one budget.
    const answers = [...(await refusals('/sign-in', ip, 2)), ...(await refusals('/sign-up', ip, 2))];
    expect(answers.slice(0, 3)).toEqual([null, null, null]);
    const refused = answers[3]!;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toMatch(/Too many requests — try again in \d+ s\./);

    // Another client, another entry point and the signed-in pages are not affected.
    expect(await limitClientIp(request('/sign-in', { 'x-test-client-ip': '198.51.100.8', ...DOCUMENT }))).toBeNull();
    expect(await limitClientIp(request('/callback?code=x', ip))).toBeNull();
    expect(await refusals('/home', ip, 10)).toEqual(Array(10).fill(null));
  });

  it('answers the callback and the webhook with JSON 429s, and counts clients of unknown address together', async () => {
    const [, , callback] = await refusals('/callback?code=abc', { 'x-test-client-ip': '203.0.113.50' }, 3);
    expect(callback?.status).toBe(429);
    expect(await callback!.json()).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(/^Too many requests — try again in \d+ s\.$/),
      retryAfterSeconds: expect.any(Number),
    });

    const webhooks = await refusals('/api/webhooks/workos', {}, 3, 'POST');
    expect(webhooks.slice(0, 2)).toEqual([null, null]);
    expect(webhooks[2]?.status).toBe(429);
    expect(webhooks[2]?.headers.get('retry-after')).toMatch(/^\d+$/);

    // Revocation receipts (public POST, and the revoker's GET) share one budget per client.
    const receipts = [
      ...(await refusals('/api/session/receipts', { 'x-test-client-ip': '203.0.113.60' }, 2, 'POST')),
      ...(await refusals('/api/session/receipts?sessions=x', { 'x-test-client-ip': '203.0.113.60' }, 1)),
    ];
    expect(receipts.slice(0, 2)).toEqual([null, null]);
    expect(receipts[2]?.status).toBe(429);
  });
});

describe('limitCaller', () => {
  it("says when to try again, in the page's words, once the caller's session is over its limit", async () => {
    const caller = { sessionHash: 'f'.repeat(32), user: { id: 'user_ada' } };
    expect(await limitCaller('action', caller)).toBeNull();
    expect(await limitCaller('action', caller)).toBeNull();
    expect(await limitCaller('action', caller)).toEqual({
      retryAfterSeconds: expect.any(Number),
      message: expect.stringMatching(/^Too many requests — try again in \d+ s\.$/),
    });
    // Page renders are counted apart from actions.
    expect(await limitCaller('page', caller)).toBeNull();
  });
});
