'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import useSWR, { useSWRConfig } from 'swr';
import { reasonMessage } from '@/lib/revocation/reasons';
import { withSessionRetry } from './session-fetch';

export const SESSION_URL = '/api/session';
export const SESSION_EVENTS_URL = '/api/session/events';
export const SESSION_CHANNEL = 'session';
export const DEFAULT_POLL_INTERVAL_MS = 30_000;
const MAX_RECONNECT_DELAY_MS = 30_000;

export interface SessionEnded {
  reason: string;
  message: string;
}

type Probe = { status: 'active' } | { status: 'ended'; reason: string };
type ChannelMessage = { type: 'revoked'; reason: string };

/**
 * The reason a response says this session ended, or null: the proxy's refusal (`X-Session-Status: revoked`,
 * 401 `{"error":"session_revoked","reason"}`), or /api/session's `unauthenticated` (the cookie is gone: signed
 * out in another tab, or ended some other way).
 */
export async function refusalOf(response: Response): Promise<string | null> {
  const flagged = response.headers.get('x-session-status') === 'revoked';
  if (!flagged && response.status !== 401) return null;
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) return flagged ? 'session_revoked' : null;
  try {
    const body = (await response.clone().json()) as { error?: unknown; reason?: unknown };
    if (body.error === 'session_revoked') return typeof body.reason === 'string' ? body.reason : 'session_revoked';
    if (body.error === 'unauthenticated' && new URL(response.url).pathname === SESSION_URL) return 'session_ended';
  } catch {
    // not the app's JSON
  }
  return flagged ? 'session_revoked' : null;
}

async function probeSession(fetchImpl: typeof fetch = fetch): Promise<Probe> {
  const response = await fetchImpl(SESSION_URL, { cache: 'no-store', credentials: 'same-origin' });
  if (response.ok) return { status: 'active' };
  const reason = await refusalOf(response);
  if (reason) return { status: 'ended', reason };
  // 5xx and the like say nothing about the session: keep what we know.
  throw new Error(`session probe answered ${response.status}`);
}

/**
 * Learns, by every channel it has, that this browser's session ended, and says so once:
 * - push: an EventSource on /api/session/events (`event: revoked`), reconnected with backoff when the browser
 *   gives up on it (it does for good after any non-200, e.g. the proxy's 401), probing /api/session each time;
 * - other tabs: BroadcastChannel('session'), both ways (a message is checked with the server when it can be);
 * - every fetch of the page (server actions, RSC, route handlers): a response flagged `X-Session-Status: revoked`
 *   or a 401 `session_revoked`; a 503 `X-Session-Status: retry` (refresh in flight) is re-sent, never an ending;
 * - polling /api/session with SWR every `pollIntervalMs`, and at once on focus, `online` and visibility.
 * - a page restored from the back-forward cache (`pageshow`, persisted) is hidden and asks /api/session before it
 *   shows anything again (watchBackForwardCache);
 * When it ends: every SWR cache entry is dropped (no stale private data), other tabs are told, and polling and
 * push stop.
 */
