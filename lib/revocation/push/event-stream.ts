import { decodeJwt } from 'jose';
import { RECONNECT_FRAME, revokedFrame, SSE_RETRY_FIELD } from '@/lib/session-status/protocol';
import type { SessionHub } from './hub';
import type { RevocationRegistry } from '../registry';
import type { RevocationRecord } from '../types';

/**
 * A stream is closed when the session's access token expires, and after this long at most: the session may have
 * ended at WorkOS without any event (maximum age, inactivity), and only a new request through the proxy (which
 * refreshes the session or refuses it) finds out. The client reconnects quietly on `event: reconnect`.
 */
export const SSE_MAX_STREAM_MS = 60 * 60_000;
/** Never sooner than this, so a token already (or nearly) expired cannot make a client reconnect in a tight loop. */
export const SSE_MIN_STREAM_MS = 5_000;

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform keeps compression (which would buffer) off the stream.
  'Cache-Control': 'no-store, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

export interface SessionEventStreamOptions {
  registry: Pick<RevocationRegistry, 'checkHash'>;
  hub: SessionHub;
  sessionHash: string;
  userId: string;
  signal: AbortSignal;
  /** ms since the epoch: when the session's access token expires (`accessTokenExpiry`); unknown → the maximum. */
  expiresAt?: number | null;
  /** The receipt token the `revoked` frame carries, for the page to say it was told (lib/revocation/receipts). */
  receiptFor?: (record: RevocationRecord) => string;
  /** Injected in tests. */
  now?: () => number;
  /** Runs `fn` after `ms`; returns its cancellation. Injected in tests. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

/** ms since the epoch from the access token's `exp` claim, or null when it has none (or is not a JWT). */
export function accessTokenExpiry(accessToken: string): number | null {
  try {
    const exp = decodeJwt(accessToken).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** How long a stream opened at `now` stays open: until `expiresAt`, within [SSE_MIN_STREAM_MS, SSE_MAX_STREAM_MS]. */
export function streamLifetimeMs(expiresAt: number | null | undefined, now: number): number {
  const untilExpiry = expiresAt == null ? SSE_MAX_STREAM_MS : expiresAt - now;
  return Math.min(SSE_MAX_STREAM_MS, Math.max(SSE_MIN_STREAM_MS, untilExpiry));
}

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

const encoder = new TextEncoder();

/**
 * The body of GET /api/session/events for one session: `retry:`, then `: ping` heartbeats (from the hub's
 * shared ticker) until the registry records a revocation of this session or user, which is sent as
 * `event: revoked` before the stream closes. The state is re-derived at every connect, so a client that
 * reconnects (with or without Last-Event-ID) after missing something is told at once; there is nothing else
 * to replay. When the access token expires (at most SSE_MAX_STREAM_MS after connecting) it sends
 * `event: reconnect` and closes, so the client comes back through the proxy. Everything is released when the
 * client goes away (abort) or the stream is cancelled.
 */
export function createSessionEventStream(options: SessionEventStreamOptions): ReadableStream<Uint8Array> {
  let release = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const write = (text: string) => {
        if (!open) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          finish();
        }
      };
      const finish = () => {
        if (!open) return;
        open = false;
        release();
        try {
          controller.close();
        } catch {
          // already closed by the consumer
        }
      };
      const onRevoked = (record: RevocationRecord) => {
        write(revokedFrame(record, options.receiptFor?.(record)));
        finish();
      };

      write(`${SSE_RETRY_FIELD}: connected\n\n`);
      const remove = options.hub.add({
        sessionHash: options.sessionHash,
        userId: options.userId,
        notify: onRevoked,
        ping: () => write(': ping\n\n'),
      });
      const onAbort = () => finish();
      const cancelExpiry = (options.schedule ?? defaultSchedule)(
        () => {
          write(RECONNECT_FRAME);
          finish();
        },
        streamLifetimeMs(options.expiresAt, (options.now ?? Date.now)()),
      );
      release = () => {
        remove();
        cancelExpiry();
        options.signal.removeEventListener('abort', onAbort);
      };
      if (options.signal.aborted) return finish();
      options.signal.addEventListener('abort', onAbort, { once: true });

      // Registered first, checked second: a revocation landing in between is not missed.
      const current = options.registry.checkHash(options.sessionHash, options.userId);
      if (current) onRevoked(current);
    },
    cancel() {
      release();
    },
  });
}
