import { NextResponse } from 'next/server';
import { getSessionState } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '@/lib/revocation';
import {
  accessTokenExpiry,
  createSessionEventStream,
  fullStreamScope,
  getSessionHub,
  SSE_HEADERS,
} from '@/lib/revocation/push';
import { UNAUTHENTICATED } from '@/lib/session-status/protocol';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const STREAM_RETRY_AFTER_SECONDS = 30;

/** Server-sent events for the caller's session: `event: revoked` the moment it is revoked, from any source. */
export async function GET(request: Request) {
  const state = await getSessionState();
  if (state.status === 'unauthenticated') {
    return NextResponse.json(UNAUTHENTICATED, { status: 401, headers: { 'Cache-Control': 'no-store' } });
  }
  const registry = getRevocationRegistry();
  await registry.ready();
  const hub = getSessionHub();
  if (state.status === 'active') {
    const env = getEnv();
    const caps = {
      perSession: env.SSE_MAX_STREAMS_PER_SESSION,
      perUser: env.SSE_MAX_STREAMS_PER_USER,
      perInstance: env.SSE_MAX_STREAMS_PER_INSTANCE,
    };
    const full = fullStreamScope(hub, caps, { sessionHash: state.session.sessionHash, userId: state.session.user.id });
    // EventSource cannot read this answer: the session guard backs off, and its polling and probes go on meanwhile.
    if (full) {
      return NextResponse.json(
        { error: 'too_many_streams', scope: full },
        { status: 429, headers: { 'Cache-Control': 'no-store', 'Retry-After': String(STREAM_RETRY_AFTER_SECONDS) } },
      );
    }
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
