import { hashSessionId } from '@/lib/security/hash';
import { healthOf } from './store/health';
import { createRetention, isLive } from './store/retention';
import type {
  ActorType,
  BackendHealth,
  RevocationBackend,
  RevocationInput,
  RevocationReason,
  RevocationRecord,
  RevocationSource,
  UserRevocation,
} from './types';

export interface RevocationRegistry {
  /** Resolves once the in-memory mirror holds every live revocation of the store. */
  ready(): Promise<void>;
  /** Durable before it resolves; idempotent (a session already revoked keeps its first record). */
  revoke(input: RevocationInput): Promise<RevocationRecord>;
  /** Locks out every session of the user (account deleted or disabled), including ones this app never saw. */
  revokeUser(userId: string, reason: RevocationReason, source: RevocationSource): Promise<void>;
  /** Synchronous, O(1), from the in-memory mirror. Throws `RegistryNotReadyError` before `ready()` settled. */
  check(sessionId: string, userId?: string | null): RevocationRecord | null;
  /** Same, for a session already known by its hash. */
  checkHash(sessionHash: string, userId?: string | null): RevocationRecord | null;
  /** Every session revocation, from any source or instance. Returns the unsubscribe function. */
  subscribe(listener: (record: RevocationRecord) => void): () => void;
  /** Every user-wide revocation, from any source or instance. */
  subscribeUsers(listener: (revocation: UserRevocation) => void): () => void;
  health(): BackendHealth;
  /**
   * Whether this instance may judge sessions: started, and holding the revocation set (not an empty instance cut off
   * from Redis since it started). When false, signed-in requests are refused as "temporarily unavailable".
   */
  knowsRevocations(): boolean;
  close(): Promise<void>;
}

export class RegistryNotReadyError extends Error {
  constructor(detail: string) {
    super(`The revocation registry is not ready (${detail}); refusing to treat sessions as live.`);
    this.name = 'RegistryNotReadyError';
  }
}

export interface RegistryOptions {
  /** The backend, or a promise of it (the Redis backend is imported lazily). */
  backend: RevocationBackend | Promise<RevocationBackend>;
  kind: 'sqlite' | 'redis';
  /** How long a revocation is kept (store/retention.ts). */
  retentionMs: number;
  now?: () => number;
  /** How often expired entries leave the mirror. */
  sweepIntervalMs?: number;
  log?: (message: string, error?: unknown) => void;
}

const ACTOR_FOR_SOURCE: Record<RevocationSource, ActorType> = {
  action: 'user',
  admin: 'admin',
  webhook: 'workos',
  events: 'workos',
  refresh: 'workos',
  policy: 'system',
};

export function createRevocationRegistry(options: RegistryOptions): RevocationRegistry {
  const now = options.now ?? Date.now;
  const retention = createRetention(options.retentionMs);
  const log = options.log ?? ((message, error) => console.error(`[revocation] ${message}`, error ?? ''));
  const sessions = new Map<string, RevocationRecord>();
  const users = new Map<string, UserRevocation>();
  const listeners = new Set<(record: RevocationRecord) => void>();
  const userListeners = new Set<(revocation: UserRevocation) => void>();
  let backend: RevocationBackend | null = null;
  let isReady = false;
  let startError: unknown = null;
  let backendHealth: BackendHealth | null = null;

  const acceptRecord = (record: RevocationRecord): void => {
    // A held record is only replaced once it has expired (a session revoked again after its entry lapsed).
    const held = sessions.get(record.sessionHash);
    if ((held && isLive(held, now())) || !isLive(record, now())) return;
    sessions.set(record.sessionHash, record);
    for (const listener of listeners) {
      try {
        listener(record);
      } catch (error) {
        log('a revocation listener threw', error);
      }
    }
  };

  const acceptUser = (revocation: UserRevocation): void => {
    const held = users.get(revocation.userId);
    if ((held && isLive(held, now())) || !isLive(revocation, now())) return;
    users.set(revocation.userId, revocation);
    for (const listener of userListeners) {
      try {
        listener(revocation);
      } catch (error) {
        log('a user-revocation listener threw', error);
      }
    }
  };

  const started = Promise.resolve(options.backend).then(async (b) => {
    backend = b;
    await b.start({
      onRecord: acceptRecord,
      onUserRevoked: acceptUser,
      onStatus: (health) => {
        backendHealth = health;
      },
    });
    isReady = true;
  });
  started.catch((error: unknown) => {
    startError = error;
    log(`the ${options.kind} backend failed to start`, error);
  });

  const sweep = setInterval(() => {
    const t = now();
    for (const [hash, record] of sessions) if (!isLive(record, t)) sessions.delete(hash);
    for (const [userId, revocation] of users) if (!isLive(revocation, t)) users.delete(userId);
  }, options.sweepIntervalMs ?? 60_000);
  sweep.unref?.();

  const userRecord = (sessionHash: string, revocation: UserRevocation): RevocationRecord => ({
    sessionHash,
    userId: revocation.userId,
    revokedAt: revocation.revokedAt,
    expiresAt: revocation.expiresAt,
    reason: revocation.reason,
    source: revocation.source,
    actor: { type: ACTOR_FOR_SOURCE[revocation.source], id: null, sessionHash: null },
    note: null,
  });

  const checkHash = (sessionHash: string, userId?: string | null): RevocationRecord | null => {
    if (!isReady) throw new RegistryNotReadyError(startError ? 'backend failed to start' : 'starting');
    if (!backend!.knowsRevocations()) throw new RegistryNotReadyError('the revocation set has never been loaded');
    const record = sessions.get(sessionHash);
    if (record && isLive(record, now())) return record;
    if (userId) {
      const revocation = users.get(userId);
      if (revocation && isLive(revocation, now())) return userRecord(sessionHash, revocation);
    }
    return null;
  };

  return {
    ready: () => started,

    async revoke(input) {
      await started;
      const sessionHash = hashSessionId(input.sessionId);
      const existing = sessions.get(sessionHash);
      if (existing && isLive(existing, now())) return existing;
      const revokedAt = now();
      const record: RevocationRecord = {
        sessionHash,
        userId: input.userId,
        revokedAt,
        expiresAt: retention.sessionExpiry(revokedAt, input.holdUntil),
        reason: input.reason,
        source: input.source,
        actor: {
          type: input.actor.type,
          id: input.actor.id ?? null,
          sessionHash: input.actor.sessionId ? hashSessionId(input.actor.sessionId) : null,
        },
        note: input.note ?? null,
      };
      await backend!.persist(record);
      acceptRecord(record);
      return sessions.get(sessionHash) ?? record;
    },

    async revokeUser(userId, reason, source) {
      await started;
      const held = users.get(userId);
      if (held && isLive(held, now())) return;
      const revokedAt = now();
      const revocation: UserRevocation = { userId, revokedAt, expiresAt: retention.userExpiry(revokedAt), reason, source };
      await backend!.persistUser(revocation);
      acceptUser(revocation);
    },

    check: (sessionId, userId) => checkHash(hashSessionId(sessionId), userId),
    checkHash,

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    subscribeUsers(listener) {
      userListeners.add(listener);
      return () => userListeners.delete(listener);
    },

    knowsRevocations: () => isReady && backend !== null && backend.knowsRevocations(),

    health() {
      if (startError) return healthOf(options.kind, { phase: 'start_failed' });
      if (!isReady || !backend) return healthOf(options.kind, { phase: 'starting' });
      return backendHealth?.status === 'degraded' ? backendHealth : backend.health();
    },

    async close() {
      clearInterval(sweep);
      await started.catch(() => undefined);
      await backend?.close();
    },
  };
}
