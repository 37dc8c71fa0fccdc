import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditInput } from '@/lib/audit/types';
import { migrate } from '@/lib/db/schema';
import { createRevocationRegistry, type RevocationRegistry } from '@/lib/revocation/registry';
import { createSqliteBackend } from '@/lib/revocation/store/sqlite';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError } from '@/lib/workos/types';
import { backoffMs, createOutboxConfirmer } from './confirmer';
import { describeEndOutcomes } from './describe';
import { createSessionEnder } from './end-sessions';
import { createSqliteOutbox } from './outbox';
import type { EndActor, EndTarget } from './types';

/** A real registry and outbox on an in-memory database; WorkOS is a fake that can fail on demand. */

const RETENTION_MS = 86_400_000;
const HOLD_MS = 400 * 86_400_000;
const registries: RevocationRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

/**
 * What WorkOS answers when asked to revoke a session it has already ended or does not know. WorkOS does not document
 * it (its spec lists 200 and 400 only); the two plausible answers are a 404 (the emulator's choice) and a 200.
 */
type EndedAnswer = 404 | 200;

function setup(
  options: { failWith?: (sessionId: string) => Error | null; concurrency?: number; endedAnswer?: EndedAnswer } = {},
) {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  const clock = { now: 1_800_000_000_000 };
  const registry = createRevocationRegistry({
    kind: 'sqlite',
    retentionMs: RETENTION_MS,
    backend: createSqliteBackend({ db, retentionMs: RETENTION_MS, pollIntervalMs: 0 }),
    now: () => clock.now,
  });
  registries.push(registry);
  const outbox = createSqliteOutbox(db, { now: () => clock.now });
  const atWorkos = new Set<string>(['s_a', 's_b', 's_c', 's_actor']);
  const calls: string[] = [];
  const audits: AuditInput[] = [];
  let failWith = options.failWith ?? (() => null);
  const revokeAtWorkos = vi.fn(async (sessionId: string) => {
    calls.push(sessionId);
    const error = failWith(sessionId);
    if (error) throw error;
    if (!atWorkos.delete(sessionId) && (options.endedAnswer ?? 404) === 404) {
      throw new WorkosError('not_found', 'gone', { status: 404 });
    }
  });
  const kicks = vi.fn();
  const marked: string[] = [];
  const ender = createSessionEnder({
    registry,
    revokeAtWorkos,
    outbox,
    sealSessionId: async (id) => `sealed(${id})`,
    audit: async (entry) => {
      audits.push(entry);
      return { id: audits.length };
    },
    markConfirmed: async (hash) => void marked.push(hash),
    kickOutbox: kicks,
    holdWithoutExpiryMs: HOLD_MS,
    concurrency: options.concurrency,
    now: () => clock.now,
    log: () => {},
  });
  return {
    db,
    clock,
    registry,
    outbox,
    atWorkos,
    calls,
    audits,
    kicks,
    marked,
    revokeAtWorkos,
    ender,
    setFailure: (f: (sessionId: string) => Error | null) => (failWith = f),
    /** The outbox confirmer over this outbox, WorkOS and clock. */
    confirmer: (overrides: Partial<Parameters<typeof createOutboxConfirmer>[0]> = {}) =>
      createOutboxConfirmer({
        outboxes: [outbox],
        revokeAtWorkos,
        unsealSessionId: async (sealed) => sealed.slice('sealed('.length, -1),
        onConfirmed: async () => {},
        now: () => clock.now,
        log: () => {},
        ...overrides,
      }),
  };
}

const target = (sessionId: string, label = sessionId, expiresAt: Date | null = null): EndTarget => ({
  sessionId,
  userId: 'user_1',
  organizationId: 'org_demo',
  label,
  ipAddress: '203.0.113.9',
  expiresAt,
});
const user: EndActor = { kind: 'user', userId: 'user_1', sessionId: 's_actor', label: 'Chrome on macOS' };
const down = () => new WorkosError('unavailable', 'WorkOS is unavailable (503)', { status: 503 });

