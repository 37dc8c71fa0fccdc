import { describe, expect, it } from 'vitest';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError } from '@/lib/workos/types';
import { CLAIM_LEASE_MS, isProcessed, readLedger } from './ledger';
import { processEvent } from './process-event';
import { event, fakeDeps, FakeWorkos, session, TEST_BOX } from '@/test/event-fakes';

const grace = 'user_grace';

describe('processEvent: session.revoked', () => {
  it('locks the session out as revoked at WorkOS and records it on the user’s activity', async () => {
    const { deps, registry, audit, db } = fakeDeps();
    const s = session({ id: 'session_a', userId: grace });
    const e = event('session.revoked', { session: { ...s, status: 'revoked' } });

    await expect(processEvent(e, 'webhook', deps)).resolves.toEqual({ status: 'processed', type: 'session.revoked' });

    expect(registry.check('session_a', grace)).toMatchObject({
      reason: 'revoked_at_workos',
      source: 'webhook',
      actor: { type: 'workos' },
    });
    expect(audit.entries).toEqual([
      expect.objectContaining({
        userId: grace,
        organizationId: 'org_demo',
        kind: 'session_revoked',
        actor: { type: 'workos', label: 'WorkOS' },
        target: { sessionId: 'session_a', label: 'Firefox on Windows' },
        reason: 'revoked_at_workos',
      }),
    ]);
    expect(isProcessed(db, e.id)).toBe(true);
  });

  it('processes an event once, whether it is re-delivered or arrives through both channels', async () => {
    const { deps, registry, audit } = fakeDeps();
    const e = event('session.revoked', { session: session({ id: 'session_b', userId: grace }) });

    const first = await processEvent(e, 'webhook', deps);
    const again = await processEvent(e, 'webhook', deps);
    const viaEvents = await processEvent(e, 'events', deps);

    expect([first.status, again.status, viaEvents.status]).toEqual(['processed', 'duplicate', 'duplicate']);
    expect(registry.revokeCalls).toHaveLength(1);
    expect(audit.entries).toHaveLength(1);
  });

  it('acts once when the same event is processed concurrently', async () => {
    const { deps, registry, audit } = fakeDeps();
    const e = event('session.revoked', { session: session({ id: 'session_c', userId: grace }) });

    const outcomes = await Promise.all([
      processEvent(e, 'webhook', deps),
      processEvent(e, 'events', deps),
      processEvent(e, 'webhook', deps),
    ]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'duplicate', 'processed']);
    expect(registry.revokeCalls).toHaveLength(1);
    expect(audit.entries).toHaveLength(1);
  });

  it('keeps an event whose handling failed for a retry with backoff (never loses a revocation)', async () => {
    let t = 1_800_000_000_000;
    const { deps, registry, db } = fakeDeps({ now: () => t });
    const e = event('session.revoked', { session: session({ id: 'session_d', userId: grace }) });
    registry.failNext = 1;

    await expect(processEvent(e, 'events', deps)).resolves.toEqual({
      status: 'pending',
      type: e.event,
      reason: 'failed',
      retryAfterMs: 2_000,
    });
    expect(readLedger(db, e.id)).toMatchObject({ status: 'retry', attempts: 1, last_error: expect.stringMatching(/could not be recorded/) });
    expect(registry.check('session_d', grace)).toBeNull();
    // Not before its backoff (the poller), but a webhook redelivery may try at once.
    await expect(processEvent(e, 'events', deps)).resolves.toMatchObject({ status: 'pending', reason: 'in_progress' });
    t += 2_000;
    await expect(processEvent(e, 'events', deps)).resolves.toMatchObject({ status: 'processed' });
    expect(registry.check('session_d', grace)).not.toBeNull();
    expect(isProcessed(db, e.id)).toBe(true);
  });

  it('parks an event whose handling keeps failing for a reason of its own, with the reason, so it stops holding later events up', async () => {
    let t = 1_800_000_000_000;
    const { deps, db } = fakeDeps({ now: () => t, maxAttempts: 3 });
    const e = event('session.revoked', { session: session({ id: 'session_poison', userId: grace }), data: { id: 'session_poison' } });
    deps.sessions.end = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    };
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await processEvent(e, 'webhook', deps)).status);
      t += 10 * 60_000;
    }
    expect(statuses).toEqual(['pending', 'pending', 'parked']);
    expect(readLedger(db, e.id)).toMatchObject({ status: 'parked', attempts: 3, last_error: expect.stringMatching(/^failed 3 times/) });
    const kept = readLedger(db, e.id)?.payload ?? '';
    expect(kept).not.toContain('session_poison'); // sealed at rest
    expect(TEST_BOX.open(kept)).toContain('session_poison');
    await expect(processEvent(e, 'webhook', deps)).resolves.toEqual({ status: 'duplicate', type: e.event });
  });

  it('never parks an event because of an outage: WorkOS failing is retried past the attempt limit, then acted on', async () => {
    let t = 1_800_000_000_000;
    const workos = new FakeWorkos([session({ id: 'session_1', userId: grace, createdAt: new Date('2026-03-01T09:00:00Z') })]);
    const { deps, registry, db } = fakeDeps({ workos, now: () => t, maxAttempts: 3 });
    let outage = true;
    deps.workos = {
      listActiveSessions: async (userId) => {
        if (outage) throw new WorkosError('unavailable', 'WorkOS is unavailable', { status: 503 });
        return workos.listActiveSessions(userId);
      },
    };
    const e = event('password_reset.succeeded', { createdAt: new Date('2026-03-01T12:00:00Z'), userId: grace, data: { userId: grace } });
    for (let i = 0; i < 8; i++) {
      await expect(processEvent(e, 'webhook', deps)).resolves.toMatchObject({ status: 'pending', reason: 'failed' });
      t += 10 * 60_000;
    }
    expect(readLedger(db, e.id)).toMatchObject({ status: 'retry', attempts: 8 });
    outage = false;
    await expect(processEvent(e, 'webhook', deps)).resolves.toMatchObject({ status: 'processed' });
    expect(registry.check('session_1', grace)).toMatchObject({ reason: 'password_changed' });
  });

  it('a user WorkOS no longer knows has no sessions to end: the event is done, not retried for a day', async () => {
    const { deps, db, registry } = fakeDeps();
    deps.workos = {
      listActiveSessions: async () => {
        throw new WorkosError('not_found', 'no such user', { status: 404 });
      },
    };
    const e = event('password_reset.succeeded', { userId: grace, data: { userId: grace } });
    await expect(processEvent(e, 'events', deps)).resolves.toMatchObject({ status: 'processed' });
    expect(readLedger(db, e.id)?.status).toBe('processed');
    expect(registry.revokeCalls).toEqual([]);
  });

  it('takes over a claim left by a process that crashed mid-way, once its lease is over', async () => {
    let t = 1_800_000_000_000;
    const { deps, registry, db } = fakeDeps({ now: () => t });
    const e = event('session.revoked', { session: session({ id: 'session_busy', userId: grace }) });
    db.prepare(
      `INSERT INTO event_ledger (event_id, event_type, status, channel, attempts, claim_token, claimed_at, updated_at)
       VALUES (?, ?, 'processing', 'events', 1, 'other-process', ?, ?)`,
    ).run(e.id, e.event, t - 1_000, t - 1_000);

    await expect(processEvent(e, 'events', deps)).resolves.toMatchObject({ status: 'pending', reason: 'in_progress' });
    expect(registry.revokeCalls).toHaveLength(0);
    expect(readLedger(db, e.id)).toMatchObject({ claim_token: 'other-process' });

    t += CLAIM_LEASE_MS;
    await expect(processEvent(e, 'events', deps)).resolves.toMatchObject({ status: 'processed' });
    expect(registry.revokeCalls).toHaveLength(1);
    expect(readLedger(db, e.id)).toMatchObject({ status: 'processed', attempts: 2 });
  });

  it('completes or fails only a claim it still holds', async () => {
    const t = 1_800_000_000_000;
    const e = event('session.revoked', { session: session({ id: 'session_slow', userId: grace }) });
    const takenOver = (db: import('node:sqlite').DatabaseSync) =>
      db.prepare("UPDATE event_ledger SET claim_token = 'taker', claimed_at = ? WHERE event_id = ?").run(t, e.id);

    // Succeeds after another process took the claim over: the taker's claim stands.
    const ok = fakeDeps({ now: () => t });
    const revoke = ok.registry.revoke.bind(ok.registry);
    ok.registry.revoke = async (input) => {
      takenOver(ok.db);
      return revoke(input);
    };
    await expect(processEvent(e, 'webhook', ok.deps)).resolves.toMatchObject({ status: 'processed' });
    expect(readLedger(ok.db, e.id)).toMatchObject({ status: 'processing', claim_token: 'taker' });

    // Fails after another process took the claim over: the taker's claim is left alone.
    const failing = fakeDeps({ now: () => t });
    failing.registry.revoke = async () => {
      takenOver(failing.db);
      throw new Error('registry unavailable');
    };
    await expect(processEvent(e, 'webhook', failing.deps)).resolves.toMatchObject({ status: 'pending' });
    expect(readLedger(failing.db, e.id)).toMatchObject({ status: 'processing', claim_token: 'taker' });
  });

  it('does not acknowledge a concurrent duplicate while the first attempt fails', async () => {
    const { deps, registry } = fakeDeps();
    const e = event('session.revoked', { session: session({ id: 'session_e', userId: grace }) });
    registry.failNext = 1;

    const results = await Promise.all([processEvent(e, 'webhook', deps), processEvent(e, 'events', deps)]);

    expect(results.map((r) => r.status)).toEqual(['pending', 'pending']);
  });

  it('does not log a second entry when the app itself revoked the session first', async () => {
    const { deps, registry, audit } = fakeDeps();
    await registry.revoke({
      sessionId: 'session_f',
      userId: grace,
      reason: 'signed_out_elsewhere',
      source: 'action',
      actor: { type: 'user', id: grace },
    });
    const e = event('session.revoked', { session: session({ id: 'session_f', userId: grace }) });

    await processEvent(e, 'webhook', deps);

    expect(registry.check('session_f', grace)?.reason).toBe('signed_out_elsewhere');
    expect(audit.entries).toHaveLength(0);
  });

  it('parks a session event without a session as malformed, with its reason, and acknowledges it', async () => {
    const { deps, db } = fakeDeps();
    const e = event('session.revoked', { userId: grace });

    await expect(processEvent(e, 'webhook', deps)).resolves.toEqual({
      status: 'parked',
      type: 'session.revoked',
      reason: `session.revoked ${e.id} carries no session`,
    });
    expect(isProcessed(db, e.id)).toBe(false);
    expect(readLedger(db, e.id)).toMatchObject({ status: 'parked', attempts: 1 });
  });
});

