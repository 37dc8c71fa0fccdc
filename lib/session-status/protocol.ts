import * as z from 'zod/mini';
import { promptFor } from './copy';
import { endedReason, isRevocationReason, type EndedReason, type RevocationReason, type SignedOutReason } from './reasons';

/**
 * The session-status protocol between the server (proxy, route handlers) and the browser (the session guard):
 * every message either side sends about a session ending, encoded and read here, and nowhere else.
 */

export const SESSION_URL = '/api/session';
export const SESSION_EVENTS_URL = '/api/session/events';
export const SIGNED_OUT_URL = '/signed-out';
/** The BroadcastChannel the tabs of one browser tell each other on. */
export const TAB_CHANNEL = 'session';
/** The Web Lock (or, without Web Locks, the BroadcastChannel) by which one tab of a browser is elected to hold the push stream. */
export const SESSION_PUSH_LEADER = 'session-push';

/** `X-Session-Status`, on every refusal (`revoked`) and every "not yet, send it again" (`retry`): what fetch taps key on. */
const SESSION_STATUS_HEADER = 'X-Session-Status';
type SessionStatusHeader = 'revoked' | 'retry';

export function setSessionStatus(headers: Headers, status: SessionStatusHeader): void {
  headers.set(SESSION_STATUS_HEADER, status);
}

export function sessionStatusOf(response: Response): SessionStatusHeader | null {
  const status = response.headers.get(SESSION_STATUS_HEADER);
  return status === 'revoked' || status === 'retry' ? status : null;
}

export function signedOutPath(reason: SignedOutReason): string {
  return `${SIGNED_OUT_URL}?reason=${reason}`;
}

/** The 401 body of a request carrying a revoked session (with `X-Session-Status: revoked`). */
export interface RefusalBody {
  error: 'session_revoked';
  reason: RevocationReason;
}
export const refusalBody = (reason: RevocationReason): RefusalBody => ({ error: 'session_revoked', reason });

/** The 401 body for a request without a session. */
export const UNAUTHENTICATED = { error: 'unauthenticated' } as const;

/**
 * Set for a minute by this browser's own Sign out (the session cookie is cleared with it): GET /api/session then
 * answers `{"error":"unauthenticated","reason":"signed_out"}`, so a tab that finds the cookie gone — another tab took
 * over the event stream after the one that signed out left — says "You signed out.", not "Your session has ended."
 * It only words the prompt: whether there is a session is the session cookie's business alone.
 */
export const SIGNED_OUT_MARKER_COOKIE = 'soe-signed-out';
export const SIGNED_OUT_MARKER_MAX_AGE_SECONDS = 60;

/** The 401 body for a request without a session, with the reason the marker cookie (if any) gives. */
export function unauthenticatedBody(signedOutMarker: string | undefined): { error: 'unauthenticated'; reason?: RevocationReason } {
  return isRevocationReason(signedOutMarker) ? { ...UNAUTHENTICATED, reason: signedOutMarker } : UNAUTHENTICATED;
}

/** GET /api/session's 200: the session stands. */
export interface ActiveStatus {
  status: 'active';
  user: { id: string; email: string; name: string };
}

/** The 503 body of a request that cannot be judged yet (with `X-Session-Status: retry` and `Retry-After`). */
export interface RetryBody {
  error: 'session_refreshing' | 'temporarily_unavailable';
  retryAfter: number;
}

const answerSchema = z.union([
  z.object({ error: z.literal('session_revoked'), reason: endedReason }),
  z.object({ error: z.literal('unauthenticated'), reason: z.optional(endedReason) }),
]);

/**
 * The reason a response says this session ended, or null: the proxy's refusal (`X-Session-Status: revoked`,
 * 401 `{"error":"session_revoked","reason"}`), or /api/session's `unauthenticated` (the cookie is gone: signed
 * out in another tab, or ended some other way). The body stays readable for the caller.
 */
