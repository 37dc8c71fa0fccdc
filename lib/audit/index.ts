import 'server-only';
import { getDb } from '@/lib/db';
import { insert } from './rows';
import type { AuditEntry, AuditInput } from './types';

export type { AuditEntry, AuditInput, AuditKind } from './types';
export { describeAuditEntry, receiptSubject, type AuditDescription } from './describe';
export { getSessionLabel, getSignInMethods, getSignInNovelty, getTokenReuse, listAudit, listOrganizationAudit } from './queries';
export { recordSignIn, type SignInInput } from './sign-in';

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
