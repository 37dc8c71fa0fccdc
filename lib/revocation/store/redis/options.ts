import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

export interface RedisBackendOptions {
  /** redis:// or rediss:// URL (database number in the path, e.g. redis://host:6379/2). */
  url: string;
  /** The instance's own SQLite database: outbox (`revocation_outbox`) and last-known cache. */
  db: DatabaseSync;
  /** The retention (store/retention.ts): for user revocations stored without an expiry, and unreadable keys. */
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
  log?: RedisLog;
}

export type RedisLog = (level: 'info' | 'warn' | 'error', message: string) => void;
export type ResolvedRedisOptions = Required<RedisBackendOptions>;

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

const consoleLog: RedisLog = (level, message) => {
  const line = `[revocation/redis] ${message}`;
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.info(line);
};

export function resolveRedisOptions(options: RedisBackendOptions): ResolvedRedisOptions {
  if (!/^rediss?:\/\//.test(options.url)) throw new Error('Redis URL must start with redis:// or rediss://');
  return {
    url: options.url,
    db: options.db,
    retentionSeconds: options.retentionSeconds,
    keyPrefix: options.keyPrefix ?? 'rev:',
    instanceId: options.instanceId ?? randomUUID(),
    connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    commandTimeoutMs: options.commandTimeoutMs ?? 1000,
    heartbeatMs: options.heartbeatMs ?? 5000,
    startupTimeoutMs: options.startupTimeoutMs ?? 5000,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 2000,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
    restoreGraceMs: options.restoreGraceMs ?? 10_000,
    log: options.log ?? consoleLog,
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
