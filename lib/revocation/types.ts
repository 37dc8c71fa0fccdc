import type { RevocationReason } from '@/lib/session-status/reasons';

/** Types shared by the revocation registry and its backends (see docs/architecture.md). */

/** Who ended a session: the user, an administrator, an impersonator (support), WorkOS, a policy, the system. */
export type ActorType = 'user' | 'admin' | 'impersonator' | 'workos' | 'policy' | 'system';
export type RevocationSource = 'action' | 'admin' | 'webhook' | 'events' | 'refresh' | 'policy';
/** The reason codes are part of the session-status protocol: the browser reads them too. */
export type { RevocationReason };

export interface RevocationInput {
  sessionId: string;
  userId: string;
  reason: RevocationReason;
  source: RevocationSource;
  actor: { type: ActorType; id?: string | null; sessionId?: string | null };
  note?: string | null;
  /**
   * Keep the record at least until then (ms), past the retention: a revocation WorkOS has not confirmed must hold
   * until WorkOS's own session would have expired (lib/sessions/end).
   */
  holdUntil?: number | null;
}

/** What is stored and published: the session id only as its hash. */
export interface RevocationRecord {
  sessionHash: string;
  userId: string;
  revokedAt: number; // ms since epoch
  expiresAt: number; // ms; the entry is kept at least until then
  reason: RevocationReason;
  source: RevocationSource;
  actor: { type: ActorType; id: string | null; sessionHash: string | null };
  note: string | null;
}

/** Every session of this user is locked out (user deleted). */
export interface UserRevocation {
  userId: string;
  revokedAt: number;
  expiresAt: number; // ms; every session of the user is refused until then
  reason: RevocationReason;
  source: RevocationSource;
}

/** Where the registry and its backend stand; worded for people only by the health routes (app/api/health). */
export type HealthPhase =
  | { phase: 'starting' }
  | { phase: 'start_failed' }
  /** Redis: not connected yet, and no error seen. */
  | { phase: 'connecting' }
  /** Redis: a connection is down; the instance enforces what it knows and queues new revocations. */
  | { phase: 'unreachable'; since: number; error: string | null }
  /** Redis: connected again, reloading the set. */
  | { phase: 'resyncing' }
  | { phase: 'serving' }
  /** SQLite: a poll or purge failed. */
  | { phase: 'failing'; error: string }
  | { phase: 'closed' };

export type BackendHealth = HealthPhase & {
  backend: 'sqlite' | 'redis';
  /** `ok` only while serving with nothing queued. */
  status: 'ok' | 'degraded';
  /** Revocations kept locally until the shared store takes them. */
  queued: number;
};

export interface BackendListener {
  onRecord(record: RevocationRecord): void;
  onUserRevoked(revocation: UserRevocation): void;
  /** The backend lost its connection (its mirror may be stale) / regained it after a full reload. */
  onStatus?(health: BackendHealth): void;
}

/**
 * Where revocations live and how they travel between instances. The registry keeps the in-memory mirror;
 * a backend makes records durable and delivers every record — its own and other instances' — to `listener`.
 */
export interface RevocationBackend {
  readonly kind: 'sqlite' | 'redis';
  /** Delivers every live record (full load) to the listener, then keeps delivering new ones. */
  start(listener: BackendListener): Promise<void>;
  /** Durable before it resolves (or queued durably when the shared store is down). */
  persist(record: RevocationRecord): Promise<void>;
  persistUser(revocation: UserRevocation): Promise<void>;
  health(): BackendHealth;
  /** False while the backend has never loaded the revocation set (see the Redis backend): fail closed. */
  knowsRevocations(): boolean;
  close(): Promise<void>;
}
