import 'server-only';
import { getDb, type Database } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { getPlaces } from '@/lib/location';
import { describeDevice, deviceKey } from '@/lib/sessions/device';
import { assessSignIn, type SignInFacts } from '@/lib/sessions/novelty';
import { insert, parseDetails, text, toEntry, type AuditRow } from './rows';
import type { AuditEntry } from './types';

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

/** Second report of the same sign-in: keeps the first, adds what only this reporter knew. */
function completeEarlierReport(db: Database, existing: AuditRow, input: SignInInput): AuditEntry {
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
  return toEntry(existing);
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
    const existing = sessionHash
      ? (db
          .prepare("SELECT * FROM audit_log WHERE user_id = ? AND kind = 'sign_in' AND target_session_hash = ? LIMIT 1")
          .get(input.userId, sessionHash) as unknown as AuditRow | undefined)
      : undefined;
    if (existing) {
      const entry = completeEarlierReport(db, existing, input);
      db.exec('COMMIT');
      return entry;
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
