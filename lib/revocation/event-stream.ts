import type { SessionHub } from './hub';
import { reasonMessage } from './reasons';
import type { RevocationRegistry } from './registry';
import type { RevocationRecord } from './types';

export const SSE_RETRY_MS = 3000;

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
}

const encoder = new TextEncoder();

export function revokedEvent(record: Pick<RevocationRecord, 'reason' | 'revokedAt'>): string {
  const data = JSON.stringify({ reason: record.reason, message: reasonMessage(record.reason) });
  return `id: revoked-${record.revokedAt}\nevent: revoked\ndata: ${data}\n\n`;
}

/**
 * The body of GET /api/session/events for one session: `retry:`, then `: ping` heartbeats (from the hub's
 * shared ticker) until the registry records a revocation of this session or user, which is sent as
 * `event: revoked` before the stream closes. The state is re-derived at every connect, so a client that
 * reconnects (with or without Last-Event-ID) after missing something is told at once; there is nothing else
 * to replay. Everything is released when the client goes away (abort) or the stream is cancelled.
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
        write(revokedEvent(record));
        finish();
      };

      write(`retry: ${SSE_RETRY_MS}\n: connected\n\n`);
      const remove = options.hub.add({
        sessionHash: options.sessionHash,
        userId: options.userId,
        notify: onRevoked,
        ping: () => write(': ping\n\n'),
      });
      const onAbort = () => finish();
      release = () => {
        remove();
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
