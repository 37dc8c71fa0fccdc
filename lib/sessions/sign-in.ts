import 'server-only';
import { withAuth } from '@workos-inc/authkit-nextjs';
import { recordAudit, recordSignIn } from '@/lib/audit';
import type { SignInEvent } from '@/lib/auth/hooks';
import { getRevocationRegistry } from '@/lib/revocation';
import { revokeWorkosSession, WorkosError } from '@/lib/workos/client';
import { describeDevice } from './device';

export interface PreviousSession {
  /** Raw id of the session this browser held before signing in again. */
  sessionId: string;
  userId: string;
}

const SUPERSEDE_TIMEOUT_MS = 3_000;

/** The session the proxy verified for this request (the cookie before /callback replaces it), if any. */
async function findPreviousSession(): Promise<PreviousSession | null> {
  try {
    const auth = await withAuth();
    return auth.user && auth.sessionId ? { sessionId: auth.sessionId, userId: auth.user.id } : null;
  } catch {
    return null;
  }
}

/**
 * Re-authenticating (e.g. before "Sign out everywhere") creates a NEW WorkOS session for this browser. The
 * one it replaces must not linger as a phantom "other device": end it at WorkOS, then lock it out here, with
 * reason `reauthenticated`. Only for the same user; never throws (signing in must not fail because of it).
 */
export async function supersedePreviousSession(
  event: Pick<SignInEvent, 'user' | 'sessionId' | 'userAgent'>,
  previous: PreviousSession,
): Promise<boolean> {
  if (!event.sessionId || previous.userId !== event.user.id || previous.sessionId === event.sessionId) return false;
  const registry = getRevocationRegistry();
  try {
    await registry.ready();
    // Already ended (signed out elsewhere, cookie left behind): nothing to supersede, nothing to record.
    if (registry.check(previous.sessionId, previous.userId)) return false;
  } catch {
    // The registry cannot say yet: go on; revoking an ended session is harmless (idempotent everywhere).
  }
  try {
    try {
      await revokeWorkosSession(previous.sessionId, { timeoutMs: SUPERSEDE_TIMEOUT_MS });
    } catch (error) {
      if (!(error instanceof WorkosError && error.kind === 'not_found')) throw error;
    }
    await registry.revoke({
      sessionId: previous.sessionId,
      userId: event.user.id,
      reason: 'reauthenticated',
      source: 'action',
      actor: { type: 'user', id: event.user.id, sessionId: event.sessionId },
    });
    const label = describeDevice(event.userAgent).label;
    await recordAudit({
      userId: event.user.id,
      kind: 'session_revoked',
      actor: { type: 'user', id: event.user.id, sessionId: event.sessionId, label },
      target: { sessionId: previous.sessionId, label },
      reason: 'reauthenticated',
      details: { source: 'callback' },
    });
    return true;
  } catch (error) {
    console.error('[sessions] could not end the session replaced by re-authentication', error instanceof Error ? error.message : error);
    return false;
  }
}

/**
 * For /callback (lib/auth/hooks.ts `onSignIn`): records the sign-in in the security activity (new device / IP
 * flags) and ends the session this browser held before, when it belonged to the same user.
 * `previous` defaults to the session the proxy verified for the callback request (the old cookie).
 */
export async function handleSignIn(event: SignInEvent, previous?: PreviousSession | null): Promise<void> {
  const prior = previous === undefined ? await findPreviousSession() : previous;
  try {
    await recordSignIn({
      userId: event.user.id,
      sessionId: event.sessionId,
      userAgent: event.userAgent,
      ipAddress: event.ipAddress,
      authenticationMethod: event.authenticationMethod,
      impersonator: event.impersonator,
      source: 'callback',
      at: event.at,
    });
  } catch (error) {
    console.error('[sessions] could not record the sign-in', error instanceof Error ? error.message : error);
  }
  if (prior) await supersedePreviousSession(event, prior);
}
