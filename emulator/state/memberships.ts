import { newId } from '../ids.ts';
import type { Store } from '../store.ts';
import { ApiError, iso, membershipEventJson, notFound } from '../wire.ts';
import { getOrganization, ROLES } from './organizations.ts';

export type MembershipStatus = 'active' | 'inactive' | 'pending';

export const MEMBERSHIP_STATUSES: readonly MembershipStatus[] = ['active', 'inactive', 'pending'];

/** A user's membership of one organization. A user may have several, one per organization, as at WorkOS. */
export interface MembershipRecord {
  id: string;
  userId: string;
  organizationId: string;
  role: string;
  status: MembershipStatus;
  createdAt: number;
  updatedAt: number;
}

export function newMembership(
  input: Pick<MembershipRecord, 'userId' | 'organizationId' | 'role' | 'status'>,
  now: number,
): MembershipRecord {
  return { id: newId('om', now), ...input, createdAt: now, updatedAt: now };
}

export function requireRole(slug: string): string {
  // The spec's 422 for an unknown role on POST/PUT …/organization_memberships.
  if (!(ROLES as readonly string[]).includes(slug))
    throw new ApiError(422, { message: `Role '${slug}' is not a valid role.`, code: 'invalid_role' });
  return slug;
}

/** Organization memberships; every change is announced by an `organization_membership.*` event. */
export class Memberships {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Every membership, oldest first; of one user when given. */
  list(userId?: string): MembershipRecord[] {
    const { memberships } = this.store.state;
    return userId === undefined ? memberships : memberships.filter((m) => m.userId === userId);
  }

  require(id: string): MembershipRecord {
    const membership = this.store.state.memberships.find((m) => m.id === id);
    if (!membership) throw notFound('OrganizationMembership', id);
    return membership;
  }

  /** The user's ACTIVE membership of that organization: what signing in to it, and its tokens, need. */
  findActive(userId: string, organizationId: string): MembershipRecord | undefined {
    return this.store.state.memberships.find(
      (m) => m.userId === userId && m.organizationId === organizationId && m.status === 'active',
    );
  }

  listActive(userId: string): MembershipRecord[] {
    return this.store.state.memberships.filter((m) => m.userId === userId && m.status === 'active');
  }

  /**
   * `POST /user_management/organization_memberships`: a new active membership. For an organization where the user
   * has an inactive one, that one is activated with the given role instead (as the SDK documents).
   */
  create(input: { userId: string; organizationId: string; role?: string | null }): MembershipRecord {
    this.store.users.require(input.userId);
    if (!getOrganization(input.organizationId)) throw notFound('Organization', input.organizationId);
    const role = input.role ? requireRole(input.role) : 'member';
    const existing = this.store.state.memberships.find(
      (m) => m.userId === input.userId && m.organizationId === input.organizationId,
    );
    if (!existing) {
      const membership = newMembership(
        { userId: input.userId, organizationId: input.organizationId, role, status: 'active' },
        this.store.now(),
      );
      this.store.state.memberships.push(membership);
      this.store.events.emit('organization_membership.created', membershipEventJson(membership));
      return membership;
    }
    if (existing.status !== 'inactive') {
      throw new ApiError(422, {
        message: `The user already has a membership of organization '${input.organizationId}'.`,
        code: 'organization_membership_already_exists',
      });
    }
    return this.change(existing, { status: 'active', role });
  }

  /** `PUT …/organization_memberships/{id}`: a new role (`organization_membership.updated` when it changes). */
  setRole(id: string, roleSlug: string): MembershipRecord {
    const membership = this.require(id);
    return this.change(membership, { role: requireRole(roleSlug) });
  }

  /**
   * `PUT …/deactivate` and `…/reactivate`. Already in that state: unchanged, no event. A pending membership (an
   * invitation) can do neither: it is deleted, or accepted, instead.
   */
  setActive(id: string, active: boolean): MembershipRecord {
    const membership = this.require(id);
    if (membership.status === 'pending') {
      // The spec's 400 codes for PUT …/deactivate and …/reactivate of a pending membership.
      throw new ApiError(400, {
        message: `A pending organization membership cannot be ${active ? 'reactivated' : 'deactivated'}.${
          active ? ' The user needs to accept the invitation instead.' : ''
        }`,
        code: active
          ? 'cannot_reactivate_pending_organization_membership'
          : 'cannot_deactivate_pending_organization_membership',
      });
    }
    return this.change(membership, { status: active ? 'active' : 'inactive' });
  }

  /** `DELETE …/organization_memberships/{id}`: gone for good (`organization_membership.deleted`). */
  delete(id: string): void {
    const membership = this.require(id);
    const { state } = this.store;
    state.memberships = state.memberships.filter((m) => m !== membership);
    this.store.events.emit('organization_membership.deleted', {
      ...membershipEventJson(membership),
      updated_at: iso(this.store.now()),
    });
  }

  private change(membership: MembershipRecord, patch: Partial<Pick<MembershipRecord, 'role' | 'status'>>) {
    const changed = Object.entries(patch).some(([key, value]) => membership[key as keyof typeof patch] !== value);
    if (!changed) return membership;
    Object.assign(membership, patch, { updatedAt: this.store.now() });
    this.store.events.emit('organization_membership.updated', membershipEventJson(membership));
    return membership;
  }
}
