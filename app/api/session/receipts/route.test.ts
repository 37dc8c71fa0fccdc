import { beforeEach, describe, expect, it, vi } from 'vitest';

const m = vi.hoisted(() => ({
  state: { status: 'active', session: { user: { id: 'user_ada' } } } as { status: string; session?: { user: { id: string } } },
}));
vi.mock('@/lib/env', () => ({
  getEnv: () => ({ WORKOS_COOKIE_PASSWORD: 'a-cookie-password-of-at-least-32-chars!', REVOCATION_RETENTION_SECONDS: 86_400 }),
}));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});
vi.mock('@/lib/auth/session', () => ({ getSessionState: async () => m.state }));

const { GET, POST } = await import('./route');
const { receiptTokenFor } = await import('@/lib/revocation/receipts');

const HASH = (n: number) => n.toString(16).padStart(32, '0');
const post = (body: string) => POST(new Request('http://app/api/session/receipts', { method: 'POST', body }));
const get = async (sessions: string) => GET(new Request(`http://app/api/session/receipts?sessions=${sessions}`));
const receiptsOf = async (sessions: string) => ((await (await get(sessions)).json()) as { receipts: unknown[] }).receipts;

beforeEach(() => {
  m.state = { status: 'active', session: { user: { id: 'user_ada' } } };
});

describe('POST /api/session/receipts (a revoked page says it was told)', () => {
  it('records the word once, as the owner then reads it back', async () => {
    const revokedAt = Date.now() - 200;
    const token = receiptTokenFor({ sessionHash: HASH(1), userId: 'user_ada', revokedAt });
    const first = await post(JSON.stringify({ receipt: token }));
    expect(first.status).toBe(204);
    const [receipt] = (await receiptsOf(HASH(1))) as { sessionHash: string; revokedAt: number; toldAt: number }[];
    expect(receipt).toMatchObject({ sessionHash: HASH(1), revokedAt });
    expect(receipt!.toldAt).toBeGreaterThanOrEqual(revokedAt + 200);

    expect((await post(JSON.stringify({ receipt: receiptTokenFor({ sessionHash: HASH(1), userId: 'user_ada', revokedAt }) }))).status).toBe(204);
    expect(await receiptsOf(HASH(1))).toEqual([receipt]);
  });

  it.each([
    ['not JSON', 'receipt=abc', 'The body is not JSON.'],
    ['no receipt', '{}', 'Expected {"receipt": "<token from event: revoked>"}.'],
    ['a forged receipt', JSON.stringify({ receipt: 'Zm9yZ2VkLXJlY2VpcHQtdGhhdC1pcy1sb25nLWVub3VnaA' }), 'This receipt was not issued by this app.'],
    ['a body too large', JSON.stringify({ receipt: 'x'.repeat(3_000) }), 'The body is too large.'],
  ])('answers 400 with a reason to %s, and records nothing', async (_, body, reason) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_receipt', reason });
    expect(await receiptsOf(HASH(9))).toEqual([]);
  });

  it('refuses a receipt older than the revocation retention, and records nothing', async () => {
    const token = receiptTokenFor({ sessionHash: HASH(2), userId: 'user_ada', revokedAt: Date.now() - 86_401_000 });
    const response = await post(JSON.stringify({ receipt: token }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ reason: 'This receipt is older than the revocation retention.' });
    expect(await receiptsOf(HASH(2))).toEqual([]);
  });
});

describe('GET /api/session/receipts (the revoker watches)', () => {
  it("answers only the caller's own sessions' receipts, whatever ids are asked for", async () => {
    await post(JSON.stringify({ receipt: receiptTokenFor({ sessionHash: HASH(3), userId: 'user_grace', revokedAt: Date.now() }) }));
    await post(JSON.stringify({ receipt: receiptTokenFor({ sessionHash: HASH(4), userId: 'user_ada', revokedAt: Date.now() }) }));
    const receipts = (await receiptsOf(`${HASH(3)},${HASH(4)}`)) as { sessionHash: string }[];
    expect(receipts.map((r) => r.sessionHash)).toEqual([HASH(4)]);
  });

  it('answers 401 to a caller without a live session', async () => {
    m.state = { status: 'revoked' };
    expect((await get(HASH(4))).status).toBe(401);
    m.state = { status: 'unauthenticated' };
    expect((await get(HASH(4))).status).toBe(401);
  });

  it.each([[''], ['not-a-hash'], [Array.from({ length: 51 }, (_, i) => HASH(i)).join(',')]])(
    'answers 400 with a reason to sessions=%s',
    async (sessions) => {
      const response = await get(sessions);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        reason: 'sessions: 1 to 50 session hashes, comma-separated',
      });
    },
  );
});
