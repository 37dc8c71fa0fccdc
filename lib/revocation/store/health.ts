import type { BackendHealth, HealthPhase } from '../types';

export function healthOf(backend: BackendHealth['backend'], phase: HealthPhase, queued = 0): BackendHealth {
  const status = phase.phase === 'serving' && queued === 0 ? 'ok' : 'degraded';
  return { ...phase, backend, status, queued };
}
