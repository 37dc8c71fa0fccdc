import { useSyncExternalStore } from 'react';

/**
 * One clock for every time on a page: relative times ("3 minutes ago") move on together, on one timer, while
 * something shows them. Null while rendering on the server and hydrating: the server's text is kept until then, so
 * the markup matches; the browser's own time (and time zone) takes over at once after.
 */
export const NOW_TICK_MS = 30_000;

let now = 0;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function tick(): void {
  now = Date.now();
  for (const listener of listeners) listener();
}

function onVisible(): void {
  // Background tabs throttle timers: a tab brought back says "2 hours ago", not what it said when hidden.
  if (document.visibilityState === 'visible') tick();
}

export function subscribeToNow(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(tick, NOW_TICK_MS);
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0 || !timer) return;
    clearInterval(timer);
    timer = null;
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible);
  };
}

export function nowSnapshot(): number {
  if (now === 0) now = Date.now();
  return now;
}

export function useNow(): number | null {
  return useSyncExternalStore(subscribeToNow, nowSnapshot, () => null);
}
