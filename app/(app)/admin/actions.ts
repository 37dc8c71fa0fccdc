'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireSession } from '@/lib/auth/session';
import { limitCaller } from '@/lib/rate-limit';
import { describeEndOutcomes } from '@/lib/sessions/end';
import { WorkosError } from '@/lib/workos/client';
import { ADMIN_REASONS, ADMIN_UNCONFIRMED, reasonText, type AdminActionResult, type AdminReason } from './action-types';
import { requireAdministrator } from './guard';
import { findManagedUser, getUserSessions, signOutUserSessions } from './user-sessions';

/**
 * Administrators end another user's sessions (OWASP ASVS 7.4.5). Each action: rate limit (per session and per user,
 * before anything asks WorkOS: each action asks it several times) → authorize (requireAdministrator: the role
 * confirmed at WorkOS for this request, 403 otherwise, nothing done while WorkOS cannot confirm it) → validate (zod) → look the user and the session up at WorkOS (nothing from the browser is
 * trusted: the user must be an active member of the administrator's organization, and the session key is matched
 * among that user's sessions in that organization as WorkOS lists them) → end them through lib/sessions/end
 * (WorkOS first, then the registry and the user's security activity) → revalidate.
 */

const input = z
  .object({
    userId: z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/),
    // 'all', or the hashed session id the page shows (SessionView.key).
    target: z.union([z.literal('all'), z.string().regex(/^[a-f0-9]{32}$/)]),
    reason: z.enum(ADMIN_REASONS.map((r) => r.value) as [AdminReason, ...AdminReason[]], {
      message: 'Choose why you are signing this user out.',
    }),
    details: z.string().trim().max(300, { message: 'Keep the details under 300 characters.' }),
  })
  .superRefine((value, ctx) => {
    if (value.reason === 'other' && !value.details) {
      ctx.addIssue({ code: 'custom', path: ['details'], message: 'Say why when the reason is “Other”.' });
    }
  });

export async function signOutUserAsAdmin(_previous: AdminActionResult, formData: FormData): Promise<AdminActionResult> {
  const limited = await limitCaller('action', await requireSession());
  if (limited) return { status: 'error', message: `${limited.message} Nothing was signed out.` };
  const administrator = await requireAdministrator();
  if (administrator.status === 'unconfirmed') return { status: 'error', message: ADMIN_UNCONFIRMED };
  const { admin } = administrator;

  const parsed = input.safeParse({
    userId: formData.get('userId'),
    target: formData.get('target'),
    reason: formData.get('reason') ?? undefined,
    details: formData.get('details') ?? '',
  });
  if (!parsed.success) {
    const fields = parsed.error.flatten().fieldErrors;
    const fieldErrors = {
      ...(fields.reason?.[0] ? { reason: fields.reason[0] } : {}),
      ...(fields.details?.[0] ? { details: fields.details[0] } : {}),
    };
    return {
      status: 'error',
      message: Object.values(fieldErrors)[0] ?? 'That request was not valid. Reload the page and try again.',
      fieldErrors,
    };
  }
  const { userId, target, reason, details } = parsed.data;

  let user;
  let entries;
  try {
    // A user of another organization gets exactly the answer of a user that does not exist.
    user = await findManagedUser(admin, { userId });
    if (!user) return { status: 'error', message: 'That user no longer exists at WorkOS.' };
    entries = await getUserSessions(user, admin);
  } catch (error) {
    console.error('[admin] WorkOS lookup failed', error instanceof WorkosError ? error.kind : error);
    return { status: 'error', message: 'We could not reach WorkOS, so nothing was signed out. Please try again.' };
  }

  const targets = target === 'all' ? entries : entries.filter((e) => e.view.key === target);
  if (targets.length === 0) {
    revalidatePath('/admin');
    return {
      status: 'error',
      message:
        target === 'all'
          ? `${user.name} has no active sessions.`
          : 'That session is not active any more. The list has been refreshed.',
    };
  }

  const outcomes = await signOutUserSessions(targets, {
    admin,
    user,
    note: reasonText(reason, details),
    category: reason,
  });
  revalidatePath('/admin');

  // Only what is known: WorkOS-confirmed, locked out here but not yet confirmed, or not recorded (with why).
  const summary = describeEndOutcomes(outcomes);
  if (!summary.allEnded) return { status: 'error', message: summary.message };
  if (summary.pending.length > 0) return { status: 'success', message: summary.message };
  return {
    status: 'success',
    message:
      target === 'all'
        ? `Signed out all of ${user.name}’s sessions (${outcomes.length}).`
        : `Signed out ${user.name} on ${outcomes[0]?.target.label ?? 'that device'}.`,
  };
}
