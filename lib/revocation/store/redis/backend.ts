import 'server-only';
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import * as rows from '../rows';
import type {
  BackendHealth,
  BackendListener,
  RevocationBackend,
  RevocationReason,
  RevocationRecord,
  RevocationSource,
  UserRevocation,
} from '../../types';

/**
 * Revocations shared by several app instances through Redis (issue 6).
 *
 * Layout (prefix `rev:` by default):
 *   rev:s:<sessionHash>  JSON RevocationRecord, expiring at record.expiresAt  (SET … NX PX)
 *   rev:u:<userId>       JSON UserRevocation, expiring `retentionSeconds` after revokedAt
 *   rev:events           pub/sub channel, one JSON message per new key
 *
 * Guarantees:
 * - `persist` writes the record to the local SQLite outbox first (durable before anything else happens), hands it
 *   to the local listener at once, then writes it to Redis (SET NX + PUBLISH in one script). If Redis is
 *   unreachable the call still resolves — the record stays in the outbox and is flushed when Redis returns.
 * - Every record this instance has seen is also kept in the local `revocations` / `revoked_users` tables, so an
 *   instance restarted while Redis is down still enforces everything it knew.
 * - On every (re)connect: subscribe first, then flush the outbox, reload every key (SCAN + MGET) and put back any
 *   live record Redis lost (a Redis restart without persistence). Only then is the backend healthy again.
 * - Fails fast: no offline queue, bounded connect/command timeouts, so a dead Redis never stalls a request.
 */

