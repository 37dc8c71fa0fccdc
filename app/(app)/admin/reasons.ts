/** Why an administrator signs someone out: the choices of the form, and the text stored and shown. Client-safe. */

export const ADMIN_REASONS = [
  { value: 'offboarding', label: 'Offboarding' },
  { value: 'suspected_compromise', label: 'Suspected compromise' },
  { value: 'other', label: 'Other' },
] as const;

export type AdminReason = (typeof ADMIN_REASONS)[number]['value'];

/** The text stored with the revocation and shown to the user: "Offboarding", "Other: left the contractor pool". */
export function reasonText(reason: AdminReason, details: string): string {
  const label = ADMIN_REASONS.find((r) => r.value === reason)?.label ?? 'Other';
  return details ? `${label}: ${details}` : label;
}
