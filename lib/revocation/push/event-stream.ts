import { decodeJwt } from 'jose';
import { OPENING_BYTES } from './frames';
import type { SessionHub, SessionStream } from './hub';
import type { RevocationRegistry } from '../registry';

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

/**
 * The body of GET /api/session/events for one session: `retry:`, then `: ping` heartbeats (from the hub's
 * shared ticker) until the registry records a revocation of this session or user, which is sent as
 * `event: revoked` before the stream closes. The state is re-derived at every connect, so a client that
 * reconnects (with or without Last-Event-ID) after missing something is told at once; there is nothing else
 * to replay. When the access token expires (at most SSE_MAX_STREAM_MS after connecting) the hub sends
 * `event: reconnect` and it closes, so the client comes back through the proxy. Everything is released when the
 * client goes away (abort) or the stream is cancelled.
 */
export function createSessionEventStream(options: SessionEventStreamOptions): ReadableStream<Uint8Array> {
  const now = Date.now();
  return new ReadableStream<Uint8Array>(
    new SessionEventSource(options, now + streamLifetimeMs(options.expiresAt, now)),
  );
}

/**
 * One stream's whole state, one object: its own underlying source, hub entry and abort listener (`handleEvent`), so
 * that ten thousand idle streams hold no closures or timers of their own.
 */
class SessionEventSource implements UnderlyingDefaultSource<Uint8Array>, SessionStream {
  readonly sessionHash: string;
  readonly userId: string;
  readonly closeAt: number;
  private readonly options: SessionEventStreamOptions;
  /** Null once closed. */
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;

  constructor(options: SessionEventStreamOptions, closeAt: number) {
    this.options = options;
    this.sessionHash = options.sessionHash;
    this.userId = options.userId;
    this.closeAt = closeAt;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const { hub, signal, registry } = this.options;
    this.controller = controller;
    this.send(OPENING_BYTES);
    hub.add(this);
    if (signal.aborted) return this.close();
    signal.addEventListener('abort', this, { once: true });

    // Registered first, checked second: a revocation landing in between is not missed.
    const current = registry.checkHash(this.sessionHash, this.userId);
    if (current) this.end(hub.revokedFrame(current));
  }

  cancel(): void {
    this.release();
  }

  /** The request's abort signal: the client went away. */
  handleEvent(): void {
    this.close();
  }

  send(frame: Uint8Array): void {
    try {
      this.controller?.enqueue(frame);
    } catch {
      this.close();
    }
  }

  end(frame: Uint8Array): void {
    this.send(frame);
    this.close();
  }

  private close(): void {
    const controller = this.controller;
    if (!controller) return;
    this.controller = null;
    this.release();
    try {
      controller.close();
    } catch {
      // already closed by the consumer
    }
  }

  private release(): void {
    this.controller = null;
    this.options.hub.remove(this);
    this.options.signal.removeEventListener('abort', this);
  }
}
