import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { createRedisBackend, type RedisBackendOptions, type RedisRevocationBackend } from '@/lib/revocation/store/redis/backend';
import type { BackendHealth, BackendListener, RevocationRecord, UserRevocation } from '@/lib/revocation/types';
import { hashSessionId } from '@/lib/security/hash';
import { startRedisServer, type RedisServer } from '@/tools/stack/redis';
import { startTcpProxy, type TcpProxy } from '@/tools/stack/tcp-proxy';

/** Real redis-server, real ioredis: every Redis backend test talks to a process its file started itself. */

export const RETENTION_S = 3600;

export function newDb(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  return db;
}

export function record(rawSessionId: string, overrides: Partial<RevocationRecord> = {}): RevocationRecord {
  const now = Date.now();
  return {
    sessionHash: hashSessionId(rawSessionId),
    userId: 'user_ada',
    revokedAt: now,
    expiresAt: now + 600_000,
    reason: 'signed_out_elsewhere',
    source: 'action',
    actor: { type: 'user', id: 'user_ada', sessionHash: hashSessionId('session_actor') },
    note: null,
    ...overrides,
  };
}

/** Records what a backend delivers and lets a test await a delivery instead of sleeping. */
export class Recorder implements BackendListener {
  records: RevocationRecord[] = [];
  users: UserRevocation[] = [];
  statuses: BackendHealth[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  onRecord(r: RevocationRecord) {
    this.records.push(r);
    this.poke();
  }
  onUserRevoked(u: UserRevocation) {
    this.users.push(u);
    this.poke();
  }
  onStatus(h: BackendHealth) {
    this.statuses.push(h);
    this.poke();
  }
  count(sessionHash: string) {
    return this.records.filter((r) => r.sessionHash === sessionHash).length;
  }
  lastStatus() {
    return this.statuses.at(-1)?.status;
  }
  until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
  private poke() {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

export function outboxSize(db: DatabaseSync): number {
  return Number((db.prepare('SELECT COUNT(*) AS n FROM revocation_outbox').get() as { n: number }).n);
}

export interface RedisHarness {
  readonly server: RedisServer;
  readonly admin: Redis;
  backend(overrides?: Partial<RedisBackendOptions>): RedisRevocationBackend;
  started(overrides?: Partial<RedisBackendOptions>): Promise<{ b: RedisRevocationBackend; rec: Recorder }>;
  /** A TCP proxy in front of the server, closed after the test. */
  proxy(): Promise<TcpProxy>;
  adminReady(): Promise<Redis>;
}

/**
 * Starts a redis-server for this test file (from `portFrom`, distinct per file: files run in parallel), closes every
 * backend and proxy after each test and empties Redis.
 */
export function redisForThisFile(ports: { redisFrom: number; proxyFrom: number }): RedisHarness {
  let server: RedisServer;
  let admin: Redis;
  const open: RedisRevocationBackend[] = [];
  const proxies: TcpProxy[] = [];

  async function adminReady(): Promise<Redis> {
    if (admin.status !== 'ready') await new Promise((resolve) => admin.once('ready', resolve));
    return admin;
  }

  function backend(overrides: Partial<RedisBackendOptions> = {}): RedisRevocationBackend {
    const b = createRedisBackend({
      url: server.url,
      db: newDb(),
      retentionSeconds: RETENTION_S,
      retryMaxDelayMs: 200,
      heartbeatMs: 500,
      commandTimeoutMs: 500,
      connectTimeoutMs: 500,
      startupTimeoutMs: 3000,
      flushIntervalMs: 200,
      // A fresh instance marks an unmarked Redis at once here; the restore wait has a test of its own.
      restoreGraceMs: 0,
      log: process.env.DEBUG_REDIS_BACKEND ? (l, m) => console.log(l, m) : () => {},
      ...overrides,
    });
    open.push(b);
    return b;
  }

  beforeAll(async () => {
    server = await startRedisServer({ portFrom: ports.redisFrom });
    admin = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    admin.on('error', () => {});
  }, 20_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    if (server) {
      await (await adminReady()).flushall();
    }
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  return {
    get server() {
      return server;
    },
    get admin() {
      return admin;
    },
    backend,
    async started(overrides = {}) {
      const b = backend(overrides);
      const rec = new Recorder();
      await b.start(rec);
      return { b, rec };
    },
    async proxy() {
      const proxy = await startTcpProxy(server.port, ports.proxyFrom);
      proxies.push(proxy);
      return proxy;
    },
    adminReady,
  };
}
