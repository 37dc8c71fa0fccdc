import { NextResponse } from 'next/server';
import { getSessionState } from '@/lib/auth/session';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'Cache-Control': 'no-store' };

/** The caller's session status (the session guard polls this): 200 active, 401 revoked or unauthenticated. */
export async function GET() {
  const state = await getSessionState();
  if (state.status === 'unauthenticated') {
    return NextResponse.json({ error: 'unauthenticated' }, { status: 401, headers: NO_STORE });
  }
  if (state.status === 'revoked') {
    return NextResponse.json(
      { error: 'session_revoked', reason: state.reason },
      { status: 401, headers: { ...NO_STORE, 'X-Session-Status': 'revoked' } },
    );
  }
  const { user } = state.session;
  return NextResponse.json(
    { status: 'active', user: { id: user.id, email: user.email, name: user.name } },
    { headers: NO_STORE },
  );
}
