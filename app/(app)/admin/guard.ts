import 'server-only';
import { cache } from 'react';
import { requireSession, type CurrentSession } from '@/lib/auth/session';
import { listOrganizationMemberships, WorkosError } from '@/lib/workos/client';

const ADMIN_ROLE = 'admin';

/** An administrator's session: confirmed at WorkOS for `organizationId`, the session's organization. */
export type AdminSession = CurrentSession & { organizationId: string; organizationName: string };

export type AdministratorState =
  /** WorkOS lists an active membership of the session's organization with the `admin` role: act. */
  | { status: 'confirmed'; admin: AdminSession }
  /** Not an administrator of the session's organization (or a session of none): HTTP 403. */
  | { status: 'forbidden' }
  /** WorkOS could not be asked just now: no admin power without its word (fail closed), and no one is signed out. */
  | { status: 'unconfirmed' };

/**
 * The access token's word only: the `admin` role, in a session the administrator started themselves (support
 * impersonating an administrator is not that administrator: administrative acts must be their own). Enough to show
 * the way to the admin page, never to act: that is getAdministratorState.
 */
export function claimsAdministrator(session: Pick<CurrentSession, 'role' | 'impersonator'>): boolean {
  return session.role === ADMIN_ROLE && !session.impersonator;
}

/**
 * IMPORTANT: the one admin guard; the page AND every action ask it first (an action is a public endpoint of its own).
 * Whether this request may act as an administrator, and for which organization. The `admin` role of the access token
 * is only the first filter (no WorkOS call for anyone else): a token lives five minutes, and a role taken away at
 * WorkOS must end admin powers at once. So WorkOS is asked, on every request, for the caller's membership of the
 * session's organization (access-token `org_id`): it must be active and carry the `admin` role. A session of no
 * organization, or one support started by impersonating the administrator, administers no one; every lookup is
 * limited to that organization (see user-sessions.ts). A signed-out or revoked caller is redirected by requireSession.
 * `forbidden` is answered with HTTP 403 (Next's `forbidden()`); `unconfirmed` by doing nothing and saying so.
 */
export const getAdministratorState = cache(async (): Promise<AdministratorState> => {
  const session = await requireSession();
  const organizationId = session.organizationId;
  if (!claimsAdministrator(session) || !organizationId) return { status: 'forbidden' };
  let memberships;
  try {
    memberships = await listOrganizationMemberships({ userId: session.user.id, organizationId, statuses: ['active'] });
  } catch (error) {
    console.error(
      '[admin] could not confirm the administrator role at WorkOS',
      error instanceof WorkosError ? error.kind : error,
    );
    return { status: 'unconfirmed' };
  }
  const confirmed = memberships.find(
    (m) =>
      m.userId === session.user.id &&
      m.organizationId === organizationId &&
      m.status === 'active' &&
      m.roles.includes(ADMIN_ROLE),
  );
  if (!confirmed) {
    console.warn('[admin] WorkOS no longer gives this session the administrator role', {
      session: session.sessionHash,
      organizationId,
    });
    return { status: 'forbidden' };
  }
  return { status: 'confirmed', admin: { ...session, organizationId, organizationName: confirmed.organizationName ?? organizationId } };
});
