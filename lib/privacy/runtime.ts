import 'server-only';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import { purgePersonalData, type PurgeResult } from './retention';

/** Often enough that nothing outlives its retention by more than an hour; each run is a few indexed deletes. */
const PURGE_EVERY_MS = 3_600_000;

const key = Symbol.for('soe.privacy.purge');
type Holder = { [key]?: NodeJS.Timeout };

function purgeNow(): PurgeResult | null {
  const env = getEnv();
  try {
    const result = purgePersonalData(getDb(), {
      personalDataDays: env.PERSONAL_DATA_RETENTION_DAYS,
      auditDays: env.AUDIT_RETENTION_DAYS,
    });
    if (Object.values(result).some((n) => n > 0)) console.info('[privacy] purged personal data past its retention', result);
    return result;
  } catch (error) {
    console.error('[privacy] purging personal data failed; the next run tries again', error instanceof Error ? error.message : error);
    return null;
  }
}

/**
 * Purges personal data past its retention now and every hour, in this process (instrumentation.ts; each instance
 * purges its own database, and several processes on one database are harmless). At most once per process.
 */
export function startPersonalDataPurge(): void {
  const holder = globalThis as Holder;
  if (holder[key]) return;
  holder[key] = setInterval(purgeNow, PURGE_EVERY_MS);
  holder[key].unref();
  setImmediate(purgeNow);
}
