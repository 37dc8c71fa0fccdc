import type { RefreshMetrics } from './metrics';
import { describe, retry, type FlightResult, type RefreshLog } from './outcome';
import type { HeldLock, RotationMemory } from './rotation-memory';
import type { RefreshRequest, RotationStore } from './types';

/**
 * What a refused refresh token (`invalid_grant`) means for the session: a lost race (the newest session is shared),
 * the end of the session at WorkOS, or the reuse of a token spent long ago on a live session (a copied cookie).
 */

export interface InvalidGrantDeps {
  shared?: RotationStore;
  isSessionActive(userId: string, sessionId: string): Promise<boolean>;
  onEnded(request: RefreshRequest): Promise<void>;
  onReused(request: RefreshRequest): Promise<void>;
  graceMs: number;
  metrics?: RefreshMetrics;
  now: () => number;
  log: RefreshLog;
}

export function createInvalidGrantSettler(deps: InvalidGrantDeps, memory: RotationMemory) {
  const { shared, metrics, now, log } = deps;
  /** Lost races whose winner this instance cannot see, by refresh-token hash: first seen at. */
  const unsettled = new Map<string, number>();

  return async function settleInvalidGrant(
    request: RefreshRequest,
    hash: string,
    key: string,
    held: HeldLock,
  ): Promise<FlightResult> {
    // Someone else rotated it after we looked (another instance, whose state we now see): a lost race, recovered.
    if (memory.openNewest(await memory.readState(key), request.session.refreshToken, key)) {
      metrics?.count('lost_race_recovered');
      log('info', `lost refresh race recovered for session ${key}: the newest session was shared`);
      return { kind: 'recheck', waited: false };
    }
    let active: boolean;
    try {
      active = await deps.isSessionActive(request.userId, request.sessionId);
    } catch (error) {
      log('warn', `refresh refused for session ${key} and WorkOS could not confirm why; asking to retry: ${describe(error)}`);
      return retry('unconfirmed');
    }
    if (!active) {
      try {
        await deps.onEnded(request);
      } catch (error) {
        log('error', `the end of session ${key} could not be recorded: ${describe(error)}`);
      }
      metrics?.count('ended');
      return { kind: 'ended' };
    }
    // A lost race whose winner may be invisible to this instance (the shared store is down, or its lock could not be
    // taken): let the browser retry — its new cookie is on its way — for at most one grace period.
    if (shared && (!shared.healthy() || !held.shared)) {
      const first = unsettled.get(hash) ?? now();
      unsettled.set(hash, first);
      if (unsettled.size > 10_000) unsettled.clear();
      if (now() - first <= deps.graceMs) {
        metrics?.count('lost_race_retry');
        log('warn', `lost refresh race for session ${key} while the shared store is unreliable; asking the browser to retry`);
        return retry('lost_race');
      }
    }
    unsettled.delete(hash);
    try {
      await deps.onReused(request);
    } catch (error) {
      log('error', `the reuse of a refresh token of session ${key} could not be recorded: ${describe(error)}`);
    }
    metrics?.count('reused');
    log('warn', `spent refresh token presented for live session ${key}: recorded as reuse`);
    return { kind: 'reused' };
  };
}
