import 'server-only';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '../index';
import { receiptTokenFor } from '../receipts';
import { createSessionHub, type SessionHub } from './hub';

/** Where revocations are pushed: the per-process hub and the /api/session/events streams it feeds. */
export { accessTokenExpiry, createSessionEventStream, SSE_HEADERS } from './event-stream';
export { fullStreamScope, type SessionHub } from './hub';

const hubKey = Symbol.for('soe.revocation.hub');
type Holder = { [hubKey]?: SessionHub };

/** The process-wide hub that routes revocations to open /api/session/events streams. */
export function getSessionHub(): SessionHub {
  const holder = globalThis as Holder;
  holder[hubKey] ??= createSessionHub(getRevocationRegistry(), {
    heartbeatMs: getEnv().SSE_HEARTBEAT_MS,
    receiptFor: receiptTokenFor,
  });
  return holder[hubKey];
}