describe('endSessions', () => {
  it('ends at WorkOS first, then locks out here and writes the activity, one outcome per target in order', async () => {
    const t = setup();
    const elsewhere = { ...target('s_b'), organizationId: 'org_other' };
    const outcomes = await t.ender.endSessions({ targets: [target('s_a'), elsewhere], actor: user, reason: 'signed_out_elsewhere' });
    expect(outcomes.map((o) => [o.target.sessionId, o.status])).toEqual([
      ['s_a', 'ended'],
      ['s_b', 'ended'],
    ]);
    // Each line belongs to the organization its session is signed in to.
    expect(t.audits.map((a) => [a.target?.sessionId, a.organizationId]).sort()).toEqual([
      ['s_a', 'org_demo'],
      ['s_b', 'org_other'],
    ]);
    expect(t.atWorkos.has('s_a')).toBe(false);
    expect(t.registry.check('s_a')).toMatchObject({ reason: 'signed_out_elsewhere', source: 'action', actor: { type: 'user' } });
    expect(t.registry.check('s_a')!.expiresAt).toBe(t.clock.now + RETENTION_MS);
    expect(t.audits[0]).toMatchObject({
      kind: 'session_revoked',
      actor: { type: 'user', id: 'user_1', sessionId: 's_actor', label: 'Chrome on macOS' },
      target: { sessionId: 's_a', label: 's_a' },
      reason: 'signed_out_elsewhere',
      flagged: false,
      details: { workos: 'confirmed', source: 'action' },
    });
    expect(await t.outbox.stats()).toMatchObject({ pending: 0 });
  });

  it('counts a session WorkOS no longer knows, or one already locked out here, as already ended', async () => {
    const t = setup();
    t.atWorkos.delete('s_a');
    await t.registry.revoke({ sessionId: 's_b', userId: 'user_1', reason: 'admin', source: 'admin', actor: { type: 'admin' } });
    const outcomes = await t.ender.endSessions({ targets: [target('s_a'), target('s_b')], actor: user, reason: 'signed_out_elsewhere' });
    expect(outcomes.map((o) => o.status)).toEqual(['already_ended', 'already_ended']);
    expect(t.registry.check('s_a')).not.toBeNull(); // still locked out here: a copy of its cookie may hold a valid token
    expect(t.registry.check('s_b')?.reason).toBe('admin'); // the first record stands
    // Asked again for s_b: harmless, and the only way to be sure nothing is owed (an outbox entry can be lost).
    expect(t.calls).toEqual(['s_a', 's_b']);
  });

  it('when WorkOS fails, still locks the session out here, holds it past the retention and queues it for WorkOS', async () => {
    const t = setup({ failWith: (id) => (id === 's_b' ? down() : null) });
    const expiresAt = new Date(t.clock.now + 30 * 86_400_000);
    const outcomes = await t.ender.endSessions({
      targets: [target('s_a'), target('s_b', 'Safari on iOS', expiresAt), target('s_c')],
      actor: user,
      reason: 'signed_out_elsewhere',
    });
    expect(outcomes.map((o) => o.status)).toEqual(['ended', 'pending_at_workos', 'ended']);
    expect(outcomes[1]).toMatchObject({ problem: 'unavailable' });
    const record = t.registry.check('s_b')!;
    expect(record.expiresAt).toBe(Math.max(expiresAt.getTime(), t.clock.now + HOLD_MS));
    expect(await t.outbox.has(hashSessionId('s_b'))).toBe(true);
    const [queued] = await t.outbox.claim(t.clock.now, 10, 60_000);
    const line = t.audits.findIndex((a) => a.target?.sessionId === 's_b');
    expect(queued).toMatchObject({ sealedSessionId: 'sealed(s_b)', userId: 'user_1', lastError: 'unavailable (503)' });
    // The raw id is never stored.
    expect(JSON.stringify(t.db.prepare('SELECT * FROM workos_outbox').all())).not.toMatch(/"s_b"/);
    expect(t.audits[line]).toMatchObject({ flagged: true, details: { workos: 'pending' } });
    expect(t.kicks).toHaveBeenCalled();
    expect(describeEndOutcomes(outcomes).message).toBe(
      'Signed out 2 sessions: s_a and s_c. Signed out Safari on iOS here, but WorkOS has not confirmed it yet: it is refused here, and WorkOS will be asked again until it confirms.',
    );
  });

  it('a timeout is pending too (WorkOS may have acted), said as such', async () => {
    const t = setup({ failWith: () => new WorkosError('timeout', 'no answer') });
    const [outcome] = await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    expect(outcome).toMatchObject({ status: 'pending_at_workos', problem: 'timeout' });
  });

  it('asks WorkOS again for a session already locked out here while WorkOS still owes it, and settles the outbox', async () => {
    const t = setup({ failWith: () => down() });
    await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    t.setFailure(() => null);
    const [again] = await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    expect(again?.status).toBe('already_ended');
    expect(t.calls).toEqual(['s_a', 's_a']);
    expect(await t.outbox.has(hashSessionId('s_a'))).toBe(false);
    expect(t.audits).toHaveLength(1);
  });

  it('a session locked out here whose outbox entry was lost (Redis restarted empty) is queued again, never reported ended', async () => {
    const t = setup({ failWith: () => down() });
    await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    await t.outbox.remove(hashSessionId('s_a')); // lost with the store that held it
    const [again] = await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    expect(again).toMatchObject({ status: 'pending_at_workos' });
    expect(await t.outbox.has(hashSessionId('s_a'))).toBe(true);
    expect(t.atWorkos.has('s_a')).toBe(true);
  });

  it('once WorkOS confirms a session locked out here (asked again, or telling us), nothing is owed and its line is marked', async () => {
    const t = setup({ failWith: () => down() });
    await t.ender.endSessions({ targets: [target('s_a'), target('s_b')], actor: user, reason: 'signed_out_elsewhere' });
    t.setFailure(() => null);
    await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    await t.ender.endSessions({ targets: [target('s_b')], actor: { kind: 'workos', channel: 'webhook' }, reason: 'revoked_at_workos', endedAtWorkos: true });
    expect(await t.outbox.stats()).toMatchObject({ pending: 0 });
    expect(t.marked.sort()).toEqual([hashSessionId('s_a'), hashSessionId('s_b')].sort());
  });

  it('marks the line when the worker confirmed the session before the line was written', async () => {
    const t = setup({ failWith: () => down() });
    const audit = vi.fn(async () => {
      await t.outbox.remove(hashSessionId('s_a')); // the outbox worker confirmed it meanwhile
      return {};
    });
    const ender = createSessionEnder({
      registry: t.registry,
      revokeAtWorkos: t.revokeAtWorkos,
      outbox: t.outbox,
      sealSessionId: async (id) => `sealed(${id})`,
      audit,
      markConfirmed: async (hash) => void t.marked.push(hash),
      holdWithoutExpiryMs: HOLD_MS,
      now: () => t.clock.now,
      log: () => {},
    });
    await ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    expect(audit).toHaveBeenCalledOnce();
    expect(t.marked).toEqual([hashSessionId('s_a')]);
  });

  it('stops a bulk run before each remaining target once the acting session is revoked', async () => {
    const t = setup({ concurrency: 1 });
    t.revokeAtWorkos.mockImplementationOnce(async (id) => {
      t.atWorkos.delete(id);
      // Meanwhile, the acting session is signed out from elsewhere.
      await t.registry.revoke({ sessionId: 's_actor', userId: 'user_1', reason: 'signed_out_elsewhere', source: 'action', actor: { type: 'user' } });
    });
    const outcomes = await t.ender.endSessions({ targets: [target('s_a'), target('s_b'), target('s_c')], actor: user, reason: 'signed_out_elsewhere' });
    expect(outcomes.map((o) => o.status)).toEqual(['ended', 'failed', 'failed']);
    expect(outcomes[1]).toMatchObject({ why: 'actor_ended' });
    expect(t.atWorkos.has('s_b')).toBe(true);
    expect(t.registry.check('s_b')).toBeNull();
    expect(describeEndOutcomes(outcomes).message).toBe(
      'Signed out s_a. Stopped before s_b and s_c: the session doing this was signed out meanwhile.',
    );
  });

  it('still ends its own session last in a run that includes it (sign out everywhere)', async () => {
    const t = setup({ concurrency: 1 });
    const outcomes = await t.ender.endSessions({ targets: [target('s_a'), target('s_actor')], actor: user, reason: 'signed_out_everywhere' });
    expect(outcomes.map((o) => o.status)).toEqual(['ended', 'ended']);
  });

  it('records WorkOS-initiated ends without asking WorkOS, with the channel as the source', async () => {
    const t = setup();
    const outcomes = await t.ender.endSessions({
      targets: [target('s_a')],
      actor: { kind: 'workos', channel: 'webhook' },
      reason: 'revoked_at_workos',
      endedAtWorkos: true,
      details: { eventId: 'event_1' },
    });
    expect(outcomes[0]?.status).toBe('ended');
    expect(t.calls).toEqual([]);
    expect(t.registry.check('s_a')).toMatchObject({ source: 'webhook', actor: { type: 'workos' } });
    expect(t.audits[0]).toMatchObject({ actor: { type: 'workos', label: 'WorkOS' }, details: { eventId: 'event_1', source: 'webhook' } });
  });

  it('maps every kind of initiator to one actor in the registry and the activity', async () => {
    const t = setup();
    const actors: EndActor[] = [
      { kind: 'administrator', userId: 'user_admin', sessionId: 's_adm', name: 'Ada Lovelace', organizationId: 'org_1' },
      { kind: 'impersonator', email: 'support@example.com', userId: 'user_1', sessionId: 's_imp', label: 'Firefox on Linux' },
      { kind: 'policy', policy: 'password_changed', channel: 'events' },
    ];
    for (const [i, actor] of actors.entries()) {
      await t.ender.endSessions({ targets: [target(['s_a', 's_b', 's_c'][i]!)], actor, reason: 'admin', note: i === 0 ? 'Offboarding' : null });
    }
    expect(t.registry.check('s_a')).toMatchObject({ source: 'admin', actor: { type: 'admin', id: 'user_admin' }, note: 'Offboarding' });
    expect(t.registry.check('s_b')).toMatchObject({ source: 'action', actor: { type: 'impersonator', id: null } });
    expect(t.registry.check('s_c')).toMatchObject({ source: 'policy', actor: { type: 'policy' } });
    expect(t.audits.map((a) => [a.actor.type, a.actor.label])).toEqual([
      ['admin', 'Ada Lovelace'],
      ['impersonator', 'support@example.com'],
      ['policy', null],
    ]);
    expect(t.audits[0]?.details).toMatchObject({ note: 'Offboarding' });
  });

  it('reports a target it could not record as failed, in words, and keeps going with the others', async () => {
    const t = setup();
    const revoke = t.registry.revoke.bind(t.registry);
    vi.spyOn(t.registry, 'revoke').mockImplementation(async (input) => {
      if (input.sessionId === 's_b') throw new Error('SQLITE_BUSY');
      return revoke(input);
    });
    const outcomes = await t.ender.endSessions({ targets: [target('s_a'), target('s_b')], actor: user, reason: 'signed_out_elsewhere' });
    expect(outcomes.map((o) => o.status)).toEqual(['ended', 'failed']);
    expect(describeEndOutcomes(outcomes)).toMatchObject({
      signedOut: ['s_a'],
      failed: ['s_b'],
      allEnded: false,
      message: 'Signed out s_a. Could not sign out s_b: it could not be recorded here. Try again.',
    });
  });
});

