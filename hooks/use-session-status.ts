'use client';

import { useEffect, useState } from 'react';
import { promptFor } from '@/lib/session-status/copy';
import type { EndedReason } from '@/lib/session-status/reasons';
import { watchBackForwardCache } from './session-status/back-forward-cache';
import { tapFetch } from './session-status/fetch';
import { watchPoll } from './session-status/poll';
import type { Dispose, OnEnded } from './session-status/probe';
import { watchPush } from './session-status/push';
import { watchTabs } from './session-status/tabs';

export interface SessionEnded {
  reason: EndedReason;
  message: string;
}

/**
 * Learns, by every channel it has, that this browser's session ended, and says so once: push (SSE), the other tabs
 * of this browser, every fetch of the page, polling, and pages restored from the back-forward cache (see each in
 * hooks/session-status/). When it ends, the other tabs are told and every channel but the fetch tap stops.
 */
export function useSessionStatus({ pollIntervalMs }: { pollIntervalMs?: number } = {}): { ended: SessionEnded | null } {
  const [ended, setEnded] = useState<SessionEnded | null>(null);
  useEffect(() => watchSession(setEnded, pollIntervalMs), [pollIntervalMs]);
  return { ended };
}

function watchSession(onEnded: (ended: SessionEnded) => void, pollIntervalMs?: number): Dispose {
  let ended = false;
  const end: OnEnded = ({ reason, message, fromOtherTab }) => {
    if (ended) return;
    ended = true;
    onEnded({ reason, message: message || promptFor(reason) });
    if (!fromOtherTab) tabs.tell(reason);
    stopWatching();
  };
  const tabs = watchTabs(end);
  const untapFetch = tapFetch(end);
  // The back-forward cache's check first: its probe goes out before push reopens its stream.
  const watching = [
    watchBackForwardCache(end),
    typeof EventSource === 'undefined' ? () => {} : watchPush(end),
    watchPoll(end, { intervalMs: pollIntervalMs }),
    tabs.dispose,
  ];
  const stopWatching = () => {
    for (const dispose of watching.splice(0)) dispose();
  };
  return () => {
    stopWatching();
    untapFetch();
  };
}
