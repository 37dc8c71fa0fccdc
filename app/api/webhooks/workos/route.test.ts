import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isProcessed, listParked, parkEvent, readLedger } from '@/lib/events/ledger';
import { processEvent } from '@/lib/events/process-event';
import { fakeDeps, TEST_BOX } from '@/test/event-fakes';

const SECRET = 'whsec_test_secret';

const state = vi.hoisted(() => ({
  env: { REVOCATION_SIGNALS: 'both', WORKOS_WEBHOOK_SECRET: 'whsec_test_secret' as string | undefined },
  deps: null as unknown as ReturnType<typeof fakeDeps>,
}));

vi.mock('@/lib/env', () => ({ getEnv: () => state.env }));
// The real SDK verifies: the route must hand it the raw body exactly as received.
vi.mock('@workos-inc/authkit-nextjs', async () => {
  const { WorkOS } = await import('@workos-inc/node');
  const workos = new WorkOS('sk_test_route');
  return { getWorkOS: () => workos };
});
vi.mock('@/lib/db', () => ({ getDb: () => state.deps.db }));
vi.mock('@/lib/events/runtime', () => ({
  processWorkosEvent: (event: Parameters<typeof processEvent>[0], channel: 'webhook' | 'events') =>
    processEvent(event, channel, state.deps.deps),
  parkUnusableEvent: (event: { id: string; type: string; payload: string }, channel: 'webhook' | 'events', reason: string) =>
    parkEvent(state.deps.db, { ...event, payload: TEST_BOX.seal(event.payload) }, channel, reason, Date.now()),
  log: () => {},
}));

const { POST } = await import('./route');

