/** Shared by the admin actions and the client components (no 'use server' here: it exports types and data). */

export const ADMIN_REASONS = [
  { value: 'offboarding', label: 'Offboarding' },
  { value: 'suspected_compromise', label: 'Suspected compromise' },
  { value: 'other', label: 'Other' },
] as const;

export type AdminReason = (typeof ADMIN_REASONS)[number]['value'];

export type AdminActionResult =
  | { status: 'idle' }
  | { status: 'success'; message: string }
  | { status: 'error'; message: string; fieldErrors?: { reason?: string; details?: string } };

export const IDLE: AdminActionResult = { status: 'idle' };

/** WorkOS could not confirm the administrator's role for this request (guard.ts): nothing was done. */
export const ADMIN_UNCONFIRMED =
  'We could not confirm your administrator role with WorkOS, so nothing was signed out. Please try again.';

/** The text stored with the revocation and shown to the user: "Offboarding", "Other: left the contractor pool". */
export function reasonText(reason: AdminReason, details: string): string {
  const label = ADMIN_REASONS.find((r) => r.value === reason)?.label ?? 'Other';
  return details ? `${label}: ${details}` : label;
}
