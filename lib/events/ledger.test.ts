import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { CLAIM_LEASE_MS, claimEvent, completeEvent, isProcessed, listParked, readLedger, unparkForReplay } from './ledger';
import { processEvent } from './process-event';
import { event, fakeDeps, session, TEST_BOX } from '@/test/event-fakes';

/** Two processes on one database file: two connections, each with its own deps, as two `next start` on one host. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sharedFile(): () => DatabaseSync {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  dirs.push(dir);
  const file = join(dir, 'app.sqlite');
  return () => {
    const db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
    migrate(db);
    return db;
  };
}

describe('the event ledger across two processes sharing one database', () => {
  it('one fails mid-event: the event is retried (by either) after its backoff, and acted on once', async () => {
    const connect = sharedFile();
    let t = 1_800_000_000_000;
    const a = fakeDeps({ db: connect(), now: () => t });
    const b = fakeDeps({ db: connect(), now: () => t });
    const e = event('session.revoked', { session: session({ id: 'session_1', userId: 'user_grace' }) });
    a.registry.failNext = 1;

    expect(await processEvent(e, 'webhook', a.deps)).toMatchObject({ status: 'pending', reason: 'failed' });
    // B's poller sees it backing off: it neither acts nor passes it.
    expect(await processEvent(e, 'events', b.deps)).toMatchObject({ status: 'pending', reason: 'in_progress' });
    t += 2_000;
    expect(await processEvent(e, 'events', b.deps)).toMatchObject({ status: 'processed' });
    expect(await processEvent(e, 'webhook', a.deps)).toMatchObject({ status: 'duplicate' });
    expect(b.registry.check('session_1', 'user_grace')).not.toBeNull();
    expect(a.registry.revokeCalls.length + b.registry.revokeCalls.length).toBe(2); // A's failed try, then B's
    expect(isProcessed(a.db, e.id)).toBe(true);
  });

  it('one crashes mid-event (its claim never settles): the other takes over once the lease ends', async () => {
    const connect = sharedFile();
    let t = 1_800_000_000_000;
    const dbA = connect();
    const crashed = claimEvent(dbA, { id: 'event_crash', type: 'session.revoked', payload: null }, 'events', t);
    expect(crashed).toMatchObject({ kind: 'claimed', attempt: 1 });
    const b = fakeDeps({ db: connect(), now: () => t });
    const e = event('session.revoked', { id: 'event_crash', session: session({ id: 'session_2', userId: 'user_grace' }) });

    expect(await processEvent(e, 'events', b.deps)).toMatchObject({ status: 'pending', reason: 'in_progress' });
    t += CLAIM_LEASE_MS;
    expect(await processEvent(e, 'events', b.deps)).toMatchObject({ status: 'processed' });
    expect(readLedger(b.db, 'event_crash')).toMatchObject({ status: 'processed', attempts: 2 });
    // The crashed worker's late completion changes nothing: its claim is gone.
    expect(completeEvent(dbA, 'event_crash', crashed.kind === 'claimed' ? crashed.token : '', t)).toBe(false);
  });
});

describe('replaying a parked event', () => {
  it('takes it back from the dead letters with its payload; a processed event cannot be replayed', async () => {
    let t = 1_800_000_000_000;
    const { deps, db } = fakeDeps({ now: () => t, maxAttempts: 1 });
    const e = event('session.revoked', { session: session({ id: 'session_3', userId: 'user_grace' }), data: { id: 'session_3' } });
    const end = deps.sessions.end;
    deps.sessions.end = async () => {
      throw new TypeError('a bug, fixed before the replay');
    };
    expect(await processEvent(e, 'events', deps)).toMatchObject({ status: 'parked' });
    deps.sessions.end = end;
    expect(listParked(db)).toEqual([expect.objectContaining({ eventId: e.id, attempts: 1, replayable: true })]);

    t += 1_000;
    const payload = unparkForReplay(db, e.id, t);
    expect(payload).not.toContain('session_3'); // kept sealed
    expect(JSON.parse(TEST_BOX.open(payload ?? '') ?? '{}')).toMatchObject({ id: e.id, event: 'session.revoked', data: { id: 'session_3' } });
    expect(readLedger(db, e.id)).toMatchObject({ status: 'retry', attempts: 0 });
    expect(await processEvent(e, 'events', deps, { honorBackoff: false })).toMatchObject({ status: 'processed' });
    expect(listParked(db)).toEqual([]);
    expect(readLedger(db, e.id)?.payload).toBeNull(); // processed: nothing kept
    expect(unparkForReplay(db, e.id, t)).toBeNull();
    expect(unparkForReplay(db, 'event_unknown', t)).toBeNull();
  });
});
