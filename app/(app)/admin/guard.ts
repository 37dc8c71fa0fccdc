import 'server-only';
import { forbidden } from 'next/navigation';
import { requireSession, type CurrentSession } from '@/lib/auth/session';

/**
 * The administrator's live session (WorkOS role `admin`). Anyone else signed in gets HTTP 403 through Next's
 * `forbidden()` (experimental.authInterrupts); a signed-out or revoked caller is redirected by requireSession.
 * IMPORTANT: the page AND every action call this; an action is a public endpoint of its own.
 */
export async function requireAdministrator(): Promise<CurrentSession> {
  const session = await requireSession();
  if (session.role !== 'admin') forbidden();
  return session;
}
