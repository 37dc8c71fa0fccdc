import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { purgePersonalData, type PurgeResult } from './retention';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const POLICY = { personalDataDays: 90, auditDays: 365 };
const daysAgo = (days: number) => NOW - days * DAY;

function newDb(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  return db;
}

function audit(db: DatabaseSync, id: number, at: number, ip: string | null = '203.0.113.1'): void {
  db.prepare(
    `INSERT INTO audit_log (id, at, user_id, kind, actor_type, actor_label, target_label, ip_address, details)
     VALUES (?, ?, 'user_ada', 'sign_in', 'user', 'Chrome on macOS', 'Chrome on macOS', ?, '{"newIp":true}')`,
  ).run(id, at, ip);
}
const activity = (db: DatabaseSync, hash: string, at: number) =>
  db
    .prepare(`INSERT INTO session_activity VALUES (?, 'user_ada', ?, '203.0.113.1', 'Mozilla/5.0')`)
    .run(hash, at);
const device = (db: DatabaseSync, value: string, firstSeen: number, lastSeen: number) =>
  db
    .prepare(`INSERT INTO known_devices (user_id, kind, value, first_seen_at, last_seen_at) VALUES ('user_ada', 'ip', ?, ?, ?)`)
    .run(value, firstSeen, lastSeen);
const event = (db: DatabaseSync, id: string, status: string, updatedAt: number) =>
  db
    .prepare(`INSERT INTO event_ledger (event_id, event_type, status, channel, updated_at, payload) VALUES (?, 'session.created', ?, 'webhook', ?, '{}')`)
    .run(id, status, updatedAt);

const all = (db: DatabaseSync, sql: string) => db.prepare(sql).all();

describe('purgePersonalData', () => {
  it('keeps security activity a year, without its addresses after 90 days', () => {
    const db = newDb();
    audit(db, 1, daysAgo(10));
    audit(db, 2, daysAgo(89));
    audit(db, 3, daysAgo(91));
    audit(db, 4, daysAgo(364));
    audit(db, 5, daysAgo(366));
    audit(db, 6, daysAgo(400), null);

    const result = purgePersonalData(db, POLICY, NOW);

    expect(all(db, 'SELECT id, ip_address, target_label, details FROM audit_log ORDER BY id')).toEqual([
      { id: 1, ip_address: '203.0.113.1', target_label: 'Chrome on macOS', details: '{"newIp":true}' },
      { id: 2, ip_address: '203.0.113.1', target_label: 'Chrome on macOS', details: '{"newIp":true}' },
      { id: 3, ip_address: null, target_label: 'Chrome on macOS', details: '{"newIp":true}' },
      { id: 4, ip_address: null, target_label: 'Chrome on macOS', details: '{"newIp":true}' },
    ]);
    expect(result).toMatchObject({ auditAddressesCleared: 3, auditLinesDeleted: 2 });
  });

  it("forgets sessions' last activity, and devices and addresses not signed in from, after 90 days", () => {
    const db = newDb();
    activity(db, 'a'.repeat(32), daysAgo(1));
    activity(db, 'b'.repeat(32), daysAgo(91));
    device(db, '203.0.113.1', daysAgo(500), daysAgo(2));
    device(db, '198.51.100.7', daysAgo(95), daysAgo(91));

    const result = purgePersonalData(db, POLICY, NOW);

    expect(all(db, 'SELECT session_hash FROM session_activity')).toEqual([{ session_hash: 'a'.repeat(32) }]);
    expect(all(db, 'SELECT value FROM known_devices')).toEqual([{ value: '203.0.113.1' }]);
    expect(result).toMatchObject({ activityDeleted: 1, knownDevicesDeleted: 1 });
  });

  it('keeps the answers to "Was this you?" as long as the sign-in lines they are about', () => {
    const db = newDb();
    const answer = db.prepare(`INSERT INTO sign_in_answers VALUES ('user_ada', ?, 'confirmed', ?)`);
    answer.run('e'.repeat(32), daysAgo(364));
    answer.run('f'.repeat(32), daysAgo(366));

    expect(purgePersonalData(db, POLICY, NOW).signInAnswersDeleted).toBe(1);
    expect(all(db, 'SELECT session_hash FROM sign_in_answers')).toEqual([{ session_hash: 'e'.repeat(32) }]);
  });

  it('keeps revocation receipts as long as the audit lines they go with', () => {
    const db = newDb();
    const receipt = db.prepare(`INSERT INTO revocation_receipts VALUES (?, 'user_ada', ?, ?)`);
    receipt.run('e'.repeat(32), daysAgo(364), daysAgo(364));
    receipt.run('f'.repeat(32), daysAgo(366), daysAgo(366));

    expect(purgePersonalData(db, POLICY, NOW).receiptsDeleted).toBe(1);
    expect(all(db, 'SELECT session_hash FROM revocation_receipts')).toEqual([{ session_hash: 'e'.repeat(32) }]);
  });

  it('forgets WorkOS events acted on or parked after 90 days, never one still in flight', () => {
    const db = newDb();
    event(db, 'event_new', 'processed', daysAgo(30));
    event(db, 'event_old', 'processed', daysAgo(91));
    event(db, 'event_parked', 'parked', daysAgo(91));
    event(db, 'event_processing', 'processing', daysAgo(200));
    event(db, 'event_retry', 'retry', daysAgo(200));

    expect(purgePersonalData(db, POLICY, NOW).eventsDeleted).toBe(2);
    expect(all(db, 'SELECT event_id FROM event_ledger ORDER BY event_id')).toEqual([
      { event_id: 'event_new' },
      { event_id: 'event_processing' },
      { event_id: 'event_retry' },
    ]);
  });

  it('never touches what enforcement needs: revocations, revoked users, both outboxes, cursors', () => {
    const db = newDb();
    const ancient = daysAgo(1000);
    db.prepare(`INSERT INTO revocations VALUES ('${'c'.repeat(32)}', 'user_ada', ?, ?, 'user', 'user_ada', NULL, 'signed_out', 'action')`).run(ancient, NOW + DAY);
    db.prepare(`INSERT INTO revoked_users VALUES ('user_gone', ?, 'user_deleted', 'webhook', ?)`).run(ancient, ancient);
    db.prepare(`INSERT INTO revocation_outbox (payload, created_at) VALUES ('{}', ?)`).run(ancient);
    db.prepare(
      `INSERT INTO workos_outbox (session_hash, sealed_session_id, user_id, reason, enqueued_at, next_attempt_at)
       VALUES ('${'d'.repeat(32)}', 'sealed', 'user_ada', 'signed_out', ?, ?)`,
    ).run(ancient, ancient);
    db.prepare(`INSERT INTO cursors VALUES ('revocations_synced', 'redis', ?)`).run(ancient);
    const before = ['revocations', 'revoked_users', 'revocation_outbox', 'workos_outbox', 'cursors'].map((t) => all(db, `SELECT * FROM ${t}`));

    purgePersonalData(db, POLICY, NOW);

    expect(['revocations', 'revoked_users', 'revocation_outbox', 'workos_outbox', 'cursors'].map((t) => all(db, `SELECT * FROM ${t}`))).toEqual(before);
    expect(before.every((rows) => rows.length === 1)).toBe(true);
  });

  it('purges any amount in short batches, and a second run finds nothing to do', () => {
    const db = newDb();
    for (let i = 1; i <= 1_234; i++) {
      audit(db, i, daysAgo(100));
      activity(db, i.toString(16).padStart(32, '0'), daysAgo(100));
    }
    expect(purgePersonalData(db, POLICY, NOW)).toMatchObject({ auditAddressesCleared: 1_234, activityDeleted: 1_234 });
    expect(all(db, 'SELECT COUNT(*) AS n FROM audit_log WHERE ip_address IS NOT NULL')).toEqual([{ n: 0 }]);
    expect(purgePersonalData(db, POLICY, NOW)).toEqual({
      auditAddressesCleared: 0,
      auditLinesDeleted: 0,
      activityDeleted: 0,
      knownDevicesDeleted: 0,
      eventsDeleted: 0,
      signInAnswersDeleted: 0,
      receiptsDeleted: 0,
    });
  });
});

