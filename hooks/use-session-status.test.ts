import { describe, expect, it, vi } from 'vitest';
import { openSessionPush, refusalOf, SESSION_CHECK_ATTRIBUTE, SESSION_EVENTS_URL, watchBackForwardCache } from './use-session-status';

function response(status: number, body: unknown, headers: Record<string, string> = {}, url = 'http://app.test/api/things') {
  const r = new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers },
  });
  Object.defineProperty(r, 'url', { value: url });
  return r;
}

describe('refusalOf (the session guard reading responses)', () => {
  it("reads the proxy's refusal and its reason, leaving the body readable for the caller", async () => {
    const refused = response(401, { error: 'session_revoked', reason: 'admin' }, { 'x-session-status': 'revoked' });
    expect(await refusalOf(refused)).toBe('admin');
    expect(await refused.json()).toEqual({ error: 'session_revoked', reason: 'admin' });
  });

  it('trusts the header alone when the body is not JSON', async () => {
    expect(await refusalOf(response(303, 'moved', { 'x-session-status': 'revoked' }))).toBe('session_revoked');
  });

  it("treats /api/session's unauthenticated as an ended session, but not any other 401", async () => {
    expect(await refusalOf(response(401, { error: 'unauthenticated' }, {}, 'http://app.test/api/session'))).toBe('session_ended');
    expect(await refusalOf(response(401, { error: 'unauthenticated' }))).toBeNull();
    expect(await refusalOf(response(401, { error: 'invalid_token' }))).toBeNull();
  });

  it('ignores successful and unrelated responses', async () => {
    expect(await refusalOf(response(200, { status: 'active' }))).toBeNull();
    expect(await refusalOf(response(500, { error: 'session_revoked' }))).toBeNull();
  });
});

class FakeEventSource {
  static opened: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(type: string, fn: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.readyState = 2;
  }
  emit(type: string, data: string) {
    for (const fn of this.listeners.get(type) ?? []) fn({ data } as MessageEvent<string>);
  }
}

describe('openSessionPush (the push channel)', () => {
  function start() {
    FakeEventSource.opened = [];
    const timers: { fn: () => void; ms: number }[] = [];
    const deps = {
      createEventSource: (url: string) => new FakeEventSource(url) as unknown as EventSource,
      probe: vi.fn(async () => {}),
      isEnded: () => false,
      onRevoked: vi.fn(),
      setTimer: (fn: () => void, ms: number) => {
        timers.push({ fn, ms });
        return timers.length as unknown as ReturnType<typeof setTimeout>;
      },
      clearTimer: () => {},
      random: () => 0.5,
    };
    const push = openSessionPush(deps);
    return { deps, timers, push };
  }

  it('reconnects quietly, after probing the session, when the server closes the stream because the token expired', async () => {
    const { deps, timers, push } = start();
    expect(FakeEventSource.opened).toHaveLength(1);
    const first = FakeEventSource.opened[0]!;
    expect(first.url).toBe(SESSION_EVENTS_URL);
    first.readyState = 1;
    first.onopen?.();

    first.emit('reconnect', '{"reason":"access_token_expired"}');
    expect(first.readyState).toBe(2);
    expect(deps.onRevoked).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(timers).toHaveLength(1));
    expect(deps.probe).toHaveBeenCalledTimes(1);
    expect(timers[0]!.ms).toBeLessThanOrEqual(1_000);
    timers[0]!.fn();
    expect(FakeEventSource.opened).toHaveLength(2);
    expect(deps.onRevoked).not.toHaveBeenCalled();
    push.dispose();
  });

  it('still reports a revocation pushed on the stream', () => {
    const { deps, push } = start();
    FakeEventSource.opened[0]!.emit('revoked', '{"reason":"admin","message":"An administrator signed you out."}');
    expect(deps.onRevoked).toHaveBeenCalledWith('admin', 'An administrator signed you out.');
    push.dispose();
  });
});

describe('watchBackForwardCache (pages restored from the back-forward cache)', () => {
  function setup({ ended = false }: { ended?: boolean } = {}) {
    const target = new EventTarget();
    const attributes = new Map<string, string>();
    const root = {
      setAttribute: (name: string, value: string) => void attributes.set(name, value),
      removeAttribute: (name: string) => void attributes.delete(name),
    };
    let answer!: () => void;
    const state = { ended };
    const probe = vi.fn(() => new Promise<void>((resolve) => (answer = resolve)));
    const onRestored = vi.fn();
    const watch = watchBackForwardCache({ target, root, probe, isEnded: () => state.ended, onRestored });
    const fire = (type: 'pagehide' | 'pageshow', persisted: boolean) =>
      target.dispatchEvent(Object.assign(new Event(type), { persisted }));
    const hidden = () => attributes.has(SESSION_CHECK_ATTRIBUTE);
    return { watch, fire, hidden, probe, onRestored, state, answer: () => answer() };
  }

  it('hides the page as it enters the cache, and shows it again only once the session is confirmed', async () => {
    const t = setup();
    t.fire('pagehide', true);
    expect(t.hidden()).toBe(true);
    t.fire('pageshow', true);
    expect(t.probe).toHaveBeenCalledTimes(1);
    expect(t.onRestored).toHaveBeenCalledTimes(1);
    await Promise.resolve();
    expect(t.hidden()).toBe(true);
    t.answer();
    await vi.waitFor(() => expect(t.hidden()).toBe(false));
  });

  it('keeps the page hidden behind the prompt when the probe finds the session ended', async () => {
    const t = setup();
    t.fire('pagehide', true);
    t.fire('pageshow', true);
    t.state.ended = true;
    t.answer();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(t.hidden()).toBe(true);
  });

  it('ignores ordinary loads and unloads (not persisted), and stops listening when disposed', () => {
    const t = setup();
    t.fire('pagehide', false);
    t.fire('pageshow', false);
    expect(t.hidden()).toBe(false);
    expect(t.probe).not.toHaveBeenCalled();
    t.watch.dispose();
    t.fire('pagehide', true);
    t.fire('pageshow', true);
    expect(t.hidden()).toBe(false);
    expect(t.probe).not.toHaveBeenCalled();
  });
});
