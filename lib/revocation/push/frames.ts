import { RECONNECT_FRAME, revokedFrame, SSE_RETRY_FIELD } from '@/lib/session-status/protocol';
import type { RevocationRecord } from '../types';

const encoder = new TextEncoder();

// The frames every stream sends alike, encoded once per process: a stream only ever holds references to them, and no
// one writes into them (a chunk of a default ReadableStream is passed on as it is, never transferred).
export const OPENING_BYTES = encoder.encode(`${SSE_RETRY_FIELD}: connected\n\n`);
export const PING_BYTES = encoder.encode(': ping\n\n');
export const RECONNECT_BYTES = encoder.encode(RECONNECT_FRAME);

/**
 * `event: revoked` for one record, encoded once and written to every stream of its session, with the receipt token
 * its page posts back (lib/revocation/receipts), when the hub was given a way to make one.
 */
export function encodeRevoked(record: RevocationRecord, receiptFor?: (record: RevocationRecord) => string): Uint8Array {
  return encoder.encode(revokedFrame(record, receiptFor?.(record)));
}
