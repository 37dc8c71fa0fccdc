import { NextResponse } from 'next/server';
import { z } from 'zod';
import { refreshMetrics } from '@/lib/auth/refresh';
import { getEnv } from '@/lib/env';
import { eventsDetail, replayEvent } from '@/lib/events/runtime';
import { getRevocationRegistry } from '@/lib/revocation';
import { getSessionHub } from '@/lib/revocation/push';
import { isBearer } from '@/lib/security/bearer';
import { outboxStats } from '@/lib/sessions/end';
import { describeRevocationHealth } from '../public-health';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'Cache-Control': 'no-store' };

/** 404 without OPS_TOKEN (nothing to find), 401 for any other token; null when the caller is an operator. */
function refuseNonOperator(request: Request): NextResponse | null {
  const token = getEnv().OPS_TOKEN;
  if (!token) return NextResponse.json({ error: 'not_found' }, { status: 404, headers: NO_STORE });
  if (isBearer(request.headers.get('authorization'), token)) return null;
  return NextResponse.json({ error: 'unauthorized' }, { status: 401, headers: { ...NO_STORE, 'WWW-Authenticate': 'Bearer' } });
}

/**
 * For operators (Authorization: Bearer OPS_TOKEN): the registry's full health with its detail; this process's
 * refresh counters and wait times; the WorkOS outbox (sessions locked out here whose end WorkOS has not confirmed);
 * the event ledger's counts and its parked events (dead letters), with why; the push streams open on this instance
 * and the sessions they belong to (one stream per browser, however many tabs: hooks/session-status/leader.ts).
 */
export async function GET(request: Request) {
  const refused = refuseNonOperator(request);
  if (refused) return refused;
  const registry = getRevocationRegistry();
  const health = registry.health();
  const hub = getSessionHub();
  return NextResponse.json(
    {
      revocation: {
        backend: health.backend,
        status: health.status,
        detail: describeRevocationHealth(health),
        knowsRevocations: registry.knowsRevocations(),
      },
      refresh: (await refreshMetrics()).snapshot(),
      workosOutbox: await outboxStats(),
      events: eventsDetail(),
      pushStreams: { open: hub.size(), sessions: hub.sessionCount() },
    },
    { headers: NO_STORE },
  );
}

const replaySchema = z.object({ replay: z.string().trim().min(1).max(200) }).strict();

/** Operators replay a parked event: `{"replay": "<event id>"}`. 400 for anything else, 404 for an unknown id. */
export async function POST(request: Request) {
  const refused = refuseNonOperator(request);
  if (refused) return refused;
  const parsed = replaySchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    return NextResponse.json(
      { error: 'invalid_request', message: 'Send {"replay": "<event id>"} for a parked event.' },
      { status: 400, headers: NO_STORE },
    );
  }
  const outcome = await replayEvent(parsed.data.replay);
  if (!outcome) {
    return NextResponse.json({ error: 'not_found', message: 'No parked event with that id.' }, { status: 404, headers: NO_STORE });
  }
  return NextResponse.json({ replayed: parsed.data.replay, outcome }, { headers: NO_STORE });
}
