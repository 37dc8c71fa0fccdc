import 'server-only';
import type { NextRequest, NextResponse } from 'next/server';
import type { UserInfo, NoUserInfo } from '@workos-inc/authkit-nextjs';
import { getRevocationRegistry } from '../index';
import { askToRetry, refuseRevokedSession, type RefusalOptions } from './refusal';

/** What the gate needs to know of sessions, from their owner (lib/auth): built by the proxy. */
export interface GateOptions {
  /** How a refusal clears the session cookie (its name included) and where it sends a document. */
  refusal: RefusalOptions;
  isPublicPath(pathname: string): boolean;
}

/**
 * The proxy's revocation gate: the response that refuses a revoked session (see `refuseRevokedSession`), or
 * null to let the request through. One awaited (already settled) promise and one map lookup per request.
 */
export async function enforceRevocation(
  request: NextRequest,
  session: UserInfo | NoUserInfo,
  refusal: RefusalOptions,
): Promise<NextResponse | null> {
  if (!session.user || !session.sessionId) return null;
  const registry = getRevocationRegistry();
  await registry.ready();
  const record = registry.check(session.sessionId, session.user.id);
  if (!record) return null;
  return refuseRevokedSession(request, record, refusal);
}

/**
 * Fail closed: while this instance has never loaded the revocation set (an empty database and Redis unreachable
 * since it started), a request carrying a session is not judged. Protected paths answer 503 "temporarily
 * unavailable" (the page retries by itself); public pages go on, with the session taken off the request so they
 * render signed out. Null when the registry knows its set, or the request carries no session.
 */
export async function refuseWhileUnknown(request: NextRequest, options: GateOptions): Promise<NextResponse | null> {
  const { cookieName } = options.refusal;
  if (!request.cookies.has(cookieName)) return null;
  const registry = getRevocationRegistry();
  await registry.ready();
  if (registry.knowsRevocations()) return null;
  if (options.isPublicPath(request.nextUrl.pathname)) {
    request.cookies.delete(cookieName);
    return null;
  }
  return askToRetry(request, 5, 'temporarily_unavailable');
}
