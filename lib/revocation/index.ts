import 'server-only';
import { getDb, type Database } from '@/lib/db';
import { getEnv, type Env } from '@/lib/env';
import { createSessionHub, type SessionHub } from './push/hub';
import { createRevocationRegistry, type RevocationRegistry } from './registry';
import { createSqliteBackend } from './store/sqlite';
import type { RevocationBackend } from './types';

export type { RevocationRegistry } from './registry';
export { RegistryNotReadyError } from './registry';
export { reasonMessage, isRevocationReason, REVOCATION_REASONS } from './reasons';
export type * from './types';

const key = Symbol.for('soe.revocation');
const hubKey = Symbol.for('soe.revocation.hub');
type Holder = { [key]?: RevocationRegistry; [hubKey]?: SessionHub };

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

/** The process-wide hub that routes revocations to open /api/session/events streams. */
export function getSessionHub(): SessionHub {
  const holder = globalThis as Holder;
  holder[hubKey] ??= createSessionHub(getRevocationRegistry(), { heartbeatMs: getEnv().SSE_HEARTBEAT_MS });
  return holder[hubKey];
}