describe('purgePersonalData with several processes on one database file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('two processes purging at once leave exactly what one would, and neither fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'retention-'));
    dirs.push(dir);
    const file = join(dir, 'app.sqlite');
    const db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
    migrate(db);
    db.exec('BEGIN');
    for (let i = 1; i <= 20_000; i++) audit(db, i, daysAgo(i % 2 === 0 ? 100 : 400));
    audit(db, 20_001, daysAgo(1));
    db.exec('COMMIT');

    // The other process: its own thread and connection to the same file, running the same module.
    const other = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const { DatabaseSync } = require('node:sqlite');
       import(workerData.module).then(({ purgePersonalData }) => {
         const db = new DatabaseSync(workerData.file);
         db.exec('PRAGMA busy_timeout = 5000;');
         parentPort.postMessage(purgePersonalData(db, workerData.policy, workerData.now));
       });`,
      { eval: true, workerData: { module: new URL('./retention.ts', import.meta.url).href, file, policy: POLICY, now: NOW } },
    );
    const theirs = new Promise<PurgeResult>((resolve, reject) => {
      other.once('message', resolve);
      other.once('error', reject);
    });
    const mine = purgePersonalData(db, POLICY, NOW);
    const result = await theirs;
    await other.terminate();

    // Between them, every line exactly once (each batch is its own conditional write).
    expect(mine.auditAddressesCleared + result.auditAddressesCleared).toBe(20_000);
    expect(mine.auditLinesDeleted + result.auditLinesDeleted).toBe(10_000);
    expect(all(db, 'SELECT COUNT(*) AS n, COUNT(ip_address) AS ips FROM audit_log')).toEqual([{ n: 10_001, ips: 1 }]);
    db.close();
  });
});

describe('migrating a database made before known devices had a last sign-in', () => {
  it('adds it, filled with the first one, once — whoever opens the file', () => {
    const db = new DatabaseSync(':memory:');
    db.exec(`CREATE TABLE known_devices (user_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
             first_seen_at INTEGER NOT NULL, PRIMARY KEY (user_id, kind, value))`);
    db.prepare(`INSERT INTO known_devices VALUES ('user_ada', 'ip', '203.0.113.1', ?)`).run(daysAgo(10));
    migrate(db);
    migrate(db);
    expect(all(db, 'SELECT value, last_seen_at FROM known_devices')).toEqual([{ value: '203.0.113.1', last_seen_at: daysAgo(10) }]);
  });
});
