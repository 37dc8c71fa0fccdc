import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { hashSessionId } from '@/lib/security/hash';
import { createSessionHub, fullStreamScope, type SessionHub, type SessionStream } from './push/hub';
import { createRevocationRegistry, RegistryNotReadyError, type RevocationRegistry } from './registry';
import { createSqliteBackend, type SqliteBackend } from './store/sqlite';
import type { RevocationBackend, RevocationInput, RevocationRecord } from './types';

const HOUR = 3_600_000;
let dir: string;
let file: string;
const open: { registry: RevocationRegistry; db: DatabaseSync }[] = [];

/** A separate connection to the same file, as a second process would have. */
function connect(): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  migrate(db);
  return db;
}

function setup(opts: { now?: () => number; pollIntervalMs?: number; retentionMs?: number } = {}) {
  const db = connect();
  const retentionMs = opts.retentionMs ?? 24 * HOUR;
  const backend = createSqliteBackend({ db, retentionMs, pollIntervalMs: opts.pollIntervalMs ?? 0, now: opts.now });
  const registry = createRevocationRegistry({ kind: 'sqlite', backend, retentionMs, now: opts.now, log: () => {} });
  open.push({ registry, db });
  return { db, backend, registry };
}

const input = (sessionId: string, over: Partial<RevocationInput> = {}): RevocationInput => ({
  sessionId,
  userId: 'user_1',
  reason: 'signed_out_elsewhere',
  source: 'action',
  actor: { type: 'user', id: 'user_1', sessionId: 'session_actor' },
  ...over,
});

const nextRecord = (registry: RevocationRegistry) =>
  new Promise<RevocationRecord>((resolve) => {
    const off = registry.subscribe((record) => {
      off();
      resolve(record);
    });
  });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'revocation-'));
  file = join(dir, 'app.sqlite');
});

