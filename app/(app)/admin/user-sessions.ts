import 'server-only';
import { recordAudit } from '@/lib/audit';
import { getRevocationRegistry } from '@/lib/revocation';
import { describeActiveSessions } from '@/lib/sessions/overview';
import type { SessionEntry } from '@/lib/sessions/view';
import {
  findUserByEmail,
  getUser,
  listOrganizationMemberships,
  revokeWorkosSession,
  WorkosError,
  type AppUser,
} from '@/lib/workos/client';
import type { AdminSession } from './guard';

/** One per WorkOS call: a hung call must not hang the whole action. */
const REVOKE_TIMEOUT_MS = 8_000;
const CONCURRENCY = 4;

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
 * else's account, so only the inactivity hint is kept. Pass only a user from findManagedUser.
 * Throws a WorkosError when WorkOS cannot be asked.
 */
export async function getUserSessions(user: AppUser, admin: AdminSession, now = new Date()): Promise<SessionEntry[]> {
  const entries = await describeActiveSessions(
    user.id,
    { sessionId: admin.sessionId, userAgent: null, ipAddress: null },
    now,
    'admin',
  );
  return entries
    .filter((entry) => entry.session.organizationId === admin.organizationId)
    .map((entry) => ({
      ...entry,
      view: { ...entry.view, hints: entry.view.hints.filter((hint) => hint.kind === 'inactive') },
    }));
}

export interface AdminSignOut {
  admin: AdminSession;
  user: AppUser;
  /** "Offboarding", "Suspected compromise: …" */
  note: string;
  category: string;
}

/**
 * Ends one session of another user. IMPORTANT: WorkOS first; only once WorkOS confirms (or no longer knows the
 * session) is it locked out here (registry: every device told at once) and written to the USER's activity.
 */
export async function signOutUserSession(entry: SessionEntry, input: AdminSignOut): Promise<void> {
  try {
    await revokeWorkosSession(entry.session.id, { timeoutMs: REVOKE_TIMEOUT_MS });
  } catch (error) {
    if (!(error instanceof WorkosError && error.kind === 'not_found')) throw error;
  }
  await getRevocationRegistry().revoke({
    sessionId: entry.session.id,
    userId: input.user.id,
    reason: 'admin',
    source: 'admin',
    actor: { type: 'admin', id: input.admin.user.id, sessionId: input.admin.sessionId },
    note: input.note,
  });
  try {
    await recordAudit({
      userId: input.user.id,
      kind: 'session_revoked',
      actor: { type: 'admin', id: input.admin.user.id, sessionId: input.admin.sessionId, label: input.admin.user.name },
      target: { sessionId: entry.session.id, label: entry.view.label },
      reason: 'admin',
      ipAddress: entry.session.ipAddress,
      details: { source: 'admin', note: input.note, category: input.category },
    });
  } catch (error) {
    // Ended at WorkOS and locked out here; a lost history line must not turn that into a failure.
    console.error('[admin] could not write the audit entry', error instanceof Error ? error.message : error);
  }
}

export interface AdminSignOutOutcome {
  revoked: SessionEntry[];
  /** With the error, so the message can say what is known (lib/sessions/failure-message.ts). */
  failed: { entry: SessionEntry; error: unknown }[];
}

/** Several sessions, a few at a time; keeps going past failures and says which ones failed, and why. */
export async function signOutUserSessions(entries: SessionEntry[], input: AdminSignOut): Promise<AdminSignOutOutcome> {
  const revoked: SessionEntry[] = [];
  const failed: AdminSignOutOutcome['failed'] = [];
  const queue = [...entries];
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      try {
        await signOutUserSession(entry, input);
        revoked.push(entry);
      } catch (error) {
        console.error('[admin] sign-out failed', entry.view.key, error instanceof Error ? error.message : error);
        failed.push({ entry, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  return { revoked, failed };
}
