import 'server-only';
import { getDb, type Database } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { getPlaces } from '@/lib/location';
import { describeDevice, deviceKey } from '@/lib/sessions/device';
import { assessSignIn, noveltyOf, type Novelty, type SignInFacts } from '@/lib/sessions/novelty';
import type { ActorType } from '@/lib/revocation/types';
import type { AuditEntry, AuditInput } from './types';

export type { AuditEntry, AuditInput, AuditKind } from './types';
export { describeAuditEntry, type AuditDescription } from './describe';

interface AuditRow {
  id: number;
  at: number;
  user_id: string;
  organization_id: string | null;
  kind: string;
  actor_type: string;
  actor_id: string | null;
  actor_session_hash: string | null;
  actor_label: string | null;
  target_session_hash: string | null;
  target_label: string | null;
  reason: string | null;
  ip_address: string | null;
  flagged: number;
  details: string | null;
}

function text(value: string | null | undefined, max = 200): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed ? trimmed.slice(0, max) : null;
}

function sessionHashOf(ref: { sessionId?: string | null; sessionHash?: string | null } | null | undefined): string | null {
  if (!ref) return null;
  if (ref.sessionId) return hashSessionId(ref.sessionId);
  return text(ref.sessionHash, 64);
}

function parseDetails(raw: string | null): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: new Date(row.at),
    userId: row.user_id,
    organizationId: row.organization_id,
    kind: row.kind,
    actor: {
      type: row.actor_type as ActorType,
      id: row.actor_id,
      sessionHash: row.actor_session_hash,
      label: row.actor_label,
    },
    target:
      row.target_session_hash || row.target_label
        ? { sessionHash: row.target_session_hash, label: row.target_label }
        : null,
    reason: row.reason,
    ipAddress: row.ip_address,
    flagged: row.flagged === 1,
    details: parseDetails(row.details),
  };
}

function insert(db: Database, entry: AuditInput): AuditEntry {
  const at = entry.at instanceof Date ? entry.at.getTime() : (entry.at ?? Date.now());
  const row = db
    .prepare(
      `INSERT INTO audit_log (at, user_id, organization_id, kind, actor_type, actor_id, actor_session_hash, actor_label,
         target_session_hash, target_label, reason, ip_address, flagged, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       RETURNING *`,
    )
    .get(
      at,
      entry.userId,
      text(entry.organizationId, 128),
      entry.kind,
      entry.actor.type,
      text(entry.actor.id),
      sessionHashOf(entry.actor),
      text(entry.actor.label),
      sessionHashOf(entry.target),
      text(entry.target?.label),
      text(entry.reason, 100),
      text(entry.ipAddress, 64),
      entry.flagged ? 1 : 0,
      entry.details ? JSON.stringify(entry.details) : null,
    ) as unknown as AuditRow;
  return toEntry(row);
}

/**
 * Appends one entry to the security activity / audit trail (audit_log). Everyone who revokes a session writes
 * one: who (actor), from which session, which session (target), why (reason), when.
 */
export async function recordAudit(entry: AuditInput): Promise<AuditEntry> {
  return insert(getDb(), entry);
}

/** WorkOS confirmed, later, the end of a session whose revocation line says it had not yet. */
export function markWorkosConfirmed(sessionHash: string, at: number): void {
  getDb()
    .prepare(
      `UPDATE audit_log SET flagged = 0,
         details = json_set(details, '$.workos', 'confirmed', '$.workosConfirmedAt', ?)
       WHERE target_session_hash = ? AND kind = 'session_revoked' AND json_extract(details, '$.workos') = 'pending'`,
    )
    .run(at, sessionHash);
}

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

export interface SignInInput {
  userId: string;
  /** Raw WorkOS session id (hashed before storage); null when unknown. */
  sessionId: string | null;
  /** The organization signed in to (the authenticate response's, or the session's); null for none. */
  organizationId: string | null;
  userAgent: string | null;
  ipAddress: string | null;
  /** PascalCase from the authenticate response ("Password", "GoogleOAuth"), when known (callback). */
  authenticationMethod?: string | null;
  /** snake_case from the Session object ("password", "oauth"), when known (webhook). */
  authMethod?: string | null;
  impersonator?: { email: string; reason: string | null } | null;
  /** Who is telling us: the /callback route or a `session.created` webhook / event. */
  source: 'callback' | 'webhook' | 'events';
  at?: Date;
}

/** Earlier sign-ins whose places are compared with a new one: the latest, within the personal-data retention. */
const PLACE_HISTORY = 50;

