import { cookies } from 'next/headers';
import { NextResponse } from 'next/server';
import { getSessionState } from '@/lib/auth/session';
import {
  refusalBody,
  setSessionStatus,
  SIGNED_OUT_MARKER_COOKIE,
  unauthenticatedBody,
  type ActiveStatus,
} from '@/lib/session-status/protocol';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'Cache-Control': 'no-store' };

/** The caller's session status (the session guard polls this): 200 active, 401 revoked or unauthenticated. */
export async function GET() {
  const state = await getSessionState();
  if (state.status === 'unauthenticated') {
    const body = unauthenticatedBody((await cookies()).get(SIGNED_OUT_MARKER_COOKIE)?.value);
    return NextResponse.json(body, { status: 401, headers: NO_STORE });
  }
  if (state.status === 'revoked') {
    const response = NextResponse.json(refusalBody(state.reason), { status: 401, headers: NO_STORE });
    setSessionStatus(response.headers, 'revoked');
    return response;
  }
  const { user } = state.session;
  return NextResponse.json(
    { status: 'active', user: { id: user.id, email: user.email, name: user.name } } satisfies ActiveStatus,
    { headers: NO_STORE },
  );
}