describe.each([404, 200] as const)('WorkOS answering %i for a session it already ended', (endedAnswer) => {
  it('ends it here without error, owes WorkOS nothing, and the confirmer settles a queued entry for it', async () => {
    const t = setup({ endedAnswer });
    t.atWorkos.delete('s_a'); // ended at WorkOS already (by its dashboard, or an earlier attempt whose answer was lost)
    const [outcome] = await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    expect(outcome?.status).toBe(endedAnswer === 404 ? 'already_ended' : 'ended');
    expect(t.registry.check('s_a')).not.toBeNull();
    expect(await t.outbox.stats()).toMatchObject({ pending: 0 });

    // An entry queued while WorkOS was down, for a session WorkOS then ended itself: settled, not retried forever.
    t.setFailure(() => down());
    await t.ender.endSessions({ targets: [target('s_b')], actor: user, reason: 'signed_out_elsewhere' });
    expect(await t.outbox.stats()).toMatchObject({ pending: 1 });
    t.atWorkos.delete('s_b');
    t.setFailure(() => null);
    const confirmer = t.confirmer({ random: () => 1 });
    t.clock.now += backoffMs(1, 1_000, 300_000, () => 1);
    expect(await confirmer.runOnce()).toEqual({ confirmed: 1, failed: 0 });
    expect(await t.outbox.stats()).toMatchObject({ pending: 0 });
  });
});

