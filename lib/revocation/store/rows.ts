import type { DatabaseSync } from 'node:sqlite';
import type { ActorType, RevocationReason, RevocationRecord, RevocationSource, UserRevocation } from '../types';
import type { Retention } from './retention';

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
  expires_at: number;
  reason: string;
  source: string;
}

/** The columns an INSERT into `revocations` names, in the order of `revocationValues`. */
export const REVOCATION_COLUMNS =
  'session_hash, user_id, revoked_at, expires_at, actor_type, actor_id, actor_session_hash, reason, source';

/** The columns an INSERT into `revoked_users` names, in the order of `userRevocationValues`. */
export const USER_COLUMNS = 'user_id, revoked_at, expires_at, reason, source';

/**
 * Inserts a revocation (`revocationValues`). A live row is kept as it is (the first record wins, idempotent); one
 * that has expired (not yet purged) gives way to the new revocation. `moveToNewRowid`: the rewritten row takes a NEW,
 * highest rowid, so that other processes' pollers (store/sqlite.ts) see it.
 */
export function upsertRevocationSql(moveToNewRowid: boolean): string {
  return `INSERT INTO revocations (${REVOCATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (session_hash) DO UPDATE SET${moveToNewRowid ? ' rowid = (SELECT max(rowid) + 1 FROM revocations),' : ''}
      user_id = excluded.user_id, revoked_at = excluded.revoked_at, expires_at = excluded.expires_at,
      actor_type = excluded.actor_type, actor_id = excluded.actor_id,
      actor_session_hash = excluded.actor_session_hash, reason = excluded.reason, source = excluded.source
    WHERE revocations.expires_at <= excluded.revoked_at`;
}

/** The same for a user revocation (`userRevocationValues`). */
export function upsertUserSql(moveToNewRowid: boolean): string {
  return `INSERT INTO revoked_users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET${moveToNewRowid ? ' rowid = (SELECT max(rowid) + 1 FROM revoked_users),' : ''}
      revoked_at = excluded.revoked_at, expires_at = excluded.expires_at, reason = excluded.reason,
      source = excluded.source
    WHERE revoked_users.expires_at <= excluded.revoked_at`;
}

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
  return [revocation.userId, revocation.revokedAt, revocation.expiresAt, revocation.reason, revocation.source] as const;
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
    expiresAt: Number(row.expires_at),
    reason: row.reason as RevocationReason,
    source: row.source as RevocationSource,
  };
}

/** User revocations stored before they carried an expiry get the one the retention gives them. */
export function giveUserRevocationsAnExpiry(db: DatabaseSync, retention: Retention): void {
  const legacy = db.prepare('SELECT user_id, revoked_at FROM revoked_users WHERE expires_at IS NULL').all() as {
    user_id: string;
    revoked_at: number;
  }[];
  const update = db.prepare('UPDATE revoked_users SET expires_at = ? WHERE user_id = ? AND expires_at IS NULL');
  for (const row of legacy) update.run(retention.userExpiry(Number(row.revoked_at)), row.user_id);
}