describe('processEvent: ordering', () => {
  it('never resurrects a revoked session when its session.created arrives late', async () => {
    const { deps, registry, audit } = fakeDeps();
    const s = session({ id: 'session_g', userId: grace });
    const created = event('session.created', { session: s, createdAt: new Date('2026-01-01T10:00:00Z') });
    const revoked = event('session.revoked', { session: { ...s, status: 'revoked' }, createdAt: new Date('2026-01-01T11:00:00Z') });

    await processEvent(revoked, 'webhook', deps);
    await processEvent(created, 'webhook', deps);

    expect(registry.check('session_g', grace)).toMatchObject({ reason: 'revoked_at_workos' });
    // The sign-in is still history worth showing.
    expect(audit.signIns).toEqual([
      expect.objectContaining({ userId: grace, sessionId: 'session_g', ipAddress: '203.0.113.7' }),
    ]);
  });
});

describe('processEvent: session.created', () => {
  it('records the sign-in with its device, address and method', async () => {
    const { deps, audit, registry } = fakeDeps();
    const s = session({
      id: 'session_h',
      userId: grace,
      organizationId: 'org_other',
      authMethod: 'magic_code',
      createdAt: new Date('2026-02-01T08:00:00Z'),
    });

    await processEvent(event('session.created', { session: s }), 'events', deps);

    expect(audit.signIns).toEqual([
      {
        userId: grace,
        sessionId: 'session_h',
        organizationId: 'org_other',
        ipAddress: '203.0.113.7',
        userAgent: s.userAgent,
        authMethod: 'magic_code',
        impersonator: null,
        source: 'events',
        at: new Date('2026-02-01T08:00:00Z'),
      },
    ]);
    expect(registry.revokeCalls).toHaveLength(0);
  });
});

