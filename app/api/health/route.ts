import { NextResponse } from 'next/server';
import { getRevocationRegistry } from '@/lib/revocation';

export const dynamic = 'force-dynamic';

export function GET() {
  const revocation = getRevocationRegistry().health();
  return NextResponse.json(
    { status: revocation.status === 'ok' ? 'ok' : 'degraded', revocation },
    { headers: { 'Cache-Control': 'no-store' } },
  );
}