export function useSessionStatus({ pollIntervalMs = DEFAULT_POLL_INTERVAL_MS }: { pollIntervalMs?: number } = {}): {
  ended: SessionEnded | null;
} {
  const { mutate } = useSWRConfig();
  const [ended, setEnded] = useState<SessionEnded | null>(null);
  const endedRef = useRef(false);
  const channelRef = useRef<BroadcastChannel | null>(null);

  const markEnded = useCallback(
    (reason: string, message?: string, fromOtherTab = false) => {
      if (endedRef.current) return;
      endedRef.current = true;
      setEnded({ reason, message: message || reasonMessage(reason) });
      if (!fromOtherTab) channelRef.current?.postMessage({ type: 'revoked', reason } satisfies ChannelMessage);
      void mutate(() => true, undefined, { revalidate: false });
    },
    [mutate],
  );
  const markEndedRef = useRef(markEnded);
  useEffect(() => {
    markEndedRef.current = markEnded;
  }, [markEnded]);

  const probe = useCallback(async () => {
    if (endedRef.current) return;
    try {
      const result = await probeSession();
      if (result.status === 'ended') markEndedRef.current(result.reason);
    } catch {
      // offline or server trouble: the next probe, reconnect or push will tell
    }
  }, []);

  // Polling (also on focus and on reconnect, which SWR handles).
  const { data } = useSWR<Probe>(ended ? null : SESSION_URL, () => probeSession(), {
    refreshInterval: pollIntervalMs,
    revalidateOnFocus: true,
    revalidateOnReconnect: true,
    refreshWhenHidden: false,
    shouldRetryOnError: false,
    dedupingInterval: 1_000,
  });
  useEffect(() => {
    if (data?.status === 'ended') markEndedRef.current(data.reason);
  }, [data]);

  // Other tabs of this browser.
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(SESSION_CHANNEL);
    channelRef.current = channel;
    channel.onmessage = (event: MessageEvent<ChannelMessage>) => {
      if (event.data?.type !== 'revoked' || endedRef.current) return;
      const reason = String(event.data.reason);
      // A sibling may speak for an OLD session after this browser signed in again (cookies are shared): ask the
      // server, and trust the sibling only when the server cannot be asked.
      probeSession().then(
        (result) => {
          if (result.status === 'ended') {
            markEndedRef.current(result.reason === 'session_ended' ? reason : result.reason, undefined, true);
          }
        },
        () => markEndedRef.current(reason, undefined, true),
      );
    };
    return () => {
      channelRef.current = null;
      channel.close();
    };
  }, []);

  // Every fetch this page makes: server actions, RSC requests and route handlers answer the proxy's refusal, and
  // its "retry" (a session refresh still in flight) is answered here, silently.
  useEffect(() => {
    const original = window.fetch;
    const retrying = withSessionRetry(original);
    const intercepted: typeof fetch = async (...args) => {
      const response = await retrying(...args);
      if (response.status === 401 || response.headers.has('x-session-status')) {
        void refusalOf(response).then((reason) => {
          if (reason) markEndedRef.current(reason);
        });
      }
      return response;
    };
    window.fetch = intercepted;
    return () => {
      if (window.fetch === intercepted) window.fetch = original;
    };
  }, []);

  // Push, with reconnects; a device that wakes up or comes back online asks at once.
  useEffect(() => {
    if (ended || typeof EventSource === 'undefined') return;
    const push = openSessionPush({
      createEventSource: (url) => new EventSource(url),
      probe,
      isEnded: () => endedRef.current,
      onRevoked: (reason, message) => markEndedRef.current(reason, message),
    });

    const wake = () => {
      if (document.visibilityState === 'hidden' || !navigator.onLine) return;
      void probe();
      push.wake();
    };

    // A page restored from the back-forward cache shows what it showed when it was left: hidden until asked.
    const restore = watchBackForwardCache({
      target: window,
      root: document.documentElement,
      probe,
      isEnded: () => endedRef.current,
      onRestored: push.wake,
    });

    window.addEventListener('offline', push.sleep);
    window.addEventListener('online', wake);
    document.addEventListener('visibilitychange', wake);
    window.addEventListener('focus', wake);
    return () => {
      restore.dispose();
      push.dispose();
      window.removeEventListener('offline', push.sleep);
      window.removeEventListener('online', wake);
      document.removeEventListener('visibilitychange', wake);
      window.removeEventListener('focus', wake);
    };
  }, [ended, probe]);

  return { ended };
}

/** What `openSessionPush` needs from the browser (injected in tests). */
export interface SessionPushDeps {
  createEventSource(url: string): EventSource;
  /** Asks /api/session (through the proxy, which refreshes the session or refuses it); never rejects. */
  probe(): Promise<void>;
  isEnded(): boolean;
  onRevoked(reason: string, message?: string): void;
  setTimer?: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimer?: (timer: ReturnType<typeof setTimeout> | undefined) => void;
  random?: () => number;
}

// EventSource.CLOSED, spelled out so this also runs where EventSource is not defined (tests).
const EVENT_SOURCE_CLOSED = 2;

/**
 * The push channel: an EventSource on /api/session/events, reconnected with backoff when the browser gives up on it
 * (it does for good after any non-200, e.g. the proxy's 401), probing /api/session each time.
 * `event: reconnect` (the server closes every stream when its access token expires) is NOT a sign-out: the session
 * is probed first — through the proxy, which refreshes it (or refuses it, and the probe says so) — and the stream
 * is then opened again, quietly. Probing first keeps the stream's request from racing the probe's refresh.
 */
