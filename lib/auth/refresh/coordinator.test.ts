import { describe, expect, it, vi } from 'vitest';
import { createRefreshCoordinator, type RefreshCoordinatorDeps } from './coordinator';
import { createMemoryRotationStore } from './memory-store';
import { RefreshMetrics } from './metrics';
import { GrantError, type RefreshRequest, type RotationStore, type SealedSession } from './types';

/**
 * A fake WorkOS with single-use refresh tokens (a spent one answers invalid_grant, as WorkOS does), a fake clock,
 * and a sleep that advances it, so every wait below is deterministic.
 */

const TOKEN_LIFE_MS = 5_000;
const GRACE_MS = 30_000;

class FakeWorkos {
  private readonly tokens = new Map<string, { sessionId: string; used: boolean }>();
  readonly ended = new Set<string>();
  grants: string[] = [];
  private next = 1;
  /** When set, grants wait for this before answering. */
  gate: Promise<void> | null = null;
  failWith: GrantError | null = null;

  constructor(private readonly clock: { now: number }) {}

  issue(sessionId: string): string {
    const token = `rt_${this.next++}`;
    this.tokens.set(token, { sessionId, used: false });
    return token;
  }

  session(sessionId: string): SealedSession {
    return { accessToken: `at|${this.clock.now + TOKEN_LIFE_MS - 1_000}`, refreshToken: this.issue(sessionId), user: { id: 'user_1' } };
  }

