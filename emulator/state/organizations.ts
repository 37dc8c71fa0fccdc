/** The environment's organizations and roles: fixed, seeded ones (WorkOS manages them in its dashboard). */

export const ORGANIZATION = { id: 'org_demo', name: 'Demo Org' } as const;
/** A second organization, so that tenant isolation can be exercised (its users are no business of org_demo). */
export const OTHER_ORGANIZATION = { id: 'org_other', name: 'Other Org' } as const;
const ORGANIZATIONS: readonly { id: string; name: string }[] = [ORGANIZATION, OTHER_ORGANIZATION];

export const ROLES = ['admin', 'member'] as const;

/** The `permissions` claim of a token, by the role of the membership it was issued for. */
export const PERMISSIONS: Record<string, string[]> = {
  admin: ['sessions:manage', 'users:manage'],
  member: [],
};

export function getOrganization(id: string): { id: string; name: string } | undefined {
  return ORGANIZATIONS.find((o) => o.id === id);
}

/** The organization's name, or its id when there is no such organization. */
export function organizationName(id: string): string {
  return getOrganization(id)?.name ?? id;
}
