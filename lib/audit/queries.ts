import 'server-only';
import { getDb } from '@/lib/db';
import { noveltyOf, type Novelty } from '@/lib/sessions/novelty';
import { parseDetails, toEntry, type AuditRow } from './rows';
import type { AuditEntry } from './types';

const boundedLimit = (limit: number) => Math.max(1, Math.min(200, Math.floor(limit)));

/** The user's latest entries in every organization, newest first: for the user's own security page only. */
export async function listAudit(userId: string, limit = 20): Promise<AuditEntry[]> {
  const rows = getDb()
    .prepare('SELECT * FROM audit_log WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?')
    .all(userId, boundedLimit(limit)) as unknown as AuditRow[];
  return rows.map(toEntry);
}

/**
 * The user's latest entries that belong to `organizationId`, newest first: what an administrator of that organization
 * may see. Entries of other organizations and user-level ones (no organization) are left out.
 */
export async function listOrganizationAudit(userId: string, organizationId: string, limit = 20): Promise<AuditEntry[]> {
  const rows = getDb()
    .prepare('SELECT * FROM audit_log WHERE user_id = ? AND organization_id = ? ORDER BY at DESC, id DESC LIMIT ?')
    .all(userId, organizationId, boundedLimit(limit)) as unknown as AuditRow[];
  return rows.map(toEntry);
}

/** The PascalCase authentication method recorded at sign-in ("GoogleOAuth"), by session hash. */
export function getSignInMethods(userId: string): Map<string, string> {
  const rows = getDb()
    .prepare(
      `SELECT target_session_hash AS hash, json_extract(details, '$.authenticationMethod') AS method
         FROM audit_log WHERE user_id = ? AND kind = 'sign_in' AND target_session_hash IS NOT NULL`,
    )
    .all(userId) as { hash: string; method: unknown }[];
  const result = new Map<string, string>();
  for (const row of rows) if (typeof row.method === 'string') result.set(row.hash, row.method);
  return result;
}

/** What was new about each session's sign-in, by session hash (only sessions with something new). */
export function getSignInNovelty(userId: string): Map<string, Novelty> {
  const rows = getDb()
    .prepare(
      `SELECT target_session_hash AS hash, details FROM audit_log
        WHERE user_id = ? AND kind = 'sign_in' AND flagged = 1 AND target_session_hash IS NOT NULL`,
    )
    .all(userId) as { hash: string; details: string | null }[];
  const result = new Map<string, Novelty>();
  for (const row of rows) {
    const novelty = noveltyOf(parseDetails(row.details));
    if (novelty.kinds.length > 0) result.set(row.hash, novelty);
  }
  return result;
}

/** The latest reuse of a sign-in (refresh) token per session (lib/auth/refresh), by session hash. */
export function getTokenReuse(userId: string): Map<string, { at: Date; ipAddress: string | null }> {
  const rows = getDb()
    .prepare(
      `SELECT target_session_hash AS hash, MAX(at) AS at, ip_address AS ip
         FROM audit_log WHERE user_id = ? AND kind = 'refresh_token_reused' AND target_session_hash IS NOT NULL
        GROUP BY target_session_hash`,
    )
    .all(userId) as { hash: string; at: number; ip: string | null }[];
  return new Map(rows.map((row) => [row.hash, { at: new Date(row.at), ipAddress: row.ip }]));
}

/** The device label a session's sign-in was recorded with ("Chrome on Windows"), or null. */
export function getSessionLabel(userId: string, sessionHash: string): string | null {
  const row = getDb()
    .prepare(
      `SELECT target_label AS label FROM audit_log
        WHERE user_id = ? AND kind = 'sign_in' AND target_session_hash = ? AND target_label IS NOT NULL
        ORDER BY at DESC LIMIT 1`,
    )
    .get(userId, sessionHash) as { label: string } | undefined;
  return row?.label ?? null;
}
