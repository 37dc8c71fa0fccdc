/**
 * Single-flight session refresh (see coordinator.ts). Plain types: no server-only imports, so tests and the
 * Redis store can use them directly.
 */

/** The session authkit seals into its cookie (the fields of its `encryptSession`). */
export interface SealedSession {
  accessToken: string;
  refreshToken: string;
  user: unknown;
  impersonator?: unknown;
  authenticationMethod?: unknown;
}

/**
 * What is remembered about a session's latest refresh, under the hash of its session id: the newest sealed cookie and
 * the refresh tokens it replaced. A request still carrying one of those (a tab that sent it before the new cookie
 * arrived, another instance, a response that crossed the new one) gets the newest cookie instead of spending a token
 * that is already spent. IMPORTANT: the cookie is encrypted (grace-box.ts) so that only a holder of one of the
 * replaced tokens can open it: the store (Redis) sees hashes, wrapped keys and ciphertext, never a usable cookie.
 */
export interface RotationState {
  /** The newest sealed session cookie, encrypted with the state's key K. */
  box: string;
  /** Hash of the refresh token inside the newest cookie. */
  currentHash: string;
  /** K, wrapped for the holder of the current refresh token (so the next refresh keeps K). */
  currentKey: string;
  /** When (ms) the access token inside the newest cookie is itself due for refresh. */
  dueAt: number;
  /**
   * Whether a request has been handed the newest cookie. Until one has (WorkOS answered after every request had
   * given up waiting), the replaced tokens keep earning it past the grace period: nobody else holds it.
   */
  delivered: boolean;
  /** The refresh tokens replaced, newest first: hash, when (ms), and K wrapped for its holder. */
  rotated: { hash: string; at: number; key: string }[];
}

export interface RotationLock {
  /** Keeps the lock while a grant is still running; false when it was lost (expired and taken). */
  extend(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Where rotation states and per-session locks live: this process only (memory-store.ts) or every instance
 * (redis-store.ts). A store that cannot answer throws; the coordinator then falls back to in-process behaviour.
 */
export interface RotationStore {
  readonly kind: 'memory' | 'redis';
  get(sessionKey: string): Promise<RotationState | null>;
  put(sessionKey: string, state: RotationState, ttlMs: number): Promise<void>;
  /** A short lock for one session's refresh, or null when another holder has it. */
  acquire(sessionKey: string, ttlMs: number): Promise<RotationLock | null>;
  /** False while a shared store cannot be reached (its answers are then missing, not negative). */
  healthy(): boolean;
  close?(): Promise<void>;
}

/** What a refresh grant failed with, in the coordinator's terms. */
export type GrantFailure =
  /** The refresh token is spent, revoked or expired (HTTP 400 invalid_grant). */
  | 'invalid_grant'
  /** WorkOS refused the grant for another reason (e.g. the organization membership is gone). */
  | 'rejected'
  /** WorkOS could not be reached, timed out, or failed (5xx, 429, a refused API key): says nothing of the session. */
  | 'unavailable';

export class GrantError extends Error {
  constructor(
    readonly failure: GrantFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GrantError';
  }
}

/** Who is asking: the session as its (sealed, so trusted) cookie says, and the request's network details. */
export interface RefreshRequest {
  cookie: string;
  session: SealedSession;
  sessionId: string;
  userId: string;
  organizationId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
}

/**
 * How a refresh ended for one request:
 * - `renewed`: `cookie` holds a fresh session; `via` says whether this request made the grant, joined one in
 *   flight in this process, took a recent one from the store, or waited for another instance's;
 * - `ended`: WorkOS no longer lists the session (revoked, expired): recorded as revoked;
 * - `reused`: the refresh token was spent long ago while the session lives on elsewhere — a copied cookie, or a
 *   browser that lost the response carrying its new cookie. Recorded as a security signal; this copy is dead;
 * - `rejected`: WorkOS refused this session's refresh for another reason; this copy cannot continue;
 * - `retry`: nothing is known yet (another instance is still refreshing, WorkOS is slow or unreachable, or a lost
 *   race could not be settled): the request is not served and the browser is asked to try again shortly.
 */
export type RefreshOutcome =
  | { kind: 'renewed'; cookie: string; via: 'grant' | 'joined' | 'shared' | 'waited' }
  | { kind: 'ended' }
  | { kind: 'reused' }
  | { kind: 'rejected' }
  | { kind: 'retry'; why: 'busy' | 'slow' | 'unavailable' | 'unconfirmed' | 'lost_race'; retryAfterSeconds: number };
