import { NextResponse } from 'next/server';
import { refreshMetrics } from '@/lib/auth/refresh';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '@/lib/revocation';
import { isBearer } from '@/lib/security/bearer';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'Cache-Control': 'no-store' };

/**
 * For operators (Authorization: Bearer OPS_TOKEN): the registry's full health, with its detail, and this process's
 * refresh counters (grants, shared results, lost races recovered, reuse, retries) and wait times. Not found when
 * OPS_TOKEN is unset; 401 for any other token.
 */
export async function GET(request: Request) {
  const token = getEnv().OPS_TOKEN;
  if (!token) return NextResponse.json({ error: 'not_found' }, { status: 404, headers: NO_STORE });
  if (!isBearer(request.headers.get('authorization'), token)) {
    return NextResponse.json(
      { error: 'unauthorized' },
      { status: 401, headers: { ...NO_STORE, 'WWW-Authenticate': 'Bearer' } },
    );
  }
  return NextResponse.json(
    { revocation: getRevocationRegistry().health(), refresh: (await refreshMetrics()).snapshot() },
    { headers: NO_STORE },
  );
}
