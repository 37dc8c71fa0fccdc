import { NextResponse } from 'next/server';
import { getSessionState } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry, getSessionHub } from '@/lib/revocation';
import { accessTokenExpiry, createSessionEventStream, SSE_HEADERS } from '@/lib/revocation/event-stream';

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
  const hub = getSessionHub();
  // One stream per tab is plenty; a credential must not be able to hold unbounded server resources.
  if (state.status === 'active' && hub.countFor(state.session.sessionHash) >= getEnv().SSE_MAX_STREAMS_PER_SESSION) {
    return NextResponse.json(
      { error: 'too_many_streams' },
      { status: 429, headers: { 'Cache-Control': 'no-store', 'Retry-After': '30' } },
    );
  }
  const body = createSessionEventStream({
    registry,
    hub,
    sessionHash: state.session.sessionHash,
    userId: state.session.user.id,
    signal: request.signal,
    // Closed when the access token expires: the reconnect goes through the proxy, which refreshes or refuses.
    expiresAt: accessTokenExpiry(state.session.accessToken),
  });
  return new Response(body, { headers: SSE_HEADERS });
}