export function openSessionPush(deps: SessionPushDeps): { wake(): void; sleep(): void; dispose(): void } {
  const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? ((t) => clearTimeout(t));
  const random = deps.random ?? Math.random;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let disposed = false;

  const retryLater = () => {
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, 1_000 * 2 ** attempt) * (0.5 + random() / 2);
    attempt += 1;
    timer = setTimer(connect, delay);
  };

  function connect() {
    if (disposed || deps.isEnded()) return;
    clearTimer(timer);
    const es = deps.createEventSource(SESSION_EVENTS_URL);
    source = es;
    es.onopen = () => {
      attempt = 0;
    };
    es.addEventListener('revoked', (event) => {
      es.close();
      let reason = 'session_revoked';
      let message: string | undefined;
      try {
        const payload = JSON.parse((event as MessageEvent<string>).data) as { reason?: unknown; message?: unknown };
        if (typeof payload.reason === 'string') reason = payload.reason;
        if (typeof payload.message === 'string') message = payload.message;
      } catch {
        // keep the generic reason
      }
      deps.onRevoked(reason, message);
    });
    es.addEventListener('reconnect', () => {
      es.close();
      if (source === es) source = null;
      void deps.probe().then(() => {
        if (disposed || source) return;
        // Jittered, so the tabs of one browser do not all come back in the same instant.
        timer = setTimer(connect, 250 + random() * 750);
      });
    });
    es.onerror = () => {
      if (es.readyState !== EVENT_SOURCE_CLOSED) return; // the browser is retrying by itself
      // Closed for good: a refusal (401) or a broken response. Ask why, then try again later.
      if (source === es) source = null;
      void deps.probe();
      retryLater();
    };
  }

  connect();
  return {
    wake() {
      if (!source || source.readyState === EVENT_SOURCE_CLOSED) {
        attempt = 0;
        connect();
      }
    },
    // Offline, the stream is dead even if its socket has not noticed yet: drop it and start afresh on `online`.
    sleep() {
      clearTimer(timer);
      source?.close();
      source = null;
    },
    dispose() {
      disposed = true;
      clearTimer(timer);
      source?.close();
      source = null;
    },
  };
}

/** Set on <html> while a page restored from the back-forward cache waits for the server's word (app/globals.css). */
export const SESSION_CHECK_ATTRIBUTE = 'data-session-check';

export interface BackForwardCacheDeps {
  /** Where `pagehide` and `pageshow` fire: window. */
  target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** Carries SESSION_CHECK_ATTRIBUTE: document.documentElement. */
  root: Pick<Element, 'setAttribute' | 'removeAttribute'>;
  /** Asks /api/session and reports an ending itself; never rejects. */
  probe(): Promise<void>;
  isEnded(): boolean;
  /** After the check started: e.g. reopen the push stream the cache closed. */
  onRestored?(): void;
}

/**
 * Pages kept in the back-forward cache (WebKit and Firefox keep pages like these; Chromium may) come back exactly
 * as they were left, signed-in content included, without a request to the server. So a page is hidden as it goes
 * into the cache (`pagehide`, persisted: the restored first frame is already hidden), and on `pageshow` (persisted)
 * it stays hidden until /api/session has answered: shown again if the session stands, or left hidden behind the
 * sign-in prompt if it ended. An unanswered probe (offline) shows the page again: it says nothing of the session.
 */
export function watchBackForwardCache(deps: BackForwardCacheDeps): { dispose(): void } {
  const { target, root } = deps;
  let checks = 0;
  const onPageHide = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) root.setAttribute(SESSION_CHECK_ATTRIBUTE, 'pending');
  };
  const onPageShow = (event: Event) => {
    if (!(event as PageTransitionEvent).persisted) return;
    if (deps.isEnded()) return; // the prompt is already up and the page hidden behind it
    root.setAttribute(SESSION_CHECK_ATTRIBUTE, 'pending');
    const check = ++checks;
    void deps.probe().finally(() => {
      if (check === checks && !deps.isEnded()) root.removeAttribute(SESSION_CHECK_ATTRIBUTE);
    });
    deps.onRestored?.();
  };
  target.addEventListener('pagehide', onPageHide);
  target.addEventListener('pageshow', onPageShow);
  return {
    dispose() {
      target.removeEventListener('pagehide', onPageHide);
      target.removeEventListener('pageshow', onPageShow);
    },
  };
}
