import { endingOf, SESSION_URL, type Ending } from '@/lib/session-status/protocol';
import type { EndedReason } from '@/lib/session-status/reasons';

/** How a channel says the session ended; `fromOtherTab` when a sibling tab said so first (not to be told back). */
export type OnEnded = (ending: Ending & { fromOtherTab?: boolean }) => void;
export type Dispose = () => void;

export type ProbeResult = { status: 'active' } | { status: 'ended'; reason: EndedReason };

/** Asks /api/session; rejects when the answer says nothing of the session (5xx, offline). */
export async function probeSession(fetchImpl: typeof fetch = fetch): Promise<ProbeResult> {
  const response = await fetchImpl(SESSION_URL, { cache: 'no-store', credentials: 'same-origin' });
  if (response.ok) return { status: 'active' };
  const reason = await endingOf(response);
  if (reason) return { status: 'ended', reason };
  throw new Error(`session probe answered ${response.status}`);
}

/** Asks /api/session and reports an ending itself; never rejects ('unknown': offline or server trouble). */
export type Probe = () => Promise<ProbeResult['status'] | 'unknown'>;

export function reportingProbe(onEnded: OnEnded, fetchImpl?: typeof fetch): Probe {
  return async () => {
    try {
      const result = await probeSession(fetchImpl);
      if (result.status === 'ended') onEnded({ reason: result.reason });
      return result.status;
    } catch {
      // the next probe, reconnect or push will tell
      return 'unknown';
    }
  };
}
