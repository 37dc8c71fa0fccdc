import 'server-only';
import { withAuth } from '@workos-inc/authkit-nextjs';
import { headers } from 'next/headers';
import { z } from 'zod';
import { PREVIOUS_SESSION_HEADER } from '@/lib/auth/routes';
import { recordSignIn } from '@/lib/audit';
import { listActiveSessions } from '@/lib/workos/client';
import type { AppUser, Impersonator } from '@/lib/workos/types';
import { describeDevice } from './device';
import { endSessions } from './end';

/** A completed sign-in, as /callback reports it. */
export interface SignInEvent {
  user: AppUser;
  /** IMPORTANT: raw session id; hash it (hashSessionId) before storing or logging. */
  sessionId: string | null;
  organizationId: string | null;
  /** As WorkOS's authenticate response names it: "Password", "MagicAuth", "SSO", … */
  authenticationMethod: string | null;
  impersonator: Impersonator | null;
  /** This request's client address (lib/security/client-ip): used only when WorkOS recorded none for the session. */
  ipAddress: string | null;
  userAgent: string | null;
  at: Date;
}

export interface PreviousSession {
  /** Raw id of the session this browser held before signing in again. */
  sessionId: string;
  userId: string;
  organizationId: string | null;
}

const previousSchema = z.object({
  sessionId: z.string().min(1),
  userId: z.string().min(1),
  organizationId: z.string().min(1).nullable().default(null),
});

/**
 * The session this browser held before /callback replaces it, if any: the one the proxy verified for this request,
 * or — when its token was due and so not verified — the one the proxy read from its sealed cookie
 * (PREVIOUS_SESSION_HEADER, which the proxy drops from every incoming request).
 */
async function findPreviousSession(): Promise<PreviousSession | null> {
  try {
    const auth = await withAuth();
    if (auth.user && auth.sessionId) {
      return { sessionId: auth.sessionId, userId: auth.user.id, organizationId: auth.organizationId ?? null };
    }
    const noted = (await headers()).get(PREVIOUS_SESSION_HEADER);
    if (!noted) return null;
    const parsed = previousSchema.safeParse(JSON.parse(noted));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Re-authenticating (e.g. before "Sign out everywhere") creates a NEW WorkOS session for this browser. The
 * one it replaces must not linger as a phantom "other device": it is ended through lib/sessions/end (WorkOS first,
 * then here; owed to WorkOS through the outbox if WorkOS does not confirm), with reason `reauthenticated`. Only for
 * the same user; an old session already locked out here is left as it is. Never throws.
 */
export async function supersedePreviousSession(
  event: Pick<SignInEvent, 'user' | 'sessionId' | 'userAgent'>,
  previous: PreviousSession,
): Promise<boolean> {
  if (!event.sessionId || previous.userId !== event.user.id || previous.sessionId === event.sessionId) return false;
  try {
    const label = describeDevice(event.userAgent).label;
    const [outcome] = await endSessions({
      targets: [
        {
          sessionId: previous.sessionId,
          userId: event.user.id,
          organizationId: previous.organizationId,
          label,
          ipAddress: null,
          expiresAt: null,
        },
      ],
      actor: { kind: 'user', userId: event.user.id, sessionId: event.sessionId, label },
      reason: 'reauthenticated',
      details: { via: 'callback' },
    });
    return outcome?.status === 'ended' || outcome?.status === 'pending_at_workos';
  } catch (error) {
    console.error('[sessions] could not end the session replaced by re-authentication', error instanceof Error ? error.message : error);
    return false;
  }
}

/**
 * Where a sign-in came from: the address WorkOS recorded for the session (the browser's own, seen by WorkOS's hosted
 * sign-in page), else the callback request's. The same rule as the security page's sessions and the `session.created`
 * event, so one sign-in never shows two addresses.
 */
async function signInAddress(event: SignInEvent): Promise<string | null> {
  if (!event.sessionId) return event.ipAddress;
  try {
    const session = (await listActiveSessions(event.user.id)).find((s) => s.id === event.sessionId);
    return session?.ipAddress ?? event.ipAddress;
  } catch (error) {
    console.error('[sessions] WorkOS could not say where the sign-in came from', error instanceof Error ? error.message : error);
    return event.ipAddress;
  }
}

/**
 * For /callback: records the sign-in in the security activity (new device / IP flags) and ends the session this
 * browser held before, when it belonged to the same user. `previous` defaults to the session the proxy verified
 * for the callback request (the old cookie). Never throws: signing in must not fail because of it.
 */
export async function handleSignIn(event: SignInEvent, previous?: PreviousSession | null): Promise<void> {
  const prior = previous === undefined ? await findPreviousSession() : previous;
  try {
    await recordSignIn({
      userId: event.user.id,
      sessionId: event.sessionId,
      organizationId: event.organizationId,
      userAgent: event.userAgent,
      ipAddress: await signInAddress(event),
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
