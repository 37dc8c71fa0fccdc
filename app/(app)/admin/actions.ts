'use server';

import { forbidden } from 'next/navigation';
import { z } from 'zod';
import { actionError, type SessionActionResult } from '@/lib/sessions/actions/result';
import { resultOfOutcomes, sessionAction, type Step } from '@/lib/sessions/actions/session-action';
import type { SessionEntry } from '@/lib/sessions/view';
import { WorkosError, type AppUser } from '@/lib/workos/client';
import { getAdministratorState, type AdminSession } from './guard';
import { ADMIN_REASONS, reasonText, type AdminReason } from './reasons';
import { findManagedUser, getUserSessions, signOutUserSessions } from './user-sessions';

/**
 * Administrators end another user's sessions (OWASP ASVS 7.4.5), run by lib/sessions/actions/session-action.ts: the
 * rate limit comes before anything asks WorkOS (each action asks it several times); authorise is the admin guard
 * (the role confirmed at WorkOS for this request, 403 otherwise, nothing done while WorkOS cannot confirm it); nothing
 * from the browser is trusted: the user must be an active member of the administrator's organization, and the session
 * key is matched among that user's sessions in that organization as WorkOS lists them.
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

async function asAdministrator(): Promise<Step<AdminSession>> {
  const state = await getAdministratorState();
  if (state.status === 'forbidden') forbidden();
  if (state.status === 'unconfirmed') {
    return {
      stop: actionError('unavailable', 'We could not confirm your administrator role with WorkOS, so nothing was signed out. Please try again.'),
    };
  }
  return { ok: state.admin };
}

export const signOutUserAsAdmin = sessionAction({
  page: '/admin',
  authorise: asAdministrator,
  parse: ([, formData]: [SessionActionResult, FormData]): Step<z.infer<typeof input>> => {
    const parsed = input.safeParse({
      userId: formData.get('userId'),
      target: formData.get('target'),
      reason: formData.get('reason') ?? undefined,
      details: formData.get('details') ?? '',
    });
    if (parsed.success) return { ok: parsed.data };
    const fields = parsed.error.flatten().fieldErrors;
    const fieldErrors = {
      ...(fields.reason?.[0] ? { reason: fields.reason[0] } : {}),
      ...(fields.details?.[0] ? { details: fields.details[0] } : {}),
    };
    const message = Object.values(fieldErrors)[0] ?? 'That request was not valid. Reload the page and try again.';
    return { stop: actionError('invalid_input', message, fieldErrors) };
  },
  load: async (admin, { userId, target }): Promise<Step<{ user: AppUser; targets: SessionEntry[] }>> => {
    let user;
    let entries;
    try {
      // A user of another organization gets exactly the answer of a user that does not exist.
      user = await findManagedUser(admin, { userId });
      if (!user) return { stop: actionError('not_found', 'That user no longer exists at WorkOS.') };
      entries = await getUserSessions(user, admin);
    } catch (error) {
      console.error('[admin] WorkOS lookup failed', error instanceof WorkosError ? error.kind : error);
      return { stop: actionError('unavailable', 'We could not reach WorkOS, so nothing was signed out. Please try again.') };
    }
    const targets = target === 'all' ? entries : entries.filter((e) => e.view.key === target);
    if (targets.length > 0) return { ok: { user, targets } };
    const message =
      target === 'all' ? `${user.name} has no active sessions.` : 'That session is not active any more. The list has been refreshed.';
    return { stop: actionError('not_found', message), revalidate: true };
  },
  act: async (admin, { target, reason, details }, { user, targets }) => {
    const outcomes = await signOutUserSessions(targets, { admin, note: reasonText(reason, details), category: reason });
    return resultOfOutcomes(outcomes, {
      confirmed:
        target === 'all'
          ? `Signed out all of ${user.name}’s sessions (${outcomes.length}).`
          : `Signed out ${user.name} on ${outcomes[0]?.target.label ?? 'that device'}.`,
    });
  },
});
