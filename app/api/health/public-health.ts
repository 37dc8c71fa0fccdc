import type { BackendHealth } from '@/lib/revocation/types';

/** The public part of the registry's health. The detail (e.g. Redis error text with internal addresses) is not. */
export interface PublicRevocationHealth {
  backend: BackendHealth['backend'];
  status: BackendHealth['status'];
  /** The registry has not finished starting yet (its first request creates it). */
  starting: boolean;
}

export function publicRevocationHealth(health: BackendHealth): PublicRevocationHealth {
  return { backend: health.backend, status: health.status, starting: health.detail === 'starting' };
}

let lastLogged: string | null = null;

/** Logs the full health (with its detail) server-side, once per change. */
export function logHealthChange(health: BackendHealth, log: Pick<Console, 'info' | 'warn'> = console): void {
  const key = `${health.backend}|${health.status}|${health.detail ?? ''}`;
  if (key === lastLogged) return;
  lastLogged = key;
  const line = `[health] revocation registry (${health.backend}): ${health.status}${health.detail ? ` — ${health.detail}` : ''}`;
  if (health.status === 'ok') log.info(line);
  else log.warn(line);
}
