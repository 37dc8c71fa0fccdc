import { NextResponse } from 'next/server';
import { getRevocationRegistry } from '@/lib/revocation';
import { logHealthChange, publicRevocationHealth } from './public-health';

export const dynamic = 'force-dynamic';

const READY_WAIT_MS = 5_000;

/**
 * For load balancers and start-up scripts. 503 until the revocation registry has loaded every live revocation
 * (an instance that could let a revoked session through must not take traffic: also one that started with an
 * empty database while Redis is unreachable, until Redis returns); 200 once it has, including
 * while degraded (Redis down: this instance still enforces everything it knows and queues new revocations),
 * so that a shared-store outage does not take every instance out of the pool at once.
 * Public, so it says only `status` and the registry's backend/status/starting; the detail goes to the log.
 */
export async function GET() {
  const registry = getRevocationRegistry();
  const loaded = await Promise.race([
    registry.ready().then(
      () => true,
      () => false,
    ),
    new Promise<false>((resolve) => setTimeout(resolve, READY_WAIT_MS, false)),
  ]);
  const health = registry.health();
  logHealthChange(health);
  const revocation = publicRevocationHealth(health);
  const headers = { 'Cache-Control': 'no-store' };
  // Fail closed: an instance that has never loaded the revocation set must not take traffic.
  if (!loaded || !registry.knowsRevocations()) {
    return NextResponse.json({ status: 'unavailable', revocation }, { status: 503, headers });
  }
  return NextResponse.json({ status: revocation.status === 'ok' ? 'ok' : 'degraded', revocation }, { headers });
}
