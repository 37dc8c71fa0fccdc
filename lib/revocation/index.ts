import 'server-only';
import { getDb, type Database } from '@/lib/db';
import { getEnv, type Env } from '@/lib/env';
import { createRevocationRegistry, type RevocationRegistry } from './registry';
import { createSqliteBackend } from './store/sqlite';
import type { RevocationBackend } from './types';

export type { RevocationRegistry } from './registry';
export { RegistryNotReadyError } from './registry';
export type * from './types';

const key = Symbol.for('soe.revocation');
type Holder = { [key]?: RevocationRegistry };

async function loadRedisBackend(env: Env, db: Database): Promise<RevocationBackend> {
  // Imported only when REDIS_URL is set: ioredis stays out of sqlite-only processes.
  const { createRedisBackend, redisBackendOptions } = await import('./store/redis/backend');
  return createRedisBackend(redisBackendOptions(env, db));
}

/**
 * The process-wide revocation registry (shared by the proxy and every route handler, which Next may load as
 * separate module instances). SQLite by default; Redis when REDIS_URL is set.
 */
export function getRevocationRegistry(): RevocationRegistry {
  const holder = globalThis as Holder;
  if (!holder[key]) {
    const env = getEnv();
    const retentionMs = env.REVOCATION_RETENTION_SECONDS * 1000;
    const db = getDb();
    holder[key] = env.REDIS_URL
      ? createRevocationRegistry({
          kind: 'redis',
          retentionMs,
          backend: loadRedisBackend(env, db),
        })
      : createRevocationRegistry({ kind: 'sqlite', retentionMs, backend: createSqliteBackend({ db, retentionMs }) });
  }
  return holder[key];
}