afterEach(async () => {
  for (const { registry, db } of open.splice(0)) {
    await registry.close();
    db.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('revocation registry (sqlite)', () => {
  it('refuses a revoked session at once and stores only the hash of its id', async () => {
    const { registry, db } = setup();
    await registry.ready();
    expect(registry.check('session_b', 'user_1')).toBeNull();

    const record = await registry.revoke(input('session_b'));

    expect(record).toMatchObject({
      sessionHash: hashSessionId('session_b'),
      userId: 'user_1',
      reason: 'signed_out_elsewhere',
      source: 'action',
      actor: { type: 'user', id: 'user_1', sessionHash: hashSessionId('session_actor') },
    });
    expect(record.expiresAt - record.revokedAt).toBe(24 * HOUR);
    expect(registry.check('session_b', 'user_1')).toEqual(record);
    expect(registry.check('session_b')).toEqual(record);
    expect(registry.check('session_other', 'user_1')).toBeNull();

    const dump = JSON.stringify(db.prepare('SELECT * FROM revocations').all());
    expect(dump).not.toContain('session_b');
    expect(dump).not.toContain('session_actor');
    expect(dump).toContain(hashSessionId('session_b'));
  });

  it('is idempotent: a second revocation keeps the first record and row', async () => {
    const { registry, db } = setup();
    const first = await registry.revoke(input('session_b'));
    const second = await registry.revoke(input('session_b', { reason: 'admin', source: 'admin' }));
    expect(second).toEqual(first);
    expect(db.prepare('SELECT count(*) AS n FROM revocations').get()).toEqual({ n: 1 });
  });

  it('publishes each revocation once to every subscriber, and a throwing listener does not stop the rest', async () => {
    const { registry } = setup();
    const seen: string[] = [];
    registry.subscribe(() => {
      throw new Error('boom');
    });
    const off = registry.subscribe((r) => seen.push(r.sessionHash));
    await registry.revoke(input('session_b'));
    await registry.revoke(input('session_b'));
    off();
    await registry.revoke(input('session_c'));
    expect(seen).toEqual([hashSessionId('session_b')]);
  });

  it('loads every live revocation from the file on start (a restarted process stays locked out)', async () => {
    const first = setup();
    await first.registry.revoke(input('session_b'));
    await first.registry.revokeUser('user_gone', 'user_deleted', 'webhook');

    const second = setup();
    await second.registry.ready();
    expect(second.registry.check('session_b')?.reason).toBe('signed_out_elsewhere');
    expect(second.registry.check('any_session', 'user_gone')?.reason).toBe('user_deleted');
  });

  it("mirrors another process's revocations by polling the file", async () => {
    const a = setup();
    const b = setup({ pollIntervalMs: 20 });
    await Promise.all([a.registry.ready(), b.registry.ready()]);

    const heard = nextRecord(b.registry);
    const record = await a.registry.revoke(input('session_b'));
    expect(await heard).toEqual({ ...record, note: null });
    expect(b.registry.check('session_b')?.sessionHash).toBe(record.sessionHash);
  });

  it('revokes every session of a user, including ones it never saw, and tells user subscribers', async () => {
    const { registry } = setup();
    const heard = new Promise((resolve) => registry.subscribeUsers(resolve));
    await registry.revokeUser('user_gone', 'user_deleted', 'webhook');

    expect(await heard).toMatchObject({ userId: 'user_gone', reason: 'user_deleted', source: 'webhook' });
    const record = registry.check('session_never_seen', 'user_gone');
    expect(record).toMatchObject({
      sessionHash: hashSessionId('session_never_seen'),
      reason: 'user_deleted',
      actor: { type: 'workos' },
    });
    expect(registry.check('session_never_seen', 'user_other')).toBeNull();
    expect(registry.check('session_never_seen')).toBeNull();
  });

  it('forgets revocations after the retention period and purges them, keeping rowids monotonic', async () => {
    let t = 1_000_000;
    const now = () => t;
    const a = setup({ now, retentionMs: 10_000 });
    const b = setup({ now, retentionMs: 10_000 });
    await Promise.all([a.registry.ready(), b.registry.ready()]);
    await a.registry.revoke(input('session_old_1'));
    await a.registry.revoke(input('session_old_2'));
    (b.backend as SqliteBackend).pollNow();
    expect(b.registry.check('session_old_2')).not.toBeNull();

    t += 10_001;
    expect(a.registry.check('session_old_1')).toBeNull();
    (a.backend as SqliteBackend).purgeNow();
    const rows = a.db.prepare('SELECT rowid AS rid, session_hash FROM revocations').all();
    // The newest row survives the purge so SQLite cannot hand its rowid out again.
    expect(rows).toEqual([{ rid: 2, session_hash: hashSessionId('session_old_2') }]);

    await a.registry.revoke(input('session_new'));
    (b.backend as SqliteBackend).pollNow();
    expect(b.registry.check('session_new')).not.toBeNull();
  });

  it('fails closed before the backend has loaded, and reports a backend that failed to start', async () => {
    let release!: (backend: RevocationBackend) => void;
    const pending = new Promise<RevocationBackend>((resolve) => (release = resolve));
    const registry = createRevocationRegistry({ kind: 'redis', backend: pending, retentionMs: HOUR, log: () => {} });
    expect(() => registry.check('session_b')).toThrow(RegistryNotReadyError);
    expect(registry.health()).toEqual({ backend: 'redis', status: 'degraded', phase: 'starting', queued: 0 });

    const db = connect();
    open.push({ registry, db });
    release(createSqliteBackend({ db, retentionMs: HOUR, pollIntervalMs: 0 }));
    await registry.ready();
    expect(registry.check('session_b')).toBeNull();
    expect(registry.health()).toEqual({ backend: 'sqlite', status: 'ok', phase: 'serving', queued: 0 });

    const broken = createRevocationRegistry({
      kind: 'redis',
      backend: Promise.reject(new Error('no redis')),
      retentionMs: HOUR,
      log: () => {},
    });
    await expect(broken.ready()).rejects.toThrow('no redis');
    expect(broken.health()).toMatchObject({ status: 'degraded', phase: 'start_failed' });
    expect(() => broken.check('session_b')).toThrow(RegistryNotReadyError);
    await broken.close();
  });

  it('judges no session while its backend has never loaded the revocation set, and does once it has', async () => {
    const db = connect();
    const real = createSqliteBackend({ db, retentionMs: HOUR, pollIntervalMs: 0 });
    let knows = false;
    const coldStart: RevocationBackend = { ...real, kind: 'redis', knowsRevocations: () => knows };
    const registry = createRevocationRegistry({ kind: 'redis', backend: coldStart, retentionMs: HOUR, log: () => {} });
    open.push({ registry, db });
    await registry.ready();
    expect(registry.knowsRevocations()).toBe(false);
    expect(() => registry.check('session_b')).toThrow(RegistryNotReadyError);
    knows = true;
    expect(registry.knowsRevocations()).toBe(true);
    expect(registry.check('session_b')).toBeNull();
  });

  it('reports a degraded backend while polling fails, and recovers', async () => {
    const { registry, db } = setup({ pollIntervalMs: 10 });
    await registry.ready();
    expect(registry.health()).toEqual({ backend: 'sqlite', status: 'ok', phase: 'serving', queued: 0 });
    db.exec('ALTER TABLE revocations RENAME TO revocations_moved');
    await vi.waitFor(() => expect(registry.health()).toMatchObject({ status: 'degraded', phase: 'failing', error: /^poll failed/ }));
    db.exec('ALTER TABLE revocations_moved RENAME TO revocations');
    await vi.waitFor(() => expect(registry.health()).toEqual({ backend: 'sqlite', status: 'ok', phase: 'serving', queued: 0 }));
  });
});

describe('session hub', () => {
  /** A stream as the hub sees it, noting the frames that end it (and leaving the hub then, as a real one does). */
  function fakeStream(hub: SessionHub, session: string, userId: string, ended: Uint8Array[] = []) {
    const stream: SessionStream = {
      sessionHash: hashSessionId(session),
      userId,
      closeAt: Date.now() + 60_000,
      send: () => {},
      end: (frame) => {
        ended.push(frame);
        hub.remove(stream);
      },
    };
    hub.add(stream);
    return { stream, ended };
  }
  const text = (frame: Uint8Array | undefined) => new TextDecoder().decode(frame);

  it('tells exactly the streams of the revoked session, and every stream of a revoked user', async () => {
    const { registry } = setup();
    const hub = createSessionHub(registry);
    const streams = Array.from({ length: 1000 }, (_, i) => fakeStream(hub, `s${i}`, i < 3 ? 'user_many' : `user_${i}`));
    expect(hub.size()).toBe(1000);
    expect(hub.countFor(hashSessionId('s0'))).toBe(1);
    expect(hub.countFor(hashSessionId('nobody'))).toBe(0);

    await registry.revoke(input('s500', { userId: 'user_500' }));
    expect(streams.flatMap((s, i) => (s.ended.length > 0 ? [i] : []))).toEqual([500]);
    expect(text(streams[500]!.ended[0])).toContain('event: revoked\ndata: {"reason":"signed_out_elsewhere"');

    await registry.revokeUser('user_many', 'user_deleted', 'admin');
    expect(text(streams[0]!.ended[0])).toContain('"reason":"user_deleted"');
    expect(text(streams[2]!.ended[0])).toContain('"reason":"user_deleted"');
    expect(streams[3]!.ended).toEqual([]);
    expect(hub.size()).toBe(996);

    hub.remove(streams[700]!.stream);
    hub.remove(streams[700]!.stream);
    expect(hub.size()).toBe(995);
    await registry.revoke(input('s700', { userId: 'user_700' }));
    expect(streams[700]!.ended).toEqual([]);
  });

  it('encodes a revocation once per session, whichever streams it reaches', async () => {
    const { registry } = setup();
    const hub = createSessionHub(registry);
    const [tab1, tab2] = [fakeStream(hub, 'laptop', 'user_ada'), fakeStream(hub, 'laptop', 'user_ada')];
    const phone = fakeStream(hub, 'phone', 'user_ada');
    await registry.revokeUser('user_ada', 'user_deleted', 'admin');
    expect(tab1.ended[0]).toBe(tab2.ended[0]);
    expect(phone.ended[0]).not.toBe(tab1.ended[0]);
    expect(text(phone.ended[0])).toBe(text(tab1.ended[0]));
  });

  it('names the cap a new stream would exceed: per session, per user (all their sessions), per instance', () => {
    const { registry } = setup();
    const hub = createSessionHub(registry);
    const caps = { perSession: 2, perUser: 3, perInstance: 5 };
    const open = (session: string, userId: string) => fakeStream(hub, session, userId).stream;
    const wants = (session: string, userId: string) => fullStreamScope(hub, caps, { sessionHash: hashSessionId(session), userId });

    open('laptop', 'user_ada');
    expect(wants('laptop', 'user_ada')).toBeNull();
    const second = open('laptop', 'user_ada');
    expect(wants('laptop', 'user_ada')).toBe('session');
    expect(wants('phone', 'user_ada')).toBeNull();
    open('phone', 'user_ada');
    // A third session of the same user is refused for the user's cap, not its own.
    expect(wants('tablet', 'user_ada')).toBe('user');
    expect(hub.countForUser('user_ada')).toBe(3);
    open('grace', 'user_grace');
    open('grace', 'user_grace');
    expect([hub.size(), hub.sessionCount()]).toEqual([5, 3]);
    expect(wants('alan', 'user_alan')).toBe('instance');
    hub.remove(second);
    expect([hub.size(), hub.sessionCount()]).toEqual([4, 3]);
    expect(hub.countForUser('user_ada')).toBe(2);
    expect(wants('alan', 'user_alan')).toBeNull();
    expect(wants('tablet', 'user_ada')).toBeNull();
  });
});