function sign(body: string, timestamp = Date.now(), secret = SECRET): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp}, v1=${v1}`;
}

function post(body: string, signature: string | null): Request {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (signature !== null) headers.set('WorkOS-Signature', signature);
  return new Request('http://localhost/api/webhooks/workos', { method: 'POST', body, headers });
}

const sessionData = {
  object: 'session',
  id: 'session_01WEBHOOK',
  user_id: 'user_grace',
  organization_id: 'org_demo',
  status: 'revoked',
  auth_method: 'password',
  ip_address: '198.51.100.4',
  user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  expires_at: '2026-12-01T00:00:00.000Z',
  ended_at: '2026-11-24T10:00:00.000Z',
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-24T10:00:00.000Z',
};

function body(fields: Record<string, unknown> = {}): string {
  // Spacing WorkOS might use but JSON.stringify would not reproduce: the signature must cover these exact bytes.
  return JSON.stringify(
    { id: 'event_01REVOKED', event: 'session.revoked', data: sessionData, created_at: '2026-11-24T10:00:00.000Z', ...fields },
    null,
    1,
  );
}

beforeEach(() => {
  state.env = { REVOCATION_SIGNALS: 'both', WORKOS_WEBHOOK_SECRET: SECRET };
  state.deps = fakeDeps();
});

describe('POST /api/webhooks/workos', () => {
  it('acts on a correctly signed session.revoked and answers 200', async () => {
    const raw = body();
    const response = await POST(post(raw, sign(raw)));

    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ received: true, status: 'processed' });
    expect(state.deps.registry.check('session_01WEBHOOK', 'user_grace')).toMatchObject({
      reason: 'revoked_at_workos',
      source: 'webhook',
      actor: { type: 'workos' },
    });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('acknowledges a replayed or duplicated delivery and acts on it once', async () => {
    const raw = body();
    const first = await POST(post(raw, sign(raw)));
    const replay = await POST(post(raw, sign(raw)));

    expect([first.status, replay.status]).toEqual([200, 200]);
    await expect(replay.json()).resolves.toEqual({ received: true, status: 'duplicate' });
    expect(state.deps.registry.revokeCalls).toHaveLength(1);
    expect(state.deps.audit.entries).toHaveLength(1);
  });

  it('answers 401 to a forged signature and changes nothing', async () => {
    const raw = body();
    const response = await POST(post(raw, sign(raw, Date.now(), 'not-the-secret')));

    expect(response.status).toBe(401);
    await expect(response.json()).resolves.toEqual({ error: 'invalid_signature' });
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
    expect(isProcessed(state.deps.db, 'event_01REVOKED')).toBe(false);
  });

  it('answers 401 when the body was altered after signing', async () => {
    const raw = body();
    const tampered = raw.replace('user_grace', 'user_alan');
    const response = await POST(post(tampered, sign(raw)));

    expect(response.status).toBe(401);
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
  });

  it('answers 401 when the signature is re-computed over a re-serialised body instead of the raw one', async () => {
    const raw = body();
    const response = await POST(post(raw, sign(JSON.stringify(JSON.parse(raw)))));

    expect(response.status).toBe(401);
  });

  it('answers 401 without the WorkOS-Signature header', async () => {
    const response = await POST(post(body(), null));

    expect(response.status).toBe(401);
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
  });

  it('answers 401 to a stale timestamp, even with a valid signature', async () => {
    const raw = body();
    const response = await POST(post(raw, sign(raw, Date.now() - 10 * 60_000)));

    expect(response.status).toBe(401);
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
  });

  it('answers 401 to a signature dated in the future (the SDK only checks the past), and acts on nothing', async () => {
    const raw = body();
    const response = await POST(post(raw, sign(raw, Date.now() + 10 * 60_000)));
    expect(response.status).toBe(401);
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
    // Within the tolerance (clock skew) it is accepted.
    expect((await POST(post(raw, sign(raw, Date.now() + 60_000)))).status).toBe(200);
  });

  it('parks a correctly signed body that is not JSON, with why, and acknowledges it (WorkOS must not retry it forever)', async () => {
    const raw = '{"id": "event_x", "event": "session.revoked"';
    const response = await POST(post(raw, sign(raw)));

    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ received: true, status: 'parked' });
    expect(listParked(state.deps.db)).toEqual([
      expect.objectContaining({ eventId: expect.stringMatching(/^unreadable:[0-9a-f]{24}$/), reason: expect.stringMatching(/^could not be read/) }),
    ]);
  });

  it('parks a signed body that is not an event, or a handled event without its data, and acts on neither', async () => {
    const notEvent = JSON.stringify({ hello: 'world' });
    const noSession = body({ id: 'event_nodata', data: {} });

    for (const raw of [notEvent, noSession]) {
      const response = await POST(post(raw, sign(raw)));
      expect(response.status).toBe(200);
      await expect(response.json()).resolves.toEqual({ received: true, status: 'parked' });
    }
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
    expect(isProcessed(state.deps.db, 'event_nodata')).toBe(false);
    expect(readLedger(state.deps.db, 'event_nodata')).toMatchObject({ status: 'parked' });
    expect(listParked(state.deps.db)).toHaveLength(2);
  });

  it('answers 503 with Retry-After while another worker is processing the same event', async () => {
    const raw = body();
    state.deps.db
      .prepare(
        `INSERT INTO event_ledger (event_id, event_type, status, channel, attempts, claim_token, claimed_at, updated_at)
         VALUES ('event_01REVOKED', 'session.revoked', 'processing', 'events', 1, 'poller', ?, ?)`,
      )
      .run(Date.now(), Date.now());
    const response = await POST(post(raw, sign(raw)));
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
  });

  it('answers 200 to event types it does not handle, without recording them', async () => {
    const raw = body({ id: 'event_updated', event: 'user.updated', data: { object: 'user', id: 'user_grace', email: 'grace@example.com' } });
    const response = await POST(post(raw, sign(raw)));

    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ received: true, status: 'ignored' });
    expect(isProcessed(state.deps.db, 'event_updated')).toBe(false);
  });

  it('answers 500 when acting fails, so WorkOS re-delivers, and the re-delivery acts', async () => {
    state.deps.registry.failNext = 1;
    const raw = body();

    const failed = await POST(post(raw, sign(raw)));
    expect(failed.status).toBe(500);
    expect(failed.headers.get('retry-after')).toBe('2');
    expect(state.deps.registry.check('session_01WEBHOOK', 'user_grace')).toBeNull();
    expect(readLedger(state.deps.db, 'event_01REVOKED')).toMatchObject({ status: 'retry', attempts: 1 });

    const retried = await POST(post(raw, sign(raw)));
    expect(retried.status).toBe(200);
    expect(state.deps.registry.check('session_01WEBHOOK', 'user_grace')).not.toBeNull();
  });

  it('answers 404 when webhooks are switched off (REVOCATION_SIGNALS=events)', async () => {
    state.env = { REVOCATION_SIGNALS: 'events', WORKOS_WEBHOOK_SECRET: SECRET };
    const raw = body();
    const response = await POST(post(raw, sign(raw)));

    expect(response.status).toBe(404);
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
  });

  it('answers 413 to an oversized body before verifying it', async () => {
    const raw = body({ padding: 'x'.repeat(1024 * 1024) });
    const response = await POST(post(raw, sign(raw)));

    expect(response.status).toBe(413);
  });

  it('answers 413 to a chunked body (no content-length) without reading past the limit', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 16 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const request = new Request('http://localhost/api/webhooks/workos', {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json', 'WorkOS-Signature': sign('whatever') },
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(request.headers.get('content-length')).toBeNull();

    const response = await POST(request);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(1024 * 1024 + 2 * chunk.byteLength);
  });

  it('counts the limit in bytes, not characters', async () => {
    const base = Buffer.byteLength(body({ padding: '' }));
    const fill = (bytes: number) => 'é'.repeat(Math.floor(bytes / 2)) + 'x'.repeat(bytes % 2);

    const atLimit = body({ padding: fill(1024 * 1024 - base) });
    expect(Buffer.byteLength(atLimit)).toBe(1024 * 1024);
    const accepted = await POST(post(atLimit, sign(atLimit)));
    expect(accepted.status).toBe(200);

    // Fewer than 1 MiB UTF-16 code units, but more than 1 MiB of UTF-8.
    const over = body({ padding: fill(1024 * 1024 - base + 1) });
    expect(over.length).toBeLessThan(1024 * 1024);
    expect(Buffer.byteLength(over)).toBe(1024 * 1024 + 1);
    const refused = await POST(post(over, sign(over)));
    expect(refused.status).toBe(413);
  });

  it('answers 400 to a body that is not UTF-8', async () => {
    const raw = new Uint8Array([...Buffer.from('{"id":"event_1","event":"session.revoked","x":"'), 0xff, 0xfe, ...Buffer.from('"}')]);
    const request = new Request('http://localhost/api/webhooks/workos', {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'WorkOS-Signature': sign('irrelevant') },
    });
    const response = await POST(request);
    expect(response.status).toBe(400);
    expect(state.deps.registry.revokeCalls).toHaveLength(0);
  });
});