export interface RedisBackendOptions {
  /** redis:// or rediss:// URL (database number in the path, e.g. redis://host:6379/2). */
  url: string;
  /** The instance's own SQLite database: outbox (`revocation_outbox`) and last-known cache. */
  db: DatabaseSync;
  /** How long a user revocation is kept (session records carry their own `expiresAt`). */
  retentionSeconds: number;
  /** Key and channel prefix; lets several deployments share one Redis. Default `rev:`. */
  keyPrefix?: string;
  /** Identifies this instance's own messages. Default: random per process. */
  instanceId?: string;
  /** TCP connect timeout. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** A command that gets no reply within this is failed (the record goes to the outbox). Default 1000 ms. */
  commandTimeoutMs?: number;
  /** PING on both connections this often to notice a silently dead connection. Default 5000 ms. */
  heartbeatMs?: number;
  /** `start()` waits at most this long for the first full sync, then runs degraded. Default 5000 ms. */
  startupTimeoutMs?: number;
  /** Reconnect backoff: 100 ms doubling up to this cap (with jitter). Default 2000 ms. */
  retryMaxDelayMs?: number;
  /** Retry queued records this often while Redis is up but a write failed. Default 1000 ms. */
  flushIntervalMs?: number;
  /**
   * An instance that has never loaded the set trusts Redis only once Redis is marked populated (`<prefix>populated`,
   * set by an instance that knew the set, after putting back what Redis lost). Without the mark (Redis restarted
   * empty) it waits this long for such an instance before taking Redis as the whole truth (a new deployment).
   * Default 10000 ms.
   */
  restoreGraceMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Builds the options from the validated environment (see lib/env.ts). */
export function redisBackendOptions(
  env: {
    REDIS_URL?: string;
    REVOCATION_RETENTION_SECONDS: number;
    REDIS_KEY_PREFIX?: string;
    REDIS_CONNECT_TIMEOUT_MS?: number;
    REDIS_COMMAND_TIMEOUT_MS?: number;
    REDIS_STARTUP_TIMEOUT_MS?: number;
  },
  db: DatabaseSync,
): RedisBackendOptions {
  if (!env.REDIS_URL) throw new Error('REDIS_URL is not set');
  return {
    url: env.REDIS_URL,
    db,
    retentionSeconds: env.REVOCATION_RETENTION_SECONDS,
    keyPrefix: env.REDIS_KEY_PREFIX,
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    startupTimeoutMs: env.REDIS_STARTUP_TIMEOUT_MS,
  };
}

export function createRedisBackend(options: RedisBackendOptions): RedisRevocationBackend {
  return new RedisRevocationBackend(options);
}

type Payload = { kind: 's'; record: RevocationRecord } | { kind: 'u'; revocation: UserRevocation };
type Message = Payload & { v: 1; from: string };

/** SET the key only if absent and announce it; the first writer wins, later duplicates change nothing. */
const SET_AND_PUBLISH = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('PUBLISH', ARGV[3], ARGV[4])
  return 1
end
return 0`;

const SCAN_BATCH = 1000;
const OUTBOX_BATCH = 500;
const PRUNE_EVERY_MS = 3_600_000;

const HASH = /^[0-9a-f]{32}$/;
const userIdSchema = z.string().min(1).max(200);
const textSchema = z.string().min(1).max(100);

// Records come from a store other deployments (or versions) can write to: only exactly this shape is trusted.
const recordSchema = z.object({
  sessionHash: z.string().regex(HASH),
  userId: userIdSchema,
  revokedAt: z.number().finite(),
  expiresAt: z.number().finite(),
  // Any reason and source a newer version may add: shown as a generic "your session has ended".
  reason: textSchema.transform((v) => v as RevocationReason),
  source: textSchema.transform((v) => v as RevocationSource),
  actor: z.object({
    type: z.enum(['user', 'admin', 'impersonator', 'workos', 'policy', 'system']),
    id: z.string().max(200).nullish().transform((v) => v ?? null),
    sessionHash: z.string().regex(HASH).nullish().transform((v) => v ?? null),
  }),
  note: z.string().max(1_000).nullish().transform((v) => v ?? null),
});

const userRevocationSchema = z.object({
  userId: userIdSchema,
  revokedAt: z.number().finite(),
  reason: textSchema.transform((v) => v as RevocationReason),
  source: textSchema.transform((v) => v as RevocationSource),
});

const messageSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), from: z.string(), kind: z.literal('s'), record: recordSchema }),
  z.object({ v: z.literal(1), from: z.string(), kind: z.literal('u'), revocation: userRevocationSchema }),
]);

export function parseRecord(value: unknown): RevocationRecord | null {
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function parseUserRevocation(value: unknown): UserRevocation | null {
  const parsed = userRevocationSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class RedisRevocationBackend implements RevocationBackend {
  readonly kind = 'redis' as const;
  readonly instanceId: string;

  private readonly opts: Required<Omit<RedisBackendOptions, 'log' | 'instanceId'>>;
  private readonly log: NonNullable<RedisBackendOptions['log']>;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;

  private listener: BackendListener | null = null;
  private started = false;
  private closed = false;
  private cmdReady = false;
  private subReady = false;
  private synced = false;
  private everSynced = false;
  /** A full load from Redis completed in an earlier run of this instance (its database says so). */
  private readonly syncedBefore: boolean;
  /** Bumped on every disconnect; a sync that started in an older generation does not count. */
  private generation = 0;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private flushing: Promise<void> | null = null;
  private readonly inFlight = new Set<number>();
  private pending = 0;
  private downSince: number | null = Date.now();
  private lastError: string | null = null;
  private lastStatus: string | null = null;
  private unreadableLoggedAt = 0;
  private readonly syncWaiters = new Set<() => void>();
  private timers: NodeJS.Timeout[] = [];

  constructor(options: RedisBackendOptions) {
    if (!/^rediss?:\/\//.test(options.url)) throw new Error('Redis URL must start with redis:// or rediss://');
    if (!(options.retentionSeconds > 0)) throw new Error('retentionSeconds must be positive');
    this.opts = {
      url: options.url,
      db: options.db,
      retentionSeconds: options.retentionSeconds,
      keyPrefix: options.keyPrefix ?? 'rev:',
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      commandTimeoutMs: options.commandTimeoutMs ?? 1000,
      heartbeatMs: options.heartbeatMs ?? 5000,
      startupTimeoutMs: options.startupTimeoutMs ?? 5000,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 2000,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      restoreGraceMs: options.restoreGraceMs ?? 10_000,
    };
    this.instanceId = options.instanceId ?? randomUUID();
    this.log =
      options.log ??
      ((level, message) => {
        const line = `[revocation/redis] ${message}`;
        if (level === 'error') console.error(line);
        else if (level === 'warn') console.warn(line);
        else console.info(line);
      });
    this.prefix = this.opts.keyPrefix;
    this.channel = `${this.prefix}events`;

    const retryStrategy = (times: number) => {
      const base = Math.min(this.opts.retryMaxDelayMs, 100 * 2 ** Math.min(times - 1, 10));
      return Math.round(base * (0.75 + Math.random() * 0.25));
    };
    const common: RedisOptions = {
      lazyConnect: true,
      connectTimeout: this.opts.connectTimeoutMs,
      commandTimeout: this.opts.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      enableReadyCheck: true,
      autoResubscribe: false, // we subscribe ourselves, then reload, so no message is missed in between
      autoResendUnfulfilledCommands: false, // unacknowledged writes are retried from the outbox instead
      keepAlive: 10_000,
      retryStrategy,
    };
    this.cmd = new Redis(this.opts.url, { ...common, connectionName: 'soe-revocation' });
    this.sub = new Redis(this.opts.url, { ...common, connectionName: 'soe-revocation-sub' });
    this.pending = this.countOutbox();
    this.syncedBefore =
      this.opts.db.prepare("SELECT 1 FROM cursors WHERE name = 'revocations_synced'").get() !== undefined;
  }

  // ---------------------------------------------------------------- RevocationBackend

  async start(listener: BackendListener): Promise<void> {
    if (this.started) throw new Error('RedisRevocationBackend.start() called twice');
    this.started = true;
    this.listener = listener;

    // 1. What this instance already knew (survives a restart while Redis is down).
    this.pruneCache();
    this.replayCache();

    // 2. Connections. The command connection syncs once the subscriber is listening.
    this.cmd.on('ready', () => {
      this.cmdReady = true;
      this.requestSync();
    });
    this.sub.on('ready', () => {
      this.sub.subscribe(this.channel).then(
        () => {
          this.subReady = true;
          this.requestSync();
        },
        (error: unknown) => {
          this.lastError = `subscribe failed: ${describeError(error)}`;
          this.sub.disconnect(true);
        },
      );
    });
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.onMessage(message);
    });
    for (const [conn, name] of [
      [this.cmd, 'command'],
      [this.sub, 'subscriber'],
    ] as const) {
      conn.on('error', (error: unknown) => {
        this.lastError = describeError(error);
      });
      conn.on('close', () => this.onDisconnect(name));
    }

    this.timers.push(setInterval(() => this.heartbeat(), this.opts.heartbeatMs));
    this.timers.push(setInterval(() => this.retryFlush(), this.opts.flushIntervalMs));
    this.timers.push(setInterval(() => this.pruneCache(), PRUNE_EVERY_MS));
    for (const t of this.timers) t.unref();

    this.cmd.connect().catch(() => {});
    this.sub.connect().catch(() => {});
    this.emitStatus();

    // 3. Wait (bounded) for the first full sync; after that the instance serves, degraded if Redis is away.
    await new Promise<void>((resolve) => {
      if (this.synced) return resolve();
      const timer = setTimeout(done, this.opts.startupTimeoutMs);
      timer.unref();
      this.syncWaiters.add(done);
      const waiters = this.syncWaiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
    });
    if (!this.synced) {
      this.log(
        'warn',
        this.knowsRevocations()
          ? `Redis not reachable at start-up (${this.lastError ?? 'no reply'}); running degraded on the last known revocations`
          : `Redis not reachable at start-up (${this.lastError ?? 'no reply'}) and this instance has never loaded the revocations: refusing signed-in requests until it can`,
      );
    }
  }

  async persist(record: RevocationRecord): Promise<void> {
    const payload: Payload = { kind: 's', record };
    const id = this.enqueue(payload);
    this.cacheRecord(record);
    this.listener?.onRecord(record);
    await this.deliver(id, payload);
  }

  async persistUser(revocation: UserRevocation): Promise<void> {
    const payload: Payload = { kind: 'u', revocation };
    const id = this.enqueue(payload);
    this.cacheUser(revocation);
    this.listener?.onUserRevoked(revocation);
    await this.deliver(id, payload);
  }

  health(): BackendHealth {
    const queued = this.pending > 0 ? `; ${this.pending} revocation(s) queued locally until Redis is back` : '';
    if (this.closed) return { backend: 'redis', status: 'degraded', detail: 'closed' };
    if (!this.cmdReady || !this.subReady) {
      if (!this.everSynced && this.lastError === null) {
        return { backend: 'redis', status: 'degraded', detail: `connecting to Redis${queued}` };
      }
      const since = this.downSince ? ` since ${new Date(this.downSince).toISOString()}` : '';
      const why = this.lastError ? ` (${this.lastError})` : '';
      return {
        backend: 'redis',
        status: 'degraded',
        detail: `Redis unreachable${since}${why}; enforcing the revocations known to this instance${queued}`,
      };
    }
    if (!this.synced) return { backend: 'redis', status: 'degraded', detail: `resynchronising with Redis${queued}` };
    if (this.pending > 0) return { backend: 'redis', status: 'degraded', detail: queued.slice(2) };
    return { backend: 'redis', status: 'ok' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const wake of [...this.syncWaiters]) wake();
    await Promise.all(
      [this.cmd, this.sub].map(async (conn) => {
        if (conn.status === 'ready') {
          await conn.quit().catch(() => conn.disconnect());
        } else {
          conn.disconnect();
        }
      }),
    );
  }

  // ---------------------------------------------------------------- writing

  private async deliver(id: number, payload: Payload): Promise<void> {
    this.inFlight.add(id);
    try {
      await this.writeShared(payload);
      this.dequeue(id);
    } catch (error) {
      this.lastError = describeError(error);
      this.log('warn', `revocation queued in the local outbox, Redis write failed: ${this.lastError}`);
    } finally {
      this.inFlight.delete(id);
      this.emitStatus();
    }
  }

  /** SET NX PX + PUBLISH atomically. Throws when Redis is unreachable (no offline queue). */
  private async writeShared(payload: Payload): Promise<void> {
    const message: Message = { v: 1, from: this.instanceId, ...payload };
    const now = Date.now();
    let key: string;
    let value: string;
    let ttl: number;
    if (payload.kind === 's') {
      key = `${this.prefix}s:${payload.record.sessionHash}`;
      value = JSON.stringify(payload.record);
      ttl = payload.record.expiresAt - now;
    } else {
      key = `${this.prefix}u:${payload.revocation.userId}`;
      value = JSON.stringify(payload.revocation);
      ttl = payload.revocation.revokedAt + this.opts.retentionSeconds * 1000 - now;
    }
    if (ttl <= 0) return; // already past its retention: nothing left to enforce anywhere
    await this.cmd.eval(SET_AND_PUBLISH, 1, key, value, String(Math.ceil(ttl)), this.channel, JSON.stringify(message));
  }

  private enqueue(payload: Payload): number {
    const result = this.opts.db
      .prepare('INSERT INTO revocation_outbox (payload, created_at) VALUES (?, ?)')
      .run(JSON.stringify(payload), Date.now());
    this.pending++;
    return Number(result.lastInsertRowid);
  }

  private dequeue(id: number): void {
    const result = this.opts.db.prepare('DELETE FROM revocation_outbox WHERE id = ?').run(id);
    if (Number(result.changes) > 0) this.pending = Math.max(0, this.pending - 1);
  }

  private countOutbox(): number {
    const row = this.opts.db.prepare('SELECT COUNT(*) AS n FROM revocation_outbox').get() as { n: number } | undefined;
    return Number(row?.n ?? 0);
  }

  /** Sends every queued record to Redis, oldest first; stops at the first failure. */
  private flushOutbox(): Promise<void> {
    if (this.flushing) return this.flushing;
    const run = async () => {
      const select = this.opts.db.prepare('SELECT id, payload FROM revocation_outbox WHERE id > ? ORDER BY id LIMIT ?');
      let after = 0;
      for (;;) {
        const batch = select.all(after, OUTBOX_BATCH) as { id: number; payload: string }[];
        if (batch.length === 0) break;
        for (const row of batch) {
          after = Number(row.id);
          if (this.inFlight.has(after)) continue;
          const payload = parseJson(row.payload) as Payload | null;
          const valid =
            payload &&
            ((payload.kind === 's' && parseRecord(payload.record)) ||
              (payload.kind === 'u' && parseUserRevocation(payload.revocation)));
          if (valid) await this.writeShared(payload);
          else this.log('error', `dropping unreadable outbox entry ${after}`);
          this.dequeue(after);
        }
      }
      this.pending = this.countOutbox();
    };
    // Assigned before `run` can settle (it may finish synchronously when the outbox is empty).
    const flushing: Promise<void> = run().finally(() => {
      if (this.flushing === flushing) this.flushing = null;
    });
    this.flushing = flushing;
    return flushing;
  }

  private retryFlush(): void {
    if (this.closed || !this.cmdReady || !this.synced || this.pending === 0 || this.flushing) return;
    this.flushOutbox().then(
      () => this.emitStatus(),
      (error: unknown) => {
        this.lastError = describeError(error);
      },
    );
  }

  // ---------------------------------------------------------------- reading

  private onMessage(text: string): void {
    try {
      const parsed = messageSchema.safeParse(parseJson(text));
      if (!parsed.success) {
        // Untrusted: not acted on, and not dropped either — the keys in Redis decide (see `holdUnreadable`).
        if (Date.now() - this.unreadableLoggedAt > 10_000) {
          this.unreadableLoggedAt = Date.now();
          this.log('warn', 'unreadable message on the revocation channel; reloading the revocations from Redis');
        }
        this.requestSync();
        return;
      }
      const message = parsed.data;
      if (message.from === this.instanceId) return; // already delivered locally by persist()
      if (message.kind === 's') this.accept(message.record);
      else this.acceptUser(message.revocation);
    } catch (error) {
      this.log('error', `a revocation message could not be applied: ${describeError(error)}`);
    }
  }

  /**
   * IMPORTANT: whether this instance holds the revocation set at all. One that has never loaded it (an empty database
   * and Redis unreachable since it started) knows of no revocation, so it must not serve signed-in requests. The
   * marker in its database says a full load happened before (then the local cache is the last known set).
   */
  knowsRevocations(): boolean {
    return this.everSynced || this.syncedBefore;
  }

  private rememberSynced(): void {
    try {
      this.opts.db
        .prepare(
          `INSERT INTO cursors (name, value, updated_at) VALUES ('revocations_synced', 'redis', ?)
           ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at`,
        )
        .run(Date.now());
    } catch (error) {
      this.log('warn', `could not record the first full sync: ${describeError(error)}`);
    }
  }

  private accept(record: RevocationRecord): void {
    this.cacheRecord(record);
    this.listener?.onRecord(record);
  }

  private acceptUser(revocation: UserRevocation): void {
    this.cacheUser(revocation);
    this.listener?.onUserRevoked(revocation);
  }

  private requestSync(): void {
    if (this.closed || !this.cmdReady || !this.subReady) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const generation = this.generation;
    this.syncing = this.sync()
      .then(
        () => {
          if (generation === this.generation && this.cmdReady && this.subReady && !this.closed) {
            this.synced = true;
            if (!this.everSynced) this.rememberSynced();
            this.everSynced = true;
            this.downSince = null;
            this.lastError = null;
            this.log('info', `in sync with Redis (${this.pending} queued)`);
            for (const wake of [...this.syncWaiters]) wake();
          }
        },
        (error: unknown) => {
          this.lastError = `sync failed: ${describeError(error)}`;
          this.log('warn', this.lastError);
        },
      )
      .finally(() => {
        this.syncing = null;
        this.emitStatus();
        if (this.syncAgain || (!this.synced && this.cmdReady && this.subReady && !this.closed)) {
          this.syncAgain = false;
          // A failed sync with both connections up is retried after a short pause (not in a tight loop).
          const t = setTimeout(() => this.requestSync(), this.synced ? 0 : 250);
          t.unref();
        }
      });
  }

  /** Subscribed already: flush what we queued, load everything, restore what Redis lost. */
  private async sync(): Promise<void> {
    await this.flushOutbox();

    const seenSessions = new Set<string>();
    const seenUsers = new Set<string>();
    const unreadable: string[] = [];
    for (const kind of ['s', 'u'] as const) {
      const keyPrefix = `${this.prefix}${kind}:`;
      for await (const { keys, values } of this.scanValues(`${keyPrefix}*`)) {
        this.inTransaction(() => {
          keys.forEach((key, i) => {
            const id = key.slice(keyPrefix.length);
            const value = parseJson(values[i] ?? null);
            if (kind === 's') {
              const record = parseRecord(value);
              if (record && record.sessionHash === id) {
                seenSessions.add(id);
                this.accept(record);
              } else unreadable.push(key);
            } else {
              const revocation = parseUserRevocation(value);
              if (revocation && revocation.userId === id) {
                seenUsers.add(id);
                this.acceptUser(revocation);
              } else unreadable.push(key);
            }
          });
        });
      }
    }
    for (const key of unreadable) {
      const held = await this.holdUnreadable(key);
      if (held?.kind === 's') seenSessions.add(held.id);
      else if (held?.kind === 'u') seenUsers.add(held.id);
    }

    // Anti-entropy: a Redis restarted without persistence comes back empty; every instance puts back what it knows.
    const now = Date.now();
    let restored = 0;
    for (const record of this.cachedRecords(now + 1000)) {
      if (seenSessions.has(record.sessionHash)) continue;
      await this.writeShared({ kind: 's', record });
      restored++;
    }
    for (const revocation of this.cachedUsers(now + 1000)) {
      if (seenUsers.has(revocation.userId)) continue;
      await this.writeShared({ kind: 'u', revocation });
      restored++;
    }
    if (restored > 0) this.log('warn', `restored ${restored} revocation(s) that Redis no longer had`);
    await this.awaitPopulated();
  }

  /**
   * Redis is the whole truth only once an instance that knew the set has put back what Redis lost. An instance that
   * knows the set (it just did) says so; one that never loaded it waits for that mark — what is restored meanwhile
   * reaches it through the subscription it opened before loading — or, with no such instance in `restoreGraceMs`,
   * takes Redis as it is (a new deployment) and marks it.
   */
  private async awaitPopulated(): Promise<void> {
    const mark = `${this.prefix}populated`;
    if (this.knowsRevocations()) {
      await this.cmd.set(mark, this.instanceId);
      return;
    }
    const generation = this.generation;
    const until = Date.now() + this.opts.restoreGraceMs;
    while ((await this.cmd.exists(mark)) === 0) {
      if (generation !== this.generation || this.closed) throw new Error('disconnected while waiting for Redis to be restored');
      if (Date.now() >= until) {
        this.log('warn', 'Redis holds no mark of a full revocation set and no instance restored one; taking it as it is (a new deployment)');
        await this.cmd.set(mark, this.instanceId);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200).unref());
    }
  }

  private async *scanValues(pattern: string): AsyncGenerator<{ keys: string[]; values: (string | null)[] }> {
    let cursor = '0';
    do {
      const [next, keys] = await this.cmd.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
      cursor = next;
      if (keys.length > 0) yield { keys, values: await this.cmd.mget(keys) };
    } while (cursor !== '0');
  }

  /**
   * IMPORTANT: fail closed. A key `<prefix>s:<hash>` says that session was revoked (`<prefix>u:<userId>`, that user);
   * a value that cannot be read (corrupt, tampered, or not what its key names) must not make it live again. It is
   * held as revoked, reason `record_unreadable`, for as long as the key lives. A key naming no possible session or
   * user is only reported. Returns what is held, or null.
   */
  private async holdUnreadable(key: string): Promise<{ kind: 's' | 'u'; id: string } | null> {
    const kind = key.startsWith(`${this.prefix}s:`) ? 's' : 'u';
    const id = key.slice(this.prefix.length + 2);
    const valid = kind === 's' ? HASH.test(id) : userIdSchema.safeParse(id).success;
    if (!valid) {
      this.log('warn', `ignoring ${JSON.stringify(key.slice(0, 100))} in Redis: it names no session or user`);
      return null;
    }
    const ttl = await this.cmd.pttl(key);
    if (ttl === -2) return null; // gone since the scan
    const now = Date.now();
    const until = now + (ttl > 0 ? ttl : this.opts.retentionSeconds * 1000);
    if (kind === 's') {
      this.log('warn', `unreadable revocation record for session ${id} in Redis; holding the session as revoked until ${new Date(until).toISOString()}`);
      this.accept({
        sessionHash: id,
        userId: '',
        revokedAt: now,
        expiresAt: until,
        reason: 'record_unreadable',
        source: 'policy',
        actor: { type: 'system', id: null, sessionHash: null },
        note: null,
      });
    } else {
      this.log('warn', `unreadable user revocation in Redis; holding every session of ${id} as revoked until ${new Date(until).toISOString()}`);
      this.acceptUser({ userId: id, revokedAt: until - this.opts.retentionSeconds * 1000, reason: 'record_unreadable', source: 'policy' });
    }
    return { kind, id };
  }

  private onDisconnect(name: 'command' | 'subscriber'): void {
    const wasUp = this.cmdReady && this.subReady && this.synced;
    if (name === 'command') this.cmdReady = false;
    else this.subReady = false;
    this.generation++;
    this.synced = false;
    this.downSince ??= Date.now();
    if (wasUp && !this.closed) {
      this.log(
        'warn',
        `lost the ${name} connection to Redis (${this.lastError ?? 'closed'}); enforcing known revocations, queueing new ones`,
      );
    }
    this.emitStatus();
  }

  private heartbeat(): void {
    for (const conn of [this.cmd, this.sub]) {
      if (conn.status !== 'ready') continue;
      conn.ping().catch((error: unknown) => {
        this.lastError = `no PING reply: ${describeError(error)}`;
        conn.disconnect(true); // reconnect; the close handler marks the backend degraded
      });
    }
  }

  /** Tells the listener when the status or its detail (e.g. the queued count) changes. */
  private emitStatus(): void {
    const health = this.health();
    const key = `${health.status}|${health.detail ?? ''}`;
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.listener?.onStatus?.(health);
  }

  // ---------------------------------------------------------------- local last-known cache

  /** One SQLite transaction for a batch of cache writes (synchronous: nothing else runs in between). */
  private inTransaction(fn: () => void): void {
    const db = this.opts.db;
    if (db.isTransaction) return fn();
    db.exec('BEGIN');
    try {
      fn();
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  private cacheRecord(record: RevocationRecord): void {
    this.opts.db
      .prepare(
        // The first live record wins; one that has expired (not yet purged) gives way to a new revocation.
        `INSERT INTO revocations (${rows.REVOCATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_hash) DO UPDATE SET
           user_id = excluded.user_id, revoked_at = excluded.revoked_at, expires_at = excluded.expires_at,
           actor_type = excluded.actor_type, actor_id = excluded.actor_id,
           actor_session_hash = excluded.actor_session_hash, reason = excluded.reason, source = excluded.source
         WHERE revocations.expires_at <= excluded.revoked_at`,
      )
      .run(...rows.revocationValues(record));
  }

  private cacheUser(revocation: UserRevocation): void {
    this.opts.db
      .prepare(
        `INSERT INTO revoked_users (${rows.USER_COLUMNS}) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET
           revoked_at = excluded.revoked_at, reason = excluded.reason, source = excluded.source
         WHERE revoked_users.revoked_at + ? <= excluded.revoked_at`,
      )
      .run(...rows.userRevocationValues(revocation), this.opts.retentionSeconds * 1000);
  }

  private cachedRecords(liveAfter: number): RevocationRecord[] {
    const cached = this.opts.db
      .prepare('SELECT * FROM revocations WHERE expires_at > ?')
      .all(liveAfter) as unknown as rows.RevocationRow[];
    return cached.map(rows.recordFromRow);
  }

  private cachedUsers(liveAfter: number): UserRevocation[] {
    const cached = this.opts.db
      .prepare('SELECT * FROM revoked_users WHERE revoked_at > ?')
      .all(liveAfter - this.opts.retentionSeconds * 1000) as unknown as rows.UserRow[];
    return cached.map(rows.userRevocationFromRow);
  }

  private replayCache(): void {
    const now = Date.now();
    for (const record of this.cachedRecords(now)) this.listener?.onRecord(record);
    for (const revocation of this.cachedUsers(now)) this.listener?.onUserRevoked(revocation);
  }

  private pruneCache(): void {
    const now = Date.now();
    this.opts.db.prepare('DELETE FROM revocations WHERE expires_at <= ?').run(now);
    this.opts.db
      .prepare('DELETE FROM revoked_users WHERE revoked_at <= ?')
      .run(now - this.opts.retentionSeconds * 1000);
  }
}
