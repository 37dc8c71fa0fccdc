import { NextResponse } from 'next/server';
import * as z from 'zod/mini';
import { getSessionState } from '@/lib/auth/session';
import { acknowledgeReceipt, findReceipts } from '@/lib/revocation/receipts';
import { MAX_RECEIPT_TOKEN_LENGTH } from '@/lib/revocation/receipts/token';
import { MAX_RECEIPT_QUERY, UNAUTHENTICATED, type ReceiptsAnswer } from '@/lib/session-status/protocol';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const NO_STORE = { 'Cache-Control': 'no-store' };
const MAX_BODY_BYTES = 2_048;
const SESSION_HASH = /^[0-9a-f]{32}$/;

const acknowledgmentSchema = z.object({ receipt: z.string().check(z.minLength(1), z.maxLength(MAX_RECEIPT_TOKEN_LENGTH)) });

function invalid(reason: string): NextResponse {
  return NextResponse.json({ error: 'invalid_receipt', reason }, { status: 400, headers: NO_STORE });
}

/** A revoked session's page says it was told (the token from its `event: revoked`). Public: see lib/auth/routes. */
export async function POST(request: Request) {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return invalid('The body is too large.');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid('The body is not JSON.');
  }
  const parsed = acknowledgmentSchema.safeParse(body);
  if (!parsed.success) return invalid('Expected {"receipt": "<token from event: revoked>"}.');
  const acknowledgment = await acknowledgeReceipt(parsed.data.receipt);
  if (acknowledgment.status === 'invalid') return invalid('This receipt was not issued by this app.');
  if (acknowledgment.status === 'expired') return invalid('This receipt is older than the revocation retention.');
  return new Response(null, { status: 204, headers: NO_STORE });
}

/** The receipts of some of the caller's revoked sessions, for the security page to show as they come. */
export async function GET(request: Request) {
  const state = await getSessionState();
  if (state.status !== 'active') return NextResponse.json(UNAUTHENTICATED, { status: 401, headers: NO_STORE });
  const hashes = (new URL(request.url).searchParams.get('sessions') ?? '').split(',').filter(Boolean);
  if (hashes.length === 0 || hashes.length > MAX_RECEIPT_QUERY || !hashes.every((hash) => SESSION_HASH.test(hash))) {
    return NextResponse.json(
      { error: 'invalid_request', reason: `sessions: 1 to ${MAX_RECEIPT_QUERY} session hashes, comma-separated` },
      { status: 400, headers: NO_STORE },
    );
  }
  const found = await findReceipts(hashes);
  // Never trust an id from the client: only receipts of the caller's own sessions are answered.
  const receipts = [...found.values()]
    .filter((receipt) => receipt.userId === state.session.user.id)
    .map(({ sessionHash, revokedAt, toldAt }) => ({ sessionHash, revokedAt, toldAt }));
  return NextResponse.json({ receipts } satisfies ReceiptsAnswer, { headers: NO_STORE });
}
