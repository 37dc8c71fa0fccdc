import 'server-only';
import { recordAudit } from '@/lib/audit';
import { getDb } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { describeDevice, deviceKey } from '../device';
import type { SessionEntry } from '../view';

export type SignInAnswer = 'confirmed' | 'disowned';

/** The user's answers to "Was this you?", by session hash. */
export function readAnswers(userId: string): Map<string, SignInAnswer> {
  const rows = getDb()
    .prepare('SELECT session_hash AS hash, answer FROM sign_in_answers WHERE user_id = ?')
    .all(userId) as { hash: string; answer: SignInAnswer }[];
  return new Map(rows.map((row) => [row.hash, row.answer]));
}

/**
 * Records the user's answer about the sign-in of `target` (one of their sessions), and its line in the security
 * activity. Confirmed, it is no longer flagged and its device and place stay known. Disowned, its device is forgotten
 * if that sign-in introduced it, so that device signing in again is flagged again (its place is left out of the
 * history by recordSignIn).
 */
export async function recordAnswer(
  { session, view }: SessionEntry,
  answer: SignInAnswer,
  actor: { sessionId: string; label: string | null },
): Promise<void> {
  const db = getDb();
  const sessionHash = hashSessionId(session.id);
  const now = Date.now();
  db.prepare(
    `INSERT INTO sign_in_answers (user_id, session_hash, answer, answered_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, session_hash) DO UPDATE SET answer = excluded.answer, answered_at = excluded.answered_at`,
  ).run(session.userId, sessionHash, answer, now);
  if (answer === 'disowned') {
    db.prepare(
      `DELETE FROM known_devices WHERE user_id = ? AND kind = 'device' AND value = ? AND first_seen_at >= (
         SELECT MIN(at) FROM audit_log WHERE user_id = ? AND kind = 'sign_in' AND target_session_hash = ?)`,
    ).run(session.userId, deviceKey(describeDevice(session.userAgent)), session.userId, sessionHash);
  }
  await recordAudit({
    userId: session.userId,
    organizationId: session.organizationId,
    kind: answer === 'confirmed' ? 'sign_in_confirmed' : 'sign_in_disowned',
    at: now,
    actor: { type: 'user', id: session.userId, sessionId: actor.sessionId, label: actor.label },
    target: { sessionHash, label: view.label },
    ipAddress: session.ipAddress,
  });
}