export async function endingOf(response: Response): Promise<EndedReason | null> {
  const flagged = sessionStatusOf(response) === 'revoked';
  if (!flagged && response.status !== 401) return null;
  const generic = flagged ? 'session_revoked' : null;
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) return generic;
  let answer;
  try {
    answer = answerSchema.safeParse(await response.clone().json());
  } catch {
    return generic; // not the app's JSON
  }
  if (!answer.success) return generic;
  if (answer.data.error === 'session_revoked') return answer.data.reason;
  return new URL(response.url).pathname === SESSION_URL ? (answer.data.reason ?? 'session_ended') : generic;
}

/** Server-sent events on /api/session/events. */
export const SSE_RETRY_MS = 3000;
export const SSE_RETRY_FIELD = `retry: ${SSE_RETRY_MS}\n`;
export const SSE_REVOKED = 'revoked';
export const SSE_RECONNECT = 'reconnect';
/** The stream closes as the access token expires: not a sign-out, the client comes back through the proxy. */
export const RECONNECT_FRAME = `event: ${SSE_RECONNECT}\ndata: {"reason":"access_token_expired"}\n\n`;

export interface Ending {
  reason: EndedReason;
  /** The server's wording, when it sent one. */
  message?: string;
}

/**
 * `receipt`: a sealed token the page posts back to RECEIPTS_URL to say it was told (lib/revocation/receipts); the
 * person who revoked the session sees when.
 */
export function revokedFrame({ reason, revokedAt }: { reason: RevocationReason; revokedAt: number }, receipt?: string): string {
  const data = JSON.stringify({ reason, message: promptFor(reason), ...(receipt ? { receipt } : {}) });
  return `id: revoked-${revokedAt}\nevent: ${SSE_REVOKED}\ndata: ${data}\n\n`;
}

const revokedDataSchema = z.object({
  reason: endedReason,
  message: z.catch(z.optional(z.string()), undefined),
  receipt: z.catch(z.optional(z.string()), undefined),
});

/** The data of an `event: revoked`; unreadable data still means the session ended. */
export function readRevokedFrame(data: string): Ending & { receipt?: string } {
  try {
    const parsed = revokedDataSchema.safeParse(JSON.parse(data));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON
  }
  return { reason: 'session_revoked' };
}

/**
 * Revocation receipts. POST `{"receipt": token}` (public: the session is over, the sealed token is the credential)
 * answers 204, or 400 `{"error":"invalid_receipt","reason"}`. GET `?sessions=<hash>,<hash>` (the caller's own
 * session only) answers the receipts of those of the caller's sessions that have one.
 */
export const RECEIPTS_URL = '/api/session/receipts';
export const MAX_RECEIPT_QUERY = 50;
/** How long the revoker's page waits for a receipt before saying the device was not online. */
export const RECEIPT_WAIT_MS = 5_000;

export interface ReceiptView {
  sessionHash: string;
  /** ms since the epoch. */
  revokedAt: number;
  toldAt: number;
}
export interface ReceiptsAnswer {
  receipts: ReceiptView[];
}

const receiptsAnswerSchema = z.object({
  receipts: z.array(z.object({ sessionHash: z.string(), revokedAt: z.number(), toldAt: z.number() })),
});

/** The receipts in a GET RECEIPTS_URL answer; none when it is not one. */
export function readReceiptsAnswer(body: unknown): ReceiptView[] {
  const parsed = receiptsAnswerSchema.safeParse(body);
  return parsed.success ? parsed.data.receipts : [];
}

/** What one tab tells the others of its browser on TAB_CHANNEL. */
export interface TabMessage {
  type: 'revoked';
  reason: EndedReason;
}
export const tabMessage = (reason: EndedReason): TabMessage => ({ type: 'revoked', reason });

const tabMessageSchema = z.object({ type: z.literal('revoked'), reason: endedReason });

/** The reason a sibling tab said the session ended, or null for any other message. */
export function readTabMessage(data: unknown): EndedReason | null {
  const parsed = tabMessageSchema.safeParse(data);
  return parsed.success ? parsed.data.reason : null;
}
