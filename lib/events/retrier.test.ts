import { describe, expect, it } from 'vitest';
import { WorkosError } from '@/lib/workos/types';
import { CLAIM_LEASE_MS, claimEvent, readLedger } from './ledger';
import { payloadOf, processEvent } from './process-event';
import { LedgerRetrier } from './retrier';
import { event, fakeDeps, FakeWorkos, session, TEST_BOX } from '@/test/event-fakes';

const grace = 'user_grace';

function setup(now: () => number) {
  const workos = new FakeWorkos([session({ id: 'session_1', userId: grace, createdAt: new Date('2026-03-01T09:00:00Z') })]);
  const fake = fakeDeps({ workos, now });
  const calls: string[] = [];
  const retrier = new LedgerRetrier({
    db: fake.db,
    open: (sealed) => TEST_BOX.open(sealed),
    process: (e, channel) => {
      calls.push(`${e.id}@${channel}`);
      return processEvent(e, channel, fake.deps);
    },
    intervalMs: 1_000,
    now,
  });
  return { ...fake, workos, retrier, calls };
}

const reset = () =>
  event('password_reset.succeeded', { createdAt: new Date('2026-03-01T12:00:00Z'), userId: grace, data: { userId: grace } });

describe('the ledger retrier', () => {
  it('gives an event that failed during an outage its next tries until WorkOS is back, on the channel it came by', async () => {
    let t = 1_800_000_000_000;
    const { deps, registry, db, retrier, calls, workos } = setup(() => t);
    let outage = true;
    deps.workos = {
      listActiveSessions: async (userId) => {
        if (outage) throw new WorkosError('unavailable', 'WorkOS is unavailable', { status: 503 });
        return workos.listActiveSessions(userId);
      },
    };
    const e = reset();
    await expect(processEvent(e, 'webhook', deps)).resolves.toMatchObject({ status: 'pending', reason: 'failed' });

    expect(await retrier.runOnce()).toBe(0); // not due yet: its backoff holds
    for (let i = 0; i < 6; i++) {
      t += 10 * 60_000;
      expect(await retrier.runOnce()).toBe(1);
    }
    expect(readLedger(db, e.id)).toMatchObject({ status: 'retry', attempts: 7 });
    outage = false;
    t += 10 * 60_000;
    await retrier.runOnce();
    expect(readLedger(db, e.id)).toMatchObject({ status: 'processed', payload: null });
    expect(registry.check('session_1', grace)).toMatchObject({ reason: 'password_changed' });
    expect(new Set(calls)).toEqual(new Set([`${e.id}@webhook`]));
  });

  it('takes over an event whose worker died mid-way, once its claim’s lease is over', async () => {
    let t = 1_800_000_000_000;
    const { db, registry, retrier } = setup(() => t);
    const e = reset();
    expect(claimEvent(db, { id: e.id, type: e.event, payload: TEST_BOX.seal(payloadOf(e)) }, 'events', t)).toMatchObject({ kind: 'claimed' });
    expect(await retrier.runOnce()).toBe(0);
    t += CLAIM_LEASE_MS;
    expect(await retrier.runOnce()).toBe(1);
    expect(readLedger(db, e.id)?.status).toBe('processed');
    expect(registry.check('session_1', grace)).not.toBeNull();
  });

  it('parks, with why, an event whose kept payload cannot be opened (sealed under another key), and acts on nothing', async () => {
    const t = 1_800_000_000_000;
    const { db, registry, retrier } = setup(() => t);
    const e = reset();
    claimEvent(db, { id: e.id, type: e.event, payload: 'not-sealed-by-this-box' }, 'events', t - CLAIM_LEASE_MS);
    await retrier.runOnce();
    expect(readLedger(db, e.id)).toMatchObject({ status: 'parked', last_error: expect.stringMatching(/cannot be opened/) });
    expect(registry.revokeCalls).toEqual([]);
  });

  it('does nothing while this instance cannot act on events', async () => {
    const t = 1_800_000_000_000;
    const { db, calls } = setup(() => t);
    const e = reset();
    claimEvent(db, { id: e.id, type: e.event, payload: TEST_BOX.seal(payloadOf(e)) }, 'events', t - CLAIM_LEASE_MS);
    const closed = new LedgerRetrier({ db, open: (s) => TEST_BOX.open(s), process: async () => ({ status: 'processed', type: '' }), canProcess: async () => false, intervalMs: 1_000, now: () => t });
    expect(await closed.runOnce()).toBe(0);
    expect(calls).toEqual([]);
    expect(readLedger(db, e.id)?.status).toBe('processing');
  });
});
