import type { BackendHealth } from '@/lib/revocation/types';

/** The public part of the registry's health. The detail (e.g. Redis error text with internal addresses) is not. */
export interface PublicRevocationHealth {
  backend: BackendHealth['backend'];
  status: BackendHealth['status'];
  /** The registry has not finished starting yet (its first request creates it). */
  starting: boolean;
}

export function publicRevocationHealth(health: BackendHealth): PublicRevocationHealth {
  return { backend: health.backend, status: health.status, starting: health.phase === 'starting' };
}

/** The registry's health in words, for operators (/api/health/detail) and the log; none while all is well. */
export function describeRevocationHealth(health: BackendHealth): string | undefined {
  const queued = health.queued > 0 ? `${health.queued} revocation(s) queued locally until Redis is back` : '';
  const andQueued = queued && `; ${queued}`;
  switch (health.phase) {
    case 'starting':
      return 'starting';
    case 'start_failed':
      return 'backend failed to start';
    case 'connecting':
      return `connecting to Redis${andQueued}`;
    case 'unreachable': {
      const why = health.error ? ` (${health.error})` : '';
      const since = new Date(health.since).toISOString();
      return `Redis unreachable since ${since}${why}; enforcing the revocations known to this instance${andQueued}`;
    }
    case 'resyncing':
      return `resynchronising with Redis${andQueued}`;
    case 'serving':
      return queued || undefined;
    case 'failing':
      return health.error;
    case 'closed':
      return 'closed';
  }
}

let lastLogged: string | null = null;

/** Logs the full health (with its detail) server-side, once per change. */
export function logHealthChange(health: BackendHealth, log: Pick<Console, 'info' | 'warn'> = console): void {
  const detail = describeRevocationHealth(health);
  const key = `${health.backend}|${health.status}|${detail ?? ''}`;
  if (key === lastLogged) return;
  lastLogged = key;
  const line = `[health] revocation registry (${health.backend}): ${health.status}${detail ? ` — ${detail}` : ''}`;
  if (health.status === 'ok') log.info(line);
  else log.warn(line);
}
