import type { ActorType, RevocationReason, RevocationRecord, RevocationSource, UserRevocation } from '../types';

/**
 * The local `revocations` / `revoked_users` tables (lib/db/schema) as rows, and the mapping between a row and
 * the record it stores. Shared by the SQLite backend and the Redis backend's last-known cache.
 */

/** A row of `revocations` (`SELECT *`). */
export interface RevocationRow {
  session_hash: string;
  user_id: string;
  revoked_at: number;
  expires_at: number;
  actor_type: string;
  actor_id: string | null;
  actor_session_hash: string | null;
  reason: string;
  source: string;
}

/** A row of `revoked_users` (`SELECT *`). */
export interface UserRow {
  user_id: string;
  revoked_at: number;
  reason: string;
  source: string;
}

/** The columns an INSERT into `revocations` names, in the order of `revocationValues`. */
export const REVOCATION_COLUMNS =
  'session_hash, user_id, revoked_at, expires_at, actor_type, actor_id, actor_session_hash, reason, source';

/** The columns an INSERT into `revoked_users` names, in the order of `userRevocationValues`. */
export const USER_COLUMNS = 'user_id, revoked_at, reason, source';

export function revocationValues(record: RevocationRecord) {
  return [
    record.sessionHash,
    record.userId,
    record.revokedAt,
    record.expiresAt,
    record.actor.type,
    record.actor.id,
    record.actor.sessionHash,
    record.reason,
    record.source,
  ] as const;
}

export function userRevocationValues(revocation: UserRevocation) {
  return [revocation.userId, revocation.revokedAt, revocation.reason, revocation.source] as const;
}

export function recordFromRow(row: RevocationRow): RevocationRecord {
  return {
    sessionHash: row.session_hash,
    userId: row.user_id,
    revokedAt: Number(row.revoked_at),
    expiresAt: Number(row.expires_at),
    reason: row.reason as RevocationReason,
    source: row.source as RevocationSource,
    actor: { type: row.actor_type as ActorType, id: row.actor_id, sessionHash: row.actor_session_hash },
    note: null,
  };
}

export function userRevocationFromRow(row: UserRow): UserRevocation {
  return {
    userId: row.user_id,
    revokedAt: Number(row.revoked_at),
    reason: row.reason as RevocationReason,
    source: row.source as RevocationSource,
  };
}