describe('processEvent: user.deleted', () => {
  it('locks out every session of the user and records it', async () => {
    const { deps, registry, audit } = fakeDeps();

    await processEvent(event('user.deleted', { userId: grace }), 'webhook', deps);

    expect(registry.users.get(grace)).toEqual({ reason: 'user_deleted', source: 'webhook' });
    expect(registry.check('session_any', grace)?.reason).toBe('user_deleted');
    expect(audit.entries).toEqual([
      expect.objectContaining({ userId: grace, organizationId: null, kind: 'user_locked', reason: 'user_deleted' }),
    ]);
  });
});

describe('processEvent: password_reset.succeeded', () => {
  const changedAt = new Date('2026-03-01T12:00:00Z');
  const before = (id: string) => session({ id, userId: grace, createdAt: new Date('2026-03-01T09:00:00Z') });
  const after = (id: string) => session({ id, userId: grace, createdAt: new Date('2026-03-01T12:05:00Z') });
  const reset = () =>
    event('password_reset.succeeded', {
      createdAt: changedAt,
      userId: grace,
      data: { object: 'password_reset', id: 'password_reset_1', userId: grace, email: 'grace@example.com' },
    });

  it('with the policy on, ends every earlier session at WorkOS, then here, and says how many', async () => {
    const workos = new FakeWorkos([before('session_1'), { ...before('session_2'), organizationId: 'org_other' }, after('session_new')]);
    const { deps, registry, audit } = fakeDeps({ workos });
    deps.workos = workos;

    await processEvent(reset(), 'webhook', deps);

    expect(workos.revoked.sort()).toEqual(['session_1', 'session_2']);
    for (const id of ['session_1', 'session_2']) {
      expect(registry.check(id, grace)).toMatchObject({ reason: 'password_changed', source: 'policy', actor: { type: 'policy' } });
    }
    expect(registry.check('session_new', grace)).toBeNull();
    expect(audit.entries.filter((a) => a.kind === 'session_revoked').map((a) => a.target?.sessionId).sort()).toEqual([
      'session_1',
      'session_2',
    ]);
    expect(audit.entries.filter((a) => a.kind === 'session_revoked').every((a) => a.reason === 'password_changed')).toBe(true);
    // Each session's line is its organization's; the password line is the user's alone.
    expect(
      audit.entries.filter((a) => a.kind === 'session_revoked').map((a) => [a.target?.sessionId, a.organizationId]).sort(),
    ).toEqual([
      ['session_1', 'org_demo'],
      ['session_2', 'org_other'],
    ]);
    expect(audit.entries.filter((a) => a.kind === 'password_changed')).toEqual([
      expect.objectContaining({
        userId: grace,
        organizationId: null,
        details: expect.objectContaining({ sessionsSignedOut: 2, policy: 'on' }),
      }),
    ]);
  });

  it('with the policy off, records the change and ends nothing', async () => {
    const workos = new FakeWorkos([before('session_1')]);
    const { deps, registry, audit } = fakeDeps({ workos, revokeSessionsOnPasswordChange: false });

    await processEvent(reset(), 'events', deps);

    expect(workos.listCalls).toBe(0);
    expect(workos.revoked).toEqual([]);
    expect(registry.revokeCalls).toEqual([]);
    expect(audit.entries).toEqual([
      expect.objectContaining({ kind: 'password_changed', details: expect.objectContaining({ sessionsSignedOut: 0, policy: 'off' }) }),
    ]);
  });

  it('locks out locally even when WorkOS fails, owes those to WorkOS through the outbox, and is done with the event', async () => {
    const workos = new FakeWorkos([before('session_1'), before('session_2')]);
    workos.failing.add('session_2');
    const { deps, registry, audit, db, outbox } = fakeDeps({ workos });
    const e = reset();

    await expect(processEvent(e, 'webhook', deps)).resolves.toMatchObject({ status: 'processed' });
    expect(registry.check('session_1', grace)).not.toBeNull();
    expect(registry.check('session_2', grace)).not.toBeNull();
    expect(await outbox.has(hashSessionId('session_2'))).toBe(true);
    expect(isProcessed(db, e.id)).toBe(true);
    expect(audit.entries.filter((a) => a.kind === 'password_changed')).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ sessionsSignedOut: 2 }) }),
    ]);
    expect(audit.entries.filter((a) => a.kind === 'session_revoked')).toHaveLength(2);
  });

  it('treats a session WorkOS already ended as ended', async () => {
    const gone = before('session_gone');
    const workos = new FakeWorkos([gone]);
    workos.revokeWorkosSession = async () => {
      const { WorkosError } = await import('@/lib/workos/types');
      throw new WorkosError('not_found', 'gone');
    };
    const { deps, registry } = fakeDeps({ workos });

    await expect(processEvent(reset(), 'webhook', deps)).resolves.toMatchObject({ status: 'processed' });
    expect(registry.check('session_gone', grace)).not.toBeNull();
  });
});

