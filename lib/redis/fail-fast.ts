import { Redis } from 'ioredis';

/**
 * A Redis connection for the small shared stores (refresh coordination, the WorkOS outbox) that must never stall a
 * request: no offline queue, one attempt per command, bounded timeouts, reconnect with capped backoff. `ready()`
 * waits for the first connection only (the stores are created at start-up); a lost connection fails at once.
 */
export interface FailFastRedisOptions {
  url: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  onError?: (error: Error) => void;
}

export function createFailFastRedis(options: FailFastRedisOptions): { redis: Redis; ready(): Promise<void> } {
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  const redis = new Redis(options.url, {
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(2_000, 100 * 2 ** Math.min(times, 5)) * (0.75 + Math.random() * 0.25),
  });
  redis.on('error', (error: Error) => options.onError?.(error));
  // Only the FIRST connection is waited for; during a later reconnect commands fail at once (no stall per call).
  let first: Promise<void> | null = null;
  function ready(): Promise<void> {
    first ??= new Promise<void>((resolve) => {
      if (redis.status === 'ready' || !['wait', 'connecting', 'connect'].includes(redis.status)) return resolve();
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, connectTimeoutMs);
      redis.once('ready', done);
    });
    return first;
  }
  return { redis, ready };
}
