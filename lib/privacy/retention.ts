import type { DatabaseSync } from 'node:sqlite';

/**
 * How long the app keeps personal data (PERSONAL_DATA_RETENTION_DAYS, AUDIT_RETENTION_DAYS), and the one purge that
 * enforces it. What it removes, once older than the personal-data retention:
 *   audit_log        the client address of each line (the line itself stays, up to the audit retention);
 *   session_activity a session's last request (address, user agent, time);
 *   known_devices    a device or address the user has not signed in from since (its "new" flag may come back);
 *   event_ledger     WorkOS events acted on or parked (their payloads carry names, addresses, user agents).
 * and audit lines, with the answers to "Was this you?" and the revocation receipts that go with them, older than the
 * audit retention. IMPORTANT: it never touches what enforcement needs — revocations,
 * revoked users and both outboxes keep their own retention (lib/revocation, lib/sessions/end) — nor an event still
 * in flight (processing, retry).
 */

export interface RetentionPolicy {
  personalDataDays: number;
  auditDays: number;
}

export interface PurgeResult {
  auditAddressesCleared: number;
  auditLinesDeleted: number;
  activityDeleted: number;
  knownDevicesDeleted: number;
  eventsDeleted: number;
  signInAnswersDeleted: number;
  receiptsDeleted: number;
}

const DAY_MS = 86_400_000;
/** Rows per statement: each batch is its own short write, so requests and other processes never wait long. */
const BATCH = 500;

/** Runs `sql` (which takes the cutoff, then the batch size) until it changes nothing; returns the rows changed. */
function inBatches(db: DatabaseSync, sql: string, cutoff: number): number {
  const statement = db.prepare(sql);
  let total = 0;
  for (;;) {
    const changed = Number(statement.run(cutoff, BATCH).changes);
    total += changed;
    if (changed < BATCH) return total;
  }
}

/**
 * Removes what the policy no longer allows to be kept, as of `now`. Idempotent, and safe to run from several
 * processes on one database at once: every statement is a conditional write of its own.
 */
export function purgePersonalData(db: DatabaseSync, policy: RetentionPolicy, now = Date.now()): PurgeResult {
  const personal = now - policy.personalDataDays * DAY_MS;
  const audit = now - policy.auditDays * DAY_MS;
  return {
    auditAddressesCleared: inBatches(
      db,
      `UPDATE audit_log SET ip_address = NULL
        WHERE id IN (SELECT id FROM audit_log WHERE at < ? AND ip_address IS NOT NULL LIMIT ?)`,
      personal,
    ),
    auditLinesDeleted: inBatches(db, 'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? LIMIT ?)', audit),
    activityDeleted: inBatches(
      db,
      `DELETE FROM session_activity
        WHERE session_hash IN (SELECT session_hash FROM session_activity WHERE last_active_at < ? LIMIT ?)`,
      personal,
    ),
    knownDevicesDeleted: inBatches(
      db,
      'DELETE FROM known_devices WHERE rowid IN (SELECT rowid FROM known_devices WHERE last_seen_at < ? LIMIT ?)',
      personal,
    ),
    eventsDeleted: inBatches(
      db,
      `DELETE FROM event_ledger WHERE event_id IN (
         SELECT event_id FROM event_ledger WHERE status IN ('processed', 'parked') AND updated_at < ? LIMIT ?)`,
      personal,
    ),
    signInAnswersDeleted: inBatches(
      db,
      `DELETE FROM sign_in_answers WHERE rowid IN (SELECT rowid FROM sign_in_answers WHERE answered_at < ? LIMIT ?)`,
      audit,
    ),
    receiptsDeleted: inBatches(
      db,
      `DELETE FROM revocation_receipts WHERE rowid IN (SELECT rowid FROM revocation_receipts WHERE told_at < ? LIMIT ?)`,
      audit,
    ),
  };
}