describe('processEvent: organization membership', () => {
  it('ends only the sessions signed in to the organization the user left', async () => {
    const inOrg = session({ id: 'session_org', userId: grace, organizationId: 'org_demo' });
    const elsewhere = session({ id: 'session_other', userId: grace, organizationId: 'org_other' });
    const workos = new FakeWorkos([inOrg, elsewhere]);
    const { deps, registry, audit } = fakeDeps({ workos });

    await processEvent(
      event('organization_membership.updated', {
        userId: grace,
        data: { object: 'organization_membership', userId: grace, organizationId: 'org_demo', status: 'inactive' },
      }),
      'events',
      deps,
    );

    expect(workos.revoked).toEqual(['session_org']);
    expect(registry.check('session_org', grace)).toMatchObject({ reason: 'revoked_at_workos', source: 'policy', note: 'Organization membership ended' });
    expect(registry.check('session_other', grace)).toBeNull();
    expect(audit.entries).toEqual([expect.objectContaining({ organizationId: 'org_demo', kind: 'session_revoked' })]);
  });

  it('processed late (retries, a replay, the poller catching up), ends only sessions that existed when the membership ended', async () => {
    const endedAt = new Date('2026-03-01T12:00:00Z');
    const before = session({ id: 'session_before', userId: grace, organizationId: 'org_demo', createdAt: new Date('2026-03-01T11:00:00Z') });
    const rejoined = session({ id: 'session_rejoined', userId: grace, organizationId: 'org_demo', createdAt: new Date('2026-03-02T09:00:00Z') });
    const workos = new FakeWorkos([before, rejoined]);
    const { deps, registry } = fakeDeps({ workos });
    await processEvent(
      event('organization_membership.deleted', {
        createdAt: endedAt,
        userId: grace,
        data: { object: 'organization_membership', userId: grace, organizationId: 'org_demo', status: 'active' },
      }),
      'events',
      deps,
    );
    expect(workos.revoked).toEqual(['session_before']);
    expect(registry.check('session_rejoined', grace)).toBeNull();
  });

  it('leaves sessions alone when a membership is updated but still active', async () => {
    const workos = new FakeWorkos([session({ id: 'session_org', userId: grace })]);
    const { deps } = fakeDeps({ workos });

    await processEvent(
      event('organization_membership.updated', {
        userId: grace,
        data: { userId: grace, organizationId: 'org_demo', status: 'active' },
      }),
      'events',
      deps,
    );

    expect(workos.listCalls).toBe(0);
  });
});

describe('processEvent: other types', () => {
  it('acknowledges types it does not handle without recording them', async () => {
    const { deps, db } = fakeDeps();
    const e = event('user.updated', { userId: grace });

    await expect(processEvent(e, 'webhook', deps)).resolves.toEqual({ status: 'ignored', type: 'user.updated' });
    expect(isProcessed(db, e.id)).toBe(false);
  });
});
