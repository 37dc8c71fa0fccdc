import 'server-only';
import { forbidden } from 'next/navigation';
import { requireSession, type CurrentSession } from '@/lib/auth/session';

/** An administrator's session: the role is the one WorkOS gives for `organizationId`, so it is always set. */
export type AdminSession = CurrentSession & { organizationId: string };

/**
 * The administrator's live session (WorkOS role `admin`). Anyone else signed in gets HTTP 403 through Next's
 * `forbidden()` (experimental.authInterrupts); a signed-out or revoked caller is redirected by requireSession.
 * The `admin` role belongs to the session's organization (access-token `org_id`): a session without one cannot
 * administer anyone, and every lookup is limited to that organization (see user-sessions.ts).
 * IMPORTANT: the page AND every action call this; an action is a public endpoint of its own.
 */
export async function requireAdministrator(): Promise<AdminSession> {
  const session = await requireSession();
  if (session.role !== 'admin' || !session.organizationId) forbidden();
  return { ...session, organizationId: session.organizationId };
}
