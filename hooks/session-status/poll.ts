import { reportingProbe, type Dispose, type OnEnded, type Probe } from './probe';
import { browserPage, onWake, type PageEvents } from './wake';

export const DEFAULT_POLL_INTERVAL_MS = 30_000;

export interface PollOptions {
  intervalMs?: number;
  probe?: Probe;
  page?: PageEvents;
  setInterval?: (fn: () => void, ms: number) => () => void;
}

function everyMs(fn: () => void, ms: number): () => void {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}

/** Asks /api/session at once, every `intervalMs` while the page is shown and online, and when it wakes. */
export function watchPoll(onEnded: OnEnded, options: PollOptions = {}): Dispose {
  const probe = options.probe ?? reportingProbe(onEnded);
  const page = options.page ?? browserPage();
  const ask = () => {
    if (page.document.visibilityState !== 'hidden' && page.online()) void probe();
  };
  ask();
  const stopTimer = (options.setInterval ?? everyMs)(ask, options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  const stopWaking = onWake(page, () => void probe());
  return () => {
    stopTimer();
    stopWaking();
  };
}
