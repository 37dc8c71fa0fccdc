import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { hashSessionId } from '@/lib/security/hash';
import { createRevocationRegistry, type RevocationRegistry } from '../registry';
import { createSqliteBackend, type SqliteBackend } from './sqlite';
import type { RevocationInput } from '../types';

const HOUR = 3_600_000;
let dir: string;
let file: string;
const cleanup: (() => Promise<void> | void)[] = [];

function connect(): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  migrate(db);
  cleanup.push(() => db.close());
  return db;
}

/**
 * `db` as the backend sees it, except that while armed, right after the FIRST read the backend makes of `table`
 * (whatever that read is), `interleave` runs — another process committing between the poller's reads.
 */
function withInterleavedWrite(db: DatabaseSync, table: string, interleave: () => void) {
  const state = { armed: false };
  const from = new RegExp(`FROM\\s+${table}\\b`);
  const wrapStatement = (statement: StatementSync): StatementSync =>
    new Proxy(statement, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop !== 'all' && prop !== 'get') return value.bind(target);
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (state.armed) {
            state.armed = false;
            interleave();
          }
          return result;
        };
      },
    });
  const proxied = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'prepare') {
        return (sql: string) => {
          const statement = target.prepare(sql);
          return /^\s*SELECT/i.test(sql) && from.test(sql) ? wrapStatement(statement) : statement;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxied, arm: () => (state.armed = true) };
}

const input = (sessionId: string, userId = 'user_1'): RevocationInput => ({
  sessionId,
  userId,
  reason: 'signed_out_elsewhere',
  source: 'action',
  actor: { type: 'user', id: userId },
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-backend-'));
  file = join(dir, 'app.sqlite');
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite backend polling across processes', () => {
  it('does not skip a revocation another process commits between the poller’s reads', async () => {
    const other = connect();
    const t = Date.now();
    const write = (hash: string) =>
      other
        .prepare(
          `INSERT INTO revocations (session_hash, user_id, revoked_at, expires_at, actor_type, actor_id,
             actor_session_hash, reason, source) VALUES (?, 'user_1', ?, ?, 'user', NULL, NULL, 'signed_out', 'action')`,
        )
        .run(hash, t, t + HOUR);
    const racing = withInterleavedWrite(connect(), 'revocations', () => write('b'.repeat(64)));
    const backend = createSqliteBackend({ db: racing.db, retentionMs: 24 * HOUR, pollIntervalMs: 0 });
    cleanup.unshift(() => backend.close());
    const seen: string[] = [];
    await backend.start({ onRecord: (r) => seen.push(r.sessionHash), onUserRevoked: () => {} });

    write('a'.repeat(64));
    racing.arm();
    backend.pollNow(); // "b" commits between this poll's two reads
    backend.pollNow();
    backend.pollNow();
    expect(seen.map((h) => h[0]).sort()).toEqual(['a', 'b']);
  });

  it('does not skip a user-wide revocation another process commits between the poller’s reads', async () => {
    const other = connect();
    const t = Date.now();
    const write = (userId: string) =>
      other
        .prepare(`INSERT INTO revoked_users (user_id, revoked_at, expires_at, reason, source) VALUES (?, ?, ?, 'user_deleted', 'webhook')`)
        .run(userId, t, t + HOUR);
    const racing = withInterleavedWrite(connect(), 'revoked_users', () => write('user_b'));
    const backend = createSqliteBackend({ db: racing.db, retentionMs: 24 * HOUR, pollIntervalMs: 0 });
    cleanup.unshift(() => backend.close());
    const seen: string[] = [];
    await backend.start({ onRecord: () => {}, onUserRevoked: (u) => seen.push(u.userId) });

    write('user_a');
    racing.arm();
    backend.pollNow();
    backend.pollNow();
    expect(seen.sort()).toEqual(['user_a', 'user_b']);
  });
});

describe('sqlite backend: revoking again after the entry expired', () => {
  function setup(now: () => number, retentionMs: number) {
    const db = connect();
    const backend = createSqliteBackend({ db, retentionMs, pollIntervalMs: 0, now });
    const registry: RevocationRegistry = createRevocationRegistry({
      kind: 'sqlite',
      backend,
      retentionMs,
      now,
      log: () => {},
    });
    cleanup.unshift(() => registry.close());
    return { db, backend, registry };
  }

  it('rewrites an expired, unpurged row and other processes see the new revocation', async () => {
    let t = 1_000_000;
    const now = () => t;
    const a = setup(now, 10_000);
    const b = setup(now, 10_000);
    await Promise.all([a.registry.ready(), b.registry.ready()]);
    await a.registry.revoke(input('session_x'));
    await a.registry.revoke(input('session_y')); // so session_x's row is not the newest
    b.backend.pollNow();
    expect(b.registry.check('session_x')).not.toBeNull();

    t += 10_001; // both entries expired; nothing purged them
    expect(a.registry.check('session_x')).toBeNull();
    const record = await a.registry.revoke(input('session_x'));
    expect(record.revokedAt).toBe(t);
    expect(a.registry.check('session_x')).not.toBeNull();

    const rows = a.db.prepare('SELECT rowid AS rid, session_hash, revoked_at FROM revocations ORDER BY rowid').all();
    expect(rows).toEqual([
      { rid: 2, session_hash: hashSessionId('session_y'), revoked_at: 1_000_000 },
      { rid: 3, session_hash: hashSessionId('session_x'), revoked_at: t },
    ]);
    (b.backend as SqliteBackend).pollNow();
    expect(b.registry.check('session_x')?.revokedAt).toBe(t);

    // A live row is still left alone (idempotent).
    t += 1;
    await b.registry.revoke(input('session_x'));
    expect(a.db.prepare('SELECT revoked_at FROM revocations WHERE session_hash = ?').get(hashSessionId('session_x'))).toEqual({
      revoked_at: t - 1,
    });
  });

  it('does the same for a user-wide revocation past its retention', async () => {
    let t = 1_000_000;
    const now = () => t;
    const a = setup(now, 10_000);
    const b = setup(now, 10_000);
    await Promise.all([a.registry.ready(), b.registry.ready()]);
    await a.registry.revokeUser('user_gone', 'user_deleted', 'webhook');
    t += 10_001;
    expect(a.registry.check('session_any', 'user_gone')).toBeNull();
    await a.registry.revokeUser('user_gone', 'user_deleted', 'webhook');
    expect(a.registry.check('session_any', 'user_gone')).not.toBeNull();
    b.backend.pollNow();
    expect(b.registry.check('session_any', 'user_gone')?.revokedAt).toBe(t);
  });
});
