import 'server-only';
import { recordAudit } from '@/lib/audit';
import type { CurrentSession } from '@/lib/auth/session';
import { getRevocationRegistry } from '@/lib/revocation';
import { revokeWorkosSession, WorkosError } from '@/lib/workos/client';

/** The header's Sign out must not hang on a slow WorkOS: the user asked to leave. */
export const SIGN_OUT_REVOKE_TIMEOUT_MS = 5_000;

/** What WorkOS said: it ended the session, it no longer knew it (already ended), or it could not be asked. */
export type WorkosSignOutOutcome = 'revoked' | 'already_ended' | 'failed';

function describe(error: unknown): string {
  if (error instanceof WorkosError) return `${error.kind}${error.status ? ` (${error.status})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The header's Sign out, before authkit clears the cookie and redirects to WorkOS's logout URL. IMPORTANT: order
 * as in lib/sessions/revoke.ts: end the session at WorkOS FIRST (so it is over at its source, not only in our
 * registry, whose lockout is local and expires after REVOCATION_RETENTION_SECONDS), then record `signed_out` here.
 *
 * If WorkOS cannot end it (error, timeout), the user is STILL signed out of this browser, and the local
 * revocation is STILL recorded: the user asked to leave, clearing their cookie is always safe, and refusing any
 * copy of that cookie here is the most we can do right now. Skipping the registry would let a copied cookie keep
 * working until its access token expires. That session is then only locked out locally (until the record
 * expires) and may still be live at WorkOS, so it is written to the audit log, flagged, rather than lost; authkit's
 * redirect to the logout URL that follows is a second chance to end it there.
 *
 * Never throws: every failure is logged (signing out must not fail).
 */
export async function endSessionOnSignOut(session: CurrentSession): Promise<WorkosSignOutOutcome> {
  let outcome: WorkosSignOutOutcome = 'revoked';
  let failure: unknown = null;
  try {
    await revokeWorkosSession(session.sessionId, { timeoutMs: SIGN_OUT_REVOKE_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof WorkosError && error.kind === 'not_found') {
      outcome = 'already_ended';
    } else {
      outcome = 'failed';
      failure = error;
      console.error('[sign-out] WorkOS did not end the session; locking it out locally', describe(error));
    }
  }

  try {
    await getRevocationRegistry().revoke({
      sessionId: session.sessionId,
      userId: session.user.id,
      reason: 'signed_out',
      source: 'action',
      actor: { type: 'user', id: session.user.id, sessionId: session.sessionId },
    });
  } catch (error) {
    console.error('[sign-out] could not record the revocation locally', describe(error));
  }

  if (outcome === 'failed') {
    try {
      await recordAudit({
        userId: session.user.id,
        kind: 'session_revoked',
        actor: { type: 'user', id: session.user.id, sessionId: session.sessionId },
        target: { sessionId: session.sessionId },
        reason: 'signed_out',
        flagged: true,
        details: { source: 'sign_out', workos: 'unconfirmed', error: describe(failure) },
      });
    } catch (error) {
      console.error('[sign-out] could not write the audit entry', describe(error));
    }
  }
  return outcome;
}

/**
 * Sign out of a session the registry has already revoked: end it at WorkOS too if it is still there (the earlier
 * revocation may have been local only). Best effort, never throws; nothing new is recorded.
 */
export async function endRevokedSessionOnSignOut(session: Pick<CurrentSession, 'sessionId'>): Promise<void> {
  try {
    await revokeWorkosSession(session.sessionId, { timeoutMs: SIGN_OUT_REVOKE_TIMEOUT_MS });
  } catch (error) {
    if (!(error instanceof WorkosError && error.kind === 'not_found')) {
      console.error('[sign-out] WorkOS did not end an already-revoked session', describe(error));
    }
  }
}
