import type { SdkEvent, SdkMembership, SdkSession, SdkUser } from './sdk';
import { WorkosError, type AppMembership, type AppSession, type AppUser, type MembershipStatus, type WorkosEvent } from './types';

/** Wire shapes to the app's own types. A field WorkOS sent malformed throws a WorkosError of kind `invalid`. */

/** An event of a page: mapped, or what is known of one that could not be (to park it with its reason). */
export type ListedEvent =
  | { ok: true; event: WorkosEvent }
  | { ok: false; id: string; type: string; reason: string; payload: string };

function toDate(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new WorkosError('invalid', `WorkOS sent an invalid timestamp: ${value}`);
  return date;
}

function toStatus(value: string): AppSession['status'] {
  return value === 'active' || value === 'revoked' ? value : 'expired';
}

export function mapSession(session: SdkSession): AppSession {
  return {
    id: session.id,
    userId: session.userId,
    organizationId: session.organizationId ?? null,
    status: toStatus(session.status),
    authMethod: session.authMethod,
    ipAddress: session.ipAddress ?? null,
    userAgent: session.userAgent ?? null,
    impersonator: session.impersonator
      ? { email: session.impersonator.email, reason: session.impersonator.reason ?? null }
      : null,
    expiresAt: toDate(session.expiresAt),
    endedAt: session.endedAt ? toDate(session.endedAt) : null,
    createdAt: toDate(session.createdAt),
    updatedAt: toDate(session.updatedAt),
  };
}

export function displayName(user: { email: string; firstName?: string | null; lastName?: string | null }): string {
  const name = [user.firstName, user.lastName]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return name || user.email;
}

export function mapUser(user: SdkUser): AppUser {
  return {
    id: user.id,
    email: user.email,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    name: displayName(user),
  };
}

function toMembershipStatus(value: string): MembershipStatus {
  if (value === 'active' || value === 'inactive' || value === 'pending') return value;
  throw new WorkosError('invalid', `WorkOS sent an unknown membership status: ${value}`);
}

export function mapMembership(membership: SdkMembership): AppMembership {
  return {
    id: membership.id,
    userId: membership.userId,
    organizationId: membership.organizationId,
    organizationName: membership.organizationName ?? null,
    role: membership.role?.slug ?? null,
    roles: membership.roles?.map((r) => r.slug) ?? (membership.role ? [membership.role.slug] : []),
    status: toMembershipStatus(membership.status),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function mapEvent(event: SdkEvent): WorkosEvent {
  const data = isObject(event.data) ? event.data : {};
  let session: AppSession | null = null;
  let user: AppUser | null = null;
  let userId: string | null = null;
  if (event.event.startsWith('session.')) {
    session = mapSession(data as unknown as SdkSession);
    userId = session.userId;
  } else if (event.event.startsWith('user.')) {
    user = mapUser(data as unknown as SdkUser);
    userId = user.id;
  } else if (typeof data.userId === 'string') {
    userId = data.userId;
  }
  return { id: event.id, event: event.event, createdAt: toDate(event.createdAt), data, session, user, userId };
}

/** Maps one event of a page, never throwing: see ListedEvent. */
export function listedEvent(raw: SdkEvent): ListedEvent {
  try {
    return { ok: true, event: mapEvent(raw) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    let payload: string;
    try {
      payload = JSON.stringify(raw);
    } catch {
      payload = '{}';
    }
    return { ok: false, id: String(raw?.id ?? ''), type: String(raw?.event ?? 'unknown'), reason, payload };
  }
}