/**
 * Records a sign-in once per session (the callback and the `session.created` webhook both report it), with
 * its device label and IP address, and what is new about it for this user (lib/sessions/novelty): a device they never
 * signed in from (known_devices), a country or a far place none of their earlier sign-ins came from, travel faster
 * than possible since their previous sign-in. The very first sign-in of a user is not flagged.
 */
export async function recordSignIn(input: SignInInput): Promise<AuditEntry> {
  const db = getDb();
  const device = describeDevice(input.userAgent);
  const sessionHash = input.sessionId ? hashSessionId(input.sessionId) : null;
  const ip = text(input.ipAddress, 64);
  const at = input.at ?? new Date();
  const earlierSignIns = db
    .prepare(
      `SELECT ip_address AS ip, at FROM audit_log
        WHERE user_id = ? AND kind = 'sign_in' AND ip_address IS NOT NULL AND (target_session_hash IS NULL OR target_session_hash <> ?)
          AND NOT EXISTS (SELECT 1 FROM sign_in_answers a WHERE a.user_id = audit_log.user_id
                            AND a.session_hash = audit_log.target_session_hash AND a.answer = 'disowned')
        ORDER BY at DESC LIMIT ?`,
    )
    .all(input.userId, sessionHash ?? '', PLACE_HISTORY) as { ip: string; at: number }[];
  // Before the transaction: the geo database may have to load (once per process).
  const placeOf = await getPlaces([ip, ...earlierSignIns.map((row) => row.ip)]);

  db.exec('BEGIN IMMEDIATE');
  try {
    if (sessionHash) {
      const existing = db
        .prepare("SELECT * FROM audit_log WHERE user_id = ? AND kind = 'sign_in' AND target_session_hash = ? LIMIT 1")
        .get(input.userId, sessionHash) as unknown as AuditRow | undefined;
      if (existing) {
        // Second report of the same sign-in: keep the first, add what only this reporter knew.
        const details = parseDetails(existing.details) ?? {};
        let changed = false;
        if (input.authenticationMethod && !details.authenticationMethod) {
          details.authenticationMethod = input.authenticationMethod;
          changed = true;
        }
        if (input.authMethod && !details.authMethod) {
          details.authMethod = input.authMethod;
          changed = true;
        }
        if (changed) {
          db.prepare('UPDATE audit_log SET details = ? WHERE id = ?').run(JSON.stringify(details), existing.id);
          existing.details = JSON.stringify(details);
        }
        if (existing.organization_id === null && input.organizationId) {
          db.prepare('UPDATE audit_log SET organization_id = ? WHERE id = ?').run(input.organizationId, existing.id);
          existing.organization_id = input.organizationId;
        }
        db.exec('COMMIT');
        return toEntry(existing);
      }
    }

    const dKey = device.type === 'unknown' && !device.browser ? null : deviceKey(device);
    const knownDevices = db
      .prepare("SELECT value, first_seen_at AS at FROM known_devices WHERE user_id = ? AND kind = 'device'")
      .all(input.userId) as { value: string; at: number }[];
    const history: SignInFacts[] = [
      ...knownDevices.map((row) => ({ at: new Date(Math.min(row.at, at.getTime())), deviceKey: row.value, place: null })),
      ...earlierSignIns.map((row) => ({ at: new Date(row.at), deviceKey: null, place: placeOf(row.ip) })),
    ];
    const novelty = assessSignIn({ at, deviceKey: dKey, place: placeOf(ip) }, history);
    if (dKey) {
      db.prepare(
        `INSERT INTO known_devices (user_id, kind, value, first_seen_at, last_seen_at) VALUES (?, 'device', ?, ?, ?)
         ON CONFLICT (user_id, kind, value) DO UPDATE SET last_seen_at = MAX(coalesce(last_seen_at, 0), excluded.last_seen_at)`,
      ).run(input.userId, dKey, at.getTime(), at.getTime());
    }

    const impersonator = input.impersonator ?? null;
    const entry = insert(db, {
      userId: input.userId,
      organizationId: input.organizationId,
      kind: 'sign_in',
      at,
      actor: impersonator
        ? { type: 'admin', id: null, label: impersonator.email }
        : { type: 'user', id: input.userId, sessionHash, label: device.label },
      target: { sessionHash, label: device.label },
      reason: impersonator?.reason ?? null,
      ipAddress: ip,
      flagged: novelty.kinds.length > 0,
      details: {
        source: input.source,
        novelty: novelty.kinds,
        ...(novelty.travel ? { travel: novelty.travel } : {}),
        deviceType: device.type,
        ...(input.authenticationMethod ? { authenticationMethod: input.authenticationMethod } : {}),
        ...(input.authMethod ? { authMethod: input.authMethod } : {}),
        ...(impersonator ? { impersonator: impersonator.email } : {}),
      },
    });
    db.exec('COMMIT');
    return entry;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
