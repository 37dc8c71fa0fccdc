import { NextResponse } from 'next/server';
import { getSessionState } from '@/lib/auth/session';
import { getRevocationRegistry, getSessionHub } from '@/lib/revocation';
import { createSessionEventStream, SSE_HEADERS } from '@/lib/revocation/event-stream';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Server-sent events for the caller's session: `event: revoked` the moment it is revoked, from any source. */
export async function GET(request: Request) {
  const state = await getSessionState();
  if (state.status === 'unauthenticated') {
    return NextResponse.json({ error: 'unauthenticated' }, { status: 401, headers: { 'Cache-Control': 'no-store' } });
  }
  const registry = getRevocationRegistry();
  await registry.ready();
  const body = createSessionEventStream({
    registry,
    hub: getSessionHub(),
    sessionHash: state.session.sessionHash,
    userId: state.session.user.id,
    signal: request.signal,
  });
  return new Response(body, { headers: SSE_HEADERS });
}
