'use client';

import { useEffect, useState } from 'react';
import { watchSession, type SessionEnded } from './session-status/watch-session';

export type { SessionEnded };

/** Whether this browser's session ended, and the words to say so (hooks/session-status/watch-session.ts). */
export function useSessionStatus({ pollIntervalMs }: { pollIntervalMs?: number } = {}): { ended: SessionEnded | null } {
  const [ended, setEnded] = useState<SessionEnded | null>(null);
  useEffect(() => watchSession(setEnded, { pollIntervalMs }), [pollIntervalMs]);
  return { ended };
}