describe('endUser', () => {
  it('writes the account-wide line with no organization: no one organization’s administrator is shown it', async () => {
    const t = setup();
    await t.ender.endUser({ userId: 'user_1', actor: { kind: 'workos', channel: 'webhook' }, reason: 'user_deleted' });
    expect(t.audits).toEqual([expect.objectContaining({ kind: 'user_locked', userId: 'user_1', organizationId: null })]);
  });
});

describe('the outbox confirmer', () => {
  it('asks WorkOS again with backoff until it confirms, then settles the entry and marks the activity line', async () => {
    const t = setup({ failWith: () => down() });
    await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    const confirmed: string[] = [];
    const confirmer = t.confirmer({
      onConfirmed: async (entry) => void confirmed.push(entry.sessionHash),
      random: () => 1,
    });
    expect(await confirmer.runOnce()).toEqual({ confirmed: 0, failed: 1 });
    // Not due again until its backoff has passed.
    expect(await confirmer.runOnce()).toEqual({ confirmed: 0, failed: 0 });
    t.clock.now += backoffMs(1, 1_000, 300_000, () => 1);
    expect(await confirmer.runOnce()).toEqual({ confirmed: 0, failed: 1 });
    t.setFailure(() => null);
    t.clock.now += backoffMs(2, 1_000, 300_000, () => 1);
    expect(await confirmer.runOnce()).toEqual({ confirmed: 1, failed: 0 });
    expect(t.atWorkos.has('s_a')).toBe(false);
    expect(await t.outbox.stats()).toMatchObject({ pending: 0 });
    expect(confirmed).toEqual([hashSessionId('s_a')]);
  });

  it('counts a 404 as confirmed, and never lets two workers hold one entry', async () => {
    const t = setup({ failWith: () => down() });
    await t.ender.endSessions({ targets: [target('s_a')], actor: user, reason: 'signed_out_elsewhere' });
    const first = await t.outbox.claim(t.clock.now, 10, 60_000);
    expect(first).toHaveLength(1);
    expect(await t.outbox.claim(t.clock.now, 10, 60_000)).toEqual([]);
    t.clock.now += 60_001; // the first worker died: its lease ends and the entry comes back
    const second = await t.outbox.claim(t.clock.now, 10, 60_000);
    expect(second).toHaveLength(1);
    expect(await t.outbox.settle(first[0]!)).toBe(false); // the old holder cannot settle it any more
    t.atWorkos.delete('s_a');
    t.setFailure(() => null);
    const confirmer = t.confirmer();
    t.clock.now += 60_001;
    expect(await confirmer.runOnce()).toEqual({ confirmed: 1, failed: 0 });
  });

  it('locks the session out here before asking WorkOS (an entry written just before a crash is not served meanwhile)', async () => {
    const t = setup({ failWith: () => down() });
    await t.registry.ready();
    await t.outbox.add({ sessionHash: hashSessionId('s_b'), sealedSessionId: 'sealed(s_b)', userId: 'user_1', reason: 'signed_out_elsewhere', lastError: null });
    expect(t.registry.check('s_b')).toBeNull();
    const order: string[] = [];
    const confirmer = t.confirmer({
      revokeAtWorkos: async (id) => void order.push(`workos ${id}`),
      lockOut: async (sessionId, entry) => {
        order.push(`lock ${sessionId}`);
        await t.registry.revoke({ sessionId, userId: entry.userId, reason: 'signed_out_elsewhere', source: 'action', actor: { type: 'system' } });
      },
    });
    expect(await confirmer.runOnce()).toEqual({ confirmed: 1, failed: 0 });
    expect(order).toEqual(['lock s_b', 'workos s_b']);
    expect(t.registry.check('s_b')).not.toBeNull();
  });

  it('waits base·2ⁿ with equal jitter, capped', () => {
    expect(backoffMs(1, 1_000, 300_000, () => 0)).toBe(500);
    expect(backoffMs(3, 1_000, 300_000, () => 1)).toBe(4_000);
    expect(backoffMs(30, 1_000, 300_000, () => 1)).toBe(300_000);
  });
});
