import { endingOf, sessionStatusOf } from '@/lib/session-status/protocol';
import type { Dispose, OnEnded } from './probe';

/**
 * The fetch tap: every fetch of the page (server actions, RSC, route handlers) goes through it.
 * The browser side of "a lost race is never a sign-out": when the proxy cannot refresh this session yet (another
 * request is refreshing it, WorkOS is slow), it answers 503 with `X-Session-Status: retry` and `Retry-After`
 * (lib/revocation/gate/refusal.ts `askToRetry`). The request was refused before anything ran, so sending it again is
 * safe; by then the browser usually holds the fresh cookie that the winning request brought back.
 */

const MAX_ATTEMPTS = 5;
const MAX_DELAY_MS = 5_000;

export function isRetryAnswer(response: Response): boolean {
  return response.status === 503 && sessionStatusOf(response) === 'retry';
}

/** Retry-After (seconds) as a delay, bounded, with jitter so the tabs of a browser do not come back in step. */
export function retryDelayMs(response: Response, random: () => number = Math.random): number {
  const seconds = Number(response.headers.get('retry-after'));
  const base = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1_000, MAX_DELAY_MS) : 1_000;
  return Math.round(base * (0.75 + random() * 0.5));
}

/** Whether the same call can be made again: a body that is a stream (or a Request, whose body is read once) cannot. */
export function canResend(input: RequestInfo | URL, init?: RequestInit): boolean {
  if (typeof Request !== 'undefined' && input instanceof Request) return input.body === null && !init?.body;
  const body = init?.body;
  return !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
}

function wait(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `fetch`, answering the proxy's "retry" by itself (a few times, then the 503 is the caller's to handle). */
export function withSessionRetry(
  original: typeof fetch,
  { sleep = wait, maxAttempts = MAX_ATTEMPTS }: { sleep?: typeof wait; maxAttempts?: number } = {},
): typeof fetch {
  return async (input, init) => {
    const signal = init?.signal ?? (typeof Request !== 'undefined' && input instanceof Request ? input.signal : null);
    let response = await original(input, init);
    for (let attempt = 1; attempt < maxAttempts && isRetryAnswer(response) && canResend(input, init); attempt++) {
      const delay = retryDelayMs(response);
      await response.body?.cancel().catch(() => {});
      await sleep(delay, signal);
      response = await original(input, init);
    }
    return response;
  };
}

/** Puts the tap on `target.fetch`: "retry" is answered silently, a refusal reported; undone by the returned dispose. */
export function tapFetch(onEnded: OnEnded, target: { fetch: typeof fetch } = window): Dispose {
  const original = target.fetch;
  const retrying = withSessionRetry(original);
  const tapped: typeof fetch = async (input, init) => {
    const response = await retrying(input, init);
    if (response.status === 401 || sessionStatusOf(response)) {
      void endingOf(response).then((reason) => {
        if (reason) onEnded({ reason });
      });
    }
    return response;
  };
  target.fetch = tapped;
  return () => {
    if (target.fetch === tapped) target.fetch = original;
  };
}
