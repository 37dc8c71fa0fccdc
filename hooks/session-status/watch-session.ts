import { promptFor } from '@/lib/session-status/copy';
import { SESSION_PUSH_LEADER, type Ending } from '@/lib/session-status/protocol';
import type { EndedReason } from '@/lib/session-status/reasons';
import { watchBackForwardCache, type BackForwardCacheOptions } from './back-forward-cache';
import { tapFetch } from './fetch';
import { electLeader, type LeaderOptions } from './leader';
import { watchPoll, type PollOptions } from './poll';
import type { Dispose } from './probe';
import { watchPush, type PushOptions } from './push';
import { watchTabs, type TabsOptions } from './tabs';

export interface SessionEnded {
  reason: EndedReason;
  message: string;
}

/** The browser's by default; fakes in tests. */
export interface SessionWatchOptions {
  pollIntervalMs?: number;
  fetchTarget?: { fetch: typeof fetch };
  backForwardCache?: BackForwardCacheOptions;
  push?: PushOptions;
  leader?: LeaderOptions;
  poll?: PollOptions;
  tabs?: TabsOptions;
}

/**
 * Learns, by every channel it has, that this browser's session ended, and says so once (`onEnded`, with the words
 * to show): push (SSE), the other tabs of this browser, every fetch of the page, polling, and pages restored from
 * the back-forward cache. When it ends, the other tabs are told and every channel but the fetch tap stops.
 * The push stream is the browser's, not the tab's: only the elected leader holds it, and whatever ends the leader
 * (its stream's `revoked`, a refusal when it reconnects) reaches the other tabs by its `tabs.tell`. They check that
 * word with the server like any sibling's: the cookie they share may already be a newer session's (re-authenticating
 * in one tab ends the old session with `reauthenticated`, which the leader's older stream would report).
 */
export function watchSession(onEnded: (ended: SessionEnded) => void, options: SessionWatchOptions = {}): Dispose {
  let ended = false;
  const end = ({ reason, message, fromOtherTab }: Ending & { fromOtherTab?: boolean }) => {
    if (ended) return;
    ended = true;
    onEnded({ reason, message: message || promptFor(reason) });
    if (!fromOtherTab) tabs.tell(reason);
    stopWatching();
  };
  const tabs = watchTabs(end, options.tabs);
  const untapFetch = tapFetch(end, options.fetchTarget);
  const canPush = options.push?.createEventSource !== undefined || typeof EventSource !== 'undefined';
  // The back-forward cache's check first: its probe goes out before push reopens its stream.
  const watching = [
    watchBackForwardCache(end, options.backForwardCache),
    // IMPORTANT: a new leader misses nothing of the old one's stream. The server sends no history, only the state
    // it derives at every connect (subscribed first, then checked: lib/revocation/push/event-stream.ts), so a
    // session revoked while no tab held the stream is told at once to the next leader's new stream. The one frame
    // with an id is `revoked`, which ends the stream: Last-Event-ID has nothing to resume. Meanwhile every tab
    // still polls, taps its fetches and probes when it wakes.
    canPush ? electLeader(SESSION_PUSH_LEADER, () => watchPush(end, options.push), options.leader) : () => {},
    watchPoll(end, { intervalMs: options.pollIntervalMs, ...options.poll }),
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
