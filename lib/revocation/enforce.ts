// STUB — owned by the revocation work (issue 4). Signatures are the contract used by proxy.ts.
import type { NextRequest, NextResponse } from 'next/server';
import type { UserInfo, NoUserInfo } from '@workos-inc/authkit-nextjs';

/** Returns the response that refuses a revoked session, or null to let the request through. */
export function enforceRevocation(_request: NextRequest, _session: UserInfo | NoUserInfo): NextResponse | null {
  return null;
}

/** authkit's onSessionRefreshError: an `invalid_grant` means WorkOS ended the session. */
export async function recordRefreshFailure(
  _request: NextRequest,
  _params: { error?: unknown; isTransient: boolean },
): Promise<void> {}
