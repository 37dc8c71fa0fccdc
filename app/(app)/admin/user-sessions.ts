import 'server-only';
import { endSessions, type EndOutcome } from '@/lib/sessions/end';
import { describeActiveSessions, endTargetOf, type DescribeOptions } from '@/lib/sessions/overview';
import type { SessionEntry } from '@/lib/sessions/view';
import { findUserByEmail, getUser, listOrganizationMemberships, type AppUser } from '@/lib/workos/client';
import type { AdminSession } from './guard';

/**
 * IMPORTANT: the one tenant check for the admin page and its actions. Users, sessions and ids at WorkOS span
 * the whole environment, but an administrator's role is only for their organization. A user is theirs to manage
 * only with an ACTIVE membership of the administrator's organization; anyone else is answered exactly like a
 * user that does not exist (null), so the page cannot be used to find out who exists in other organizations.
 * Throws a WorkosError when WorkOS cannot be asked.
 */
export async function findManagedUser(
  admin: AdminSession,
  lookup: { email: string } | { userId: string },
): Promise<AppUser | null> {
  const user = 'email' in lookup ? await findUserByEmail(lookup.email) : await getUser(lookup.userId);
  if (!user) return null;
  const memberships = await listOrganizationMemberships({
    userId: user.id,
    organizationId: admin.organizationId,
    statuses: ['active'],
  });
  const member = memberships.some(
    (m) => m.userId === user.id && m.organizationId === admin.organizationId && m.status === 'active',
  );
  return member ? user : null;
}

/**
 * Another user's active sessions IN THE ADMINISTRATOR'S ORGANIZATION (a session belongs to the organization of
 * its `organizationId`; sessions elsewhere, or with none, are not shown and cannot be signed out), described as
 * the security page describes them. Hints that compare a session with "this device" make no sense for someone
 * else's account, so only the inactivity hint is kept. Pass only a user from findManagedUser. Actions leave `list`
 * unset (WorkOS itself); the page passes the display cache. Throws a WorkosError when WorkOS cannot be asked.
 */
export async function getUserSessions(
  user: AppUser,
  admin: AdminSession,
  now = new Date(),
  list?: DescribeOptions['list'],
): Promise<SessionEntry[]> {
  const entries = await describeActiveSessions(
    user.id,
    { sessionId: admin.sessionId },
    now,
    { logTag: 'admin', ...(list ? { list } : {}) },
  );
  return entries.filter((entry) => entry.session.organizationId === admin.organizationId);
}

export interface AdminSignOut {
  admin: AdminSession;
  /** "Offboarding", "Suspected compromise: …" */
  note: string;
  category: string;
}

/**
 * Ends sessions of another user through lib/sessions/end (WorkOS first, then locked out here — every device told at
 * once — and written to the USER's activity; what WorkOS does not confirm is owed to it through the outbox). The
 * run stops if the administrator's own session is revoked meanwhile.
 */
export function signOutUserSessions(entries: SessionEntry[], input: AdminSignOut): Promise<EndOutcome[]> {
  return endSessions({
    // getUserSessions lists only the user's sessions of the administrator's organization: each line is theirs.
    targets: entries.map(endTargetOf),
    actor: {
      kind: 'administrator',
      userId: input.admin.user.id,
      sessionId: input.admin.sessionId,
      name: input.admin.user.name,
      organizationId: input.admin.organizationId,
    },
    reason: 'admin',
    note: input.note,
    details: { category: input.category, organizationId: input.admin.organizationId },
  });
}
