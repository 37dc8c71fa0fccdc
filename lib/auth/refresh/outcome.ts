import type { RefreshOutcome } from './types';

/** What a grant's flight tells the requests waiting on it: an outcome, or "look again, the store has news". */
export type FlightResult = RefreshOutcome | { kind: 'recheck'; waited: boolean };

export type RefreshLog = (level: 'info' | 'warn' | 'error', message: string) => void;

const RETRY_AFTER = { busy: 1, slow: 2, unavailable: 5, unconfirmed: 2, lost_race: 1 } as const;

export function retry(why: keyof typeof RETRY_AFTER): RefreshOutcome {
  return { kind: 'retry', why, retryAfterSeconds: RETRY_AFTER[why] };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