  async grant(refreshToken: string): Promise<SealedSession> {
    this.grants.push(refreshToken);
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    const record = this.tokens.get(refreshToken);
    if (!record || record.used || this.ended.has(record.sessionId)) {
      throw new GrantError('invalid_grant', 'Refresh token already exchanged.');
    }
    record.used = true;
    return this.session(record.sessionId);
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: { shared?: RotationStore; workos?: FakeWorkos; clock?: { now: number }; waitMs?: number } = {}) {
  const clock = options.clock ?? { now: 1_000_000 };
  const workos = options.workos ?? new FakeWorkos(clock);
  const metrics = new RefreshMetrics();
  const ended: RefreshRequest[] = [];
  const reused: RefreshRequest[] = [];
  const isSessionActive = vi.fn(async (_userId: string, sessionId: string) => !workos.ended.has(sessionId));
  const deps: RefreshCoordinatorDeps = {
    ...(options.shared ? { shared: options.shared } : {}),
    grant: ({ refreshToken }) => workos.grant(refreshToken),
    isSessionActive,
    seal: async (session) => `sealed:${JSON.stringify(session)}`,
    unseal: async (cookie) => JSON.parse(cookie.slice('sealed:'.length)) as SealedSession,
    dueAt: (accessToken) => Number(accessToken.split('|')[1]),
    hashRefreshToken: (token) => `h(${token})`,
    sessionKey: (sessionId) => `k(${sessionId})`,
    onEnded: async (request) => void ended.push(request),
    onReused: async (request) => void reused.push(request),
    graceMs: GRACE_MS,
    lockTtlMs: 15_000,
    waitMs: options.waitMs ?? 8_000,
    metrics,
    now: () => clock.now,
    // Virtual time: one event-loop turn per 25 ms, so long waits really are long next to short ones.
    sleep: async (ms, signal) => {
      for (let waited = 0; waited < ms; waited += 25) {
        await tick();
        if (signal?.aborted) return;
      }
      clock.now += ms;
    },
    log: () => {},
  };
  const coordinator = createRefreshCoordinator(deps);
  return { coordinator, workos, clock, metrics, ended, reused, isSessionActive, deps };
}

async function request(session: SealedSession, sessionId = 'session_1'): Promise<RefreshRequest> {
  return {
    cookie: `sealed:${JSON.stringify(session)}`,
    session,
    sessionId,
    userId: 'user_1',
    organizationId: null,
    ipAddress: '203.0.113.9',
    userAgent: 'Mozilla/5.0',
  };
}

function tokensIn(cookie: string): SealedSession {
  return JSON.parse(cookie.slice('sealed:'.length)) as SealedSession;
}

describe('single-flight refresh in one process', () => {
  it('makes one grant for concurrent requests carrying the same token, and gives each the same new session', async () => {
    const { coordinator, workos, metrics } = setup();
    const session = workos.session('session_1');
    const gate = deferred();
    workos.gate = gate.promise;
    const pending = Array.from({ length: 10 }, async () => coordinator.refresh(await request(session)));
    await tick();
    gate.resolve();
    const outcomes = await Promise.all(pending);

    expect(workos.grants).toEqual([session.refreshToken]);
    expect(outcomes.every((o) => o.kind === 'renewed')).toBe(true);
    const cookies = new Set(outcomes.map((o) => (o.kind === 'renewed' ? o.cookie : '')));
    expect(cookies.size).toBe(1);
    expect(outcomes.filter((o) => o.kind === 'renewed' && o.via === 'grant')).toHaveLength(1);
    expect(metrics.snapshot().counters).toMatchObject({ grants: 1, joined: 9 });
  });

  it('hands a request that arrives a moment later with the replaced token the newest session, without a grant', async () => {
    const { coordinator, workos, clock } = setup();
    const session = workos.session('session_1');
    const first = await coordinator.refresh(await request(session));
    clock.now += 2_000;
    const late = await coordinator.refresh(await request(session));
    expect(late).toEqual({ kind: 'renewed', cookie: first.kind === 'renewed' ? first.cookie : '', via: 'shared' });
    expect(workos.grants).toHaveLength(1);
  });

  it('refreshes the newest session on behalf of an old token when the newest is itself due', async () => {
    const { coordinator, workos, clock } = setup();
    const session = workos.session('session_1');
    const first = await coordinator.refresh(await request(session));
    const newest = tokensIn(first.kind === 'renewed' ? first.cookie : '');
    clock.now += TOKEN_LIFE_MS; // the newest access token is due too, still within the grace period
    const outcome = await coordinator.refresh(await request(session));
    expect(workos.grants).toEqual([session.refreshToken, newest.refreshToken]);
    expect(outcome).toMatchObject({ kind: 'renewed', via: 'grant' });
  });

  it('once the grace period is over, a spent token of a live session is reuse: recorded once, never a sign-out', async () => {
    const { coordinator, workos, clock, reused, ended, metrics } = setup();
    const session = workos.session('session_1');
    await coordinator.refresh(await request(session));
    clock.now += GRACE_MS + 1;
    const outcomes = await Promise.all([1, 2, 3].map(async () => coordinator.refresh(await request(session))));
    expect(outcomes).toEqual([{ kind: 'reused' }, { kind: 'reused' }, { kind: 'reused' }]);
    expect(reused).toHaveLength(1);
    expect(reused[0]).toMatchObject({ sessionId: 'session_1', ipAddress: '203.0.113.9' });
    expect(ended).toEqual([]);
    expect(metrics.snapshot().counters.reused).toBe(1);
  });

  it('ends a session only when WorkOS no longer lists it, once for all the requests that asked', async () => {
    const { coordinator, workos, ended, reused, isSessionActive } = setup();
    const session = workos.session('session_1');
    workos.ended.add('session_1');
    const outcomes = await Promise.all([1, 2, 3].map(async () => coordinator.refresh(await request(session))));
    expect(outcomes).toEqual([{ kind: 'ended' }, { kind: 'ended' }, { kind: 'ended' }]);
    expect(workos.grants).toHaveLength(1);
    expect(isSessionActive).toHaveBeenCalledTimes(1);
    expect(ended).toHaveLength(1);
    expect(reused).toEqual([]);
  });

  it('asks to retry, recording nothing, when WorkOS fails or cannot say whether the session lives', async () => {
    const { coordinator, workos, ended, reused, isSessionActive } = setup();
    const session = workos.session('session_1');
    workos.failWith = new GrantError('unavailable', '503');
    expect(await coordinator.refresh(await request(session))).toEqual({ kind: 'retry', why: 'unavailable', retryAfterSeconds: 5 });

    workos.failWith = new GrantError('invalid_grant', 'spent');
    isSessionActive.mockRejectedValueOnce(new Error('WorkOS down'));
    expect(await coordinator.refresh(await request(session))).toMatchObject({ kind: 'retry', why: 'unconfirmed' });
    expect(ended).toEqual([]);
    expect(reused).toEqual([]);

    workos.failWith = null; // WorkOS is back: the same token still works, because it was never spent
    expect(await coordinator.refresh(await request(session))).toMatchObject({ kind: 'renewed', via: 'grant' });
  });

  it('reports a refusal for another reason as rejected, without recording a revocation', async () => {
    const { coordinator, workos, ended } = setup();
    workos.failWith = new GrantError('rejected', 'organization_membership_not_found');
    expect(await coordinator.refresh(await request(workos.session('session_1')))).toEqual({ kind: 'rejected' });
    expect(ended).toEqual([]);
  });

  it('keeps a refresh that outlives the request: the retry gets its result instead of spending the token again', async () => {
    const { coordinator, workos, metrics } = setup({ waitMs: 100 });
    const session = workos.session('session_1');
    const gate = deferred();
    workos.gate = gate.promise;
    expect(await coordinator.refresh(await request(session))).toEqual({ kind: 'retry', why: 'slow', retryAfterSeconds: 2 });
    expect(coordinator.pending()).toBe(1);

    gate.resolve(); // WorkOS answers after the request gave up
    await vi.waitFor(() => expect(coordinator.pending()).toBe(0));
    workos.gate = null;
    const retried = await coordinator.refresh(await request(session));
    expect(retried).toMatchObject({ kind: 'renewed', via: 'shared' });
    expect(workos.grants).toEqual([session.refreshToken]);
    expect(metrics.snapshot().counters.slow).toBe(1);
  });

  it('keeps a late result for the holders of the old token past the grace period, until one of them takes it', async () => {
    const { coordinator, workos, clock, reused } = setup({ waitMs: 100 });
    const session = workos.session('session_1');
    const gate = deferred();
    workos.gate = gate.promise;
    expect(await coordinator.refresh(await request(session))).toMatchObject({ kind: 'retry', why: 'slow' });
    gate.resolve();
    await vi.waitFor(() => expect(coordinator.pending()).toBe(0));
    workos.gate = null;
    // The laptop went to sleep right after: it comes back long after the grace period, still with the old token.
    clock.now += GRACE_MS + 3_600_000;
    const back = await coordinator.refresh(await request(session));
    expect(back).toMatchObject({ kind: 'renewed' });
    // The late session's own token is long due by now, so it is refreshed in turn: rt_1 → rt_2 → rt_3, no reuse.
    expect(tokensIn(back.kind === 'renewed' ? back.cookie : '').refreshToken).toBe('rt_3');
    expect(workos.grants).toEqual(['rt_1', 'rt_2']);
    expect(reused).toEqual([]);
    // Handed out once, the grace period applies again.
    clock.now += GRACE_MS + 1;
    expect(await coordinator.refresh(await request(session))).toEqual({ kind: 'reused' });
  });

  it('still answers reuse when recording it fails (no retry loop that shows the spent token again)', async () => {
    const { coordinator, workos, clock } = setup();
    const session = workos.session('session_1');
    await coordinator.refresh(await request(session));
    clock.now += GRACE_MS + 1;
    const failing = setup({ workos, clock });
    // Same WorkOS, another coordinator whose audit write fails.
    const c = createRefreshCoordinator({ ...failing.deps, onReused: async () => Promise.reject(new Error('disk full')) });
    expect(await c.refresh(await request(session))).toEqual({ kind: 'reused' });
  });

  it('remembers a refresh made outside it, so the old token earns the new session', async () => {
    const { coordinator, workos } = setup();
    const session = workos.session('session_1');
    const elsewhere = await workos.grant(session.refreshToken);
    const cookie = `sealed:${JSON.stringify(elsewhere)}`;
    await coordinator.recordRotation(await request(session), cookie);
    expect(await coordinator.refresh(await request(session))).toEqual({ kind: 'renewed', cookie, via: 'shared' });
    expect(workos.grants).toEqual([session.refreshToken]);
  });

  it('forgets the newest session after the grace period (the cache expires)', async () => {
    const { coordinator, workos, clock } = setup();
    const session = workos.session('session_1');
    const first = await coordinator.refresh(await request(session));
    const newest = tokensIn(first.kind === 'renewed' ? first.cookie : '');
    clock.now += GRACE_MS + 1;
    // The newest token itself refreshes normally: a new grant, not a cached answer.
    const next = await coordinator.refresh(await request(newest));
    expect(next).toMatchObject({ kind: 'renewed', via: 'grant' });
    expect(workos.grants).toEqual([session.refreshToken, newest.refreshToken]);
  });
});

/** Two instances sharing one store, one WorkOS and one clock. */
function twoInstances() {
  const clock = { now: 1_000_000 };
  const shared = createMemoryRotationStore({ now: () => clock.now });
  const a = setup({ shared, clock });
  return { clock, a, b: setup({ shared, clock, workos: a.workos }) };
}

describe('single-flight refresh across instances (a shared store)', () => {
  it('keeps only ciphertext, hashes and wrapped keys in the shared store: it cannot hand a session to anyone', async () => {
    const clock = { now: 1_000_000 };
    const shared = createMemoryRotationStore({ now: () => clock.now });
    const a = setup({ shared, clock });
    const session = a.workos.session('session_1');
    await a.coordinator.refresh(await request(session));
    const stored = JSON.stringify(await shared.get('k(session_1)'));
    expect(stored).toContain('"box"');
    expect(stored).not.toContain('sealed:');
    expect(stored).not.toContain('refreshToken');
    expect(stored).not.toContain('at|');
  });

  it('does not call a lost race reuse when the winner could not share its result: the lock is kept instead', async () => {
    const clock = { now: 1_000_000 };
    const store = createMemoryRotationStore({ now: () => clock.now });
    const unwritable: RotationStore = { ...store, put: async () => Promise.reject(new Error('READONLY')) };
    const a = setup({ shared: unwritable, clock });
    const b = setup({ shared: unwritable, clock, workos: a.workos, waitMs: 200 });
    const session = a.workos.session('session_1');
    expect(await a.coordinator.refresh(await request(session))).toMatchObject({ kind: 'renewed', via: 'grant' });
    // B cannot see A's new session; A's lock is still held, so B waits and answers "busy" rather than spending rt_1.
    expect(await b.coordinator.refresh(await request(session))).toMatchObject({ kind: 'retry', why: 'busy' });
    expect(a.workos.grants).toEqual([session.refreshToken]);
    expect(b.reused).toEqual([]);
  });

  it('does not call it reuse when only this instance could be serialized (the shared lock failed)', async () => {
    const clock = { now: 1_000_000 };
    const store = createMemoryRotationStore({ now: () => clock.now });
    const a = setup({ shared: store, clock });
    const session = a.workos.session('session_1');
    await a.workos.grant(session.refreshToken); // spent by someone whose result this instance cannot see
    const noLock: RotationStore = { ...store, acquire: async () => Promise.reject(new Error('ETIMEDOUT')) };
    const b = setup({ shared: noLock, clock, workos: a.workos });
    expect(await b.coordinator.refresh(await request(session))).toMatchObject({ kind: 'retry', why: 'lost_race' });
    expect(b.reused).toEqual([]);
  });

  it('lets one instance grant while the other waits for its result', async () => {
    const { a, b } = twoInstances();
    const session = a.workos.session('session_1');
    const gate = deferred();
    a.workos.gate = gate.promise;

    const onA = a.coordinator.refresh(await request(session));
    await tick();
    const onB = b.coordinator.refresh(await request(session));
    for (let i = 0; i < 5; i++) await tick(); // B is polling for A's lock
    gate.resolve();
    const [fromA, fromB] = await Promise.all([onA, onB]);

    expect(a.workos.grants).toEqual([session.refreshToken]);
    expect(fromA).toMatchObject({ kind: 'renewed', via: 'grant' });
    expect(fromB).toEqual({ kind: 'renewed', via: 'waited', cookie: fromA.kind === 'renewed' ? fromA.cookie : '' });
    expect(b.metrics.snapshot().counters.waited).toBe(1);
  });

  it('hands the newest session to a request that reaches the other instance a moment later', async () => {
    const { clock, a, b } = twoInstances();
    const session = a.workos.session('session_1');
    const fromA = await a.coordinator.refresh(await request(session));
    clock.now += 3_000;
    const fromB = await b.coordinator.refresh(await request(session));
    expect(fromB).toEqual({ kind: 'renewed', via: 'shared', cookie: fromA.kind === 'renewed' ? fromA.cookie : '' });
    expect(a.workos.grants).toHaveLength(1);
  });

  it('trusts the shared store over its own memory once another instance has refreshed the session again', async () => {
    const { clock, a, b } = twoInstances();
    const first = await b.coordinator.refresh(await request(a.workos.session('session_1'))); // B remembers rt_2
    const second = tokensIn(first.kind === 'renewed' ? first.cookie : '');
    clock.now += TOKEN_LIFE_MS; // rt_2's token is due; A refreshes it (rt_2 → rt_3)
    const fromA = await a.coordinator.refresh(await request(second));
    // A tab whose request with rt_2 left before the new cookie arrived reaches B, whose own memory says rt_2 is current.
    const fromB = await b.coordinator.refresh(await request(second));
    expect(fromB).toEqual({ kind: 'renewed', via: 'shared', cookie: fromA.kind === 'renewed' ? fromA.cookie : '' });
    expect(b.reused).toEqual([]);
    expect(a.workos.grants).toHaveLength(2);
  });

  it('recovers a lost race whose winner it sees only after WorkOS said invalid_grant', async () => {
    const clock = { now: 1_000_000 };
    const shared = createMemoryRotationStore({ now: () => clock.now });
    const a = setup({ shared, clock });
    const session = a.workos.session('session_1');
    // Another instance spent the token without a lock (say, Redis blinked), and shared its result.
    const b = setup({ shared, clock, workos: a.workos });
    const fromB = await b.coordinator.refresh(await request(session));
    // C misses B's result until WorkOS has refused the spent token (its reads race B's write).
    const unseen: RotationStore = {
      ...shared,
      get: vi.fn().mockResolvedValueOnce(null).mockResolvedValueOnce(null).mockImplementation(shared.get),
    };
    const c = setup({ shared: unseen, clock, workos: a.workos });
    const fromC = await c.coordinator.refresh(await request(session));
    expect(fromC).toMatchObject({ kind: 'renewed', cookie: fromB.kind === 'renewed' ? fromB.cookie : '' });
    expect(c.metrics.snapshot().counters.lost_race_recovered).toBe(1);
    expect(c.reused).toEqual([]);
  });

  it('while the shared store is down, a lost race is retried for one grace period before it counts as reuse', async () => {
    const clock = { now: 1_000_000 };
    const down = createMemoryRotationStore({ now: () => clock.now });
    const broken: RotationStore = {
      ...down,
      get: async () => Promise.reject(new Error('ECONNREFUSED')),
      put: async () => Promise.reject(new Error('ECONNREFUSED')),
      acquire: async () => Promise.reject(new Error('ECONNREFUSED')),
      healthy: () => false,
    };
    const a = setup({ shared: broken, clock });
    const b = setup({ shared: broken, clock, workos: a.workos });
    const session = a.workos.session('session_1');
    expect(await a.coordinator.refresh(await request(session))).toMatchObject({ kind: 'renewed', via: 'grant' });
    expect(await b.coordinator.refresh(await request(session))).toEqual({ kind: 'retry', why: 'lost_race', retryAfterSeconds: 1 });
    expect(b.reused).toEqual([]);
    clock.now += GRACE_MS + 1;
    expect(await b.coordinator.refresh(await request(session))).toEqual({ kind: 'reused' });
    expect(b.reused).toHaveLength(1);
  });
});
