import { readRevokedFrame, SESSION_EVENTS_URL, SSE_RECONNECT, SSE_REVOKED } from '@/lib/session-status/protocol';
import { acknowledgeRevocation } from './receipt';
import { reportingProbe, type Dispose, type OnEnded, type Probe } from './probe';
import { browserPage, onWake, type PageEvents } from './wake';

const MAX_RECONNECT_DELAY_MS = 30_000;
// EventSource.CLOSED, spelled out so this also runs where EventSource is not defined (tests).
const EVENT_SOURCE_CLOSED = 2;

/** What `watchPush` needs from the browser (injected in tests). */
export interface PushOptions {
  createEventSource?: (url: string) => EventSource;
  /** Asks /api/session (through the proxy, which refreshes the session or refuses it). */
  probe?: Probe;
  page?: PageEvents;
  setTimer?: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimer?: (timer: ReturnType<typeof setTimeout> | undefined) => void;
  random?: () => number;
  /** Says the page was told (the frame's receipt). */
  acknowledge?: (receipt: string) => void;
}

/**
 * The push channel: an EventSource on /api/session/events, reconnected with backoff when the browser gives up on it
 * (it does for good after any non-200, e.g. the proxy's 401), probing /api/session each time; dropped while offline,
 * reopened when the page wakes. (A page leaving for the back-forward cache gives up the stream with its leadership:
 * leader.ts.)
 * `event: reconnect` (the server closes every stream when its access token expires) is NOT a sign-out: the session
 * is probed first — through the proxy, which refreshes it (or refuses it, and the probe says so) — and the stream
 * is then opened again, quietly. Probing first keeps the stream's request from racing the probe's refresh.
 */
export function watchPush(onEnded: OnEnded, options: PushOptions = {}): Dispose {
  const createEventSource = options.createEventSource ?? ((url) => new EventSource(url));
  const probe = options.probe ?? reportingProbe(onEnded);
  const page = options.page ?? browserPage();
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t));
  const random = options.random ?? Math.random;
  const acknowledge = options.acknowledge ?? acknowledgeRevocation;
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
    if (disposed) return;
    clearTimer(timer);
    const es = createEventSource(SESSION_EVENTS_URL);
    source = es;
    es.onopen = () => {
      attempt = 0;
    };
    es.addEventListener(SSE_REVOKED, (event) => {
      es.close();
      const { receipt, ...ending } = readRevokedFrame((event as MessageEvent<string>).data);
      if (receipt) acknowledge(receipt);
      onEnded(ending);
    });
    es.addEventListener(SSE_RECONNECT, () => {
      es.close();
      if (source === es) source = null;
      void probe().then(() => {
        if (disposed || source) return;
        // Jittered, so the tabs of one browser do not all come back in the same instant.
        timer = setTimer(connect, 250 + random() * 750);
      });
    });
    es.onerror = () => {
      if (es.readyState !== EVENT_SOURCE_CLOSED) return; // the browser is retrying by itself
      // Closed for good: a refusal (401) or a broken response. Ask why, then try again later.
      if (source === es) source = null;
      void probe();
      retryLater();
    };
  }

  const wake = () => {
    if (!source || source.readyState === EVENT_SOURCE_CLOSED) {
      attempt = 0;
      connect();
    }
  };
  // Offline, the stream is dead even if its socket has not noticed yet: drop it and start afresh on `online`.
  const sleep = () => {
    clearTimer(timer);
    source?.close();
    source = null;
  };

  connect();
  const stopWaking = onWake(page, wake);
  page.window.addEventListener('offline', sleep);
  return () => {
    disposed = true;
    sleep();
    stopWaking();
    page.window.removeEventListener('offline', sleep);
  };
}
