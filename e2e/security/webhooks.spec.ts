import { createHmac } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { e2eEnv } from '../e2e-env';
import { DEMO_USERS, expect, test, type Device, type EmulatorClient, type EmulatorSession } from '../fixtures';
import { operatorDetail } from '../operator-detail';

/**
 * The webhook endpoint is public: only a delivery signed with the endpoint's secret, over the exact bytes sent, and
 * dated within the tolerance (3 minutes, either way) is acted on, and each event at most once. Every probe is answered
 * with a clear status, and the state is read back afterwards: the session it names is still served (or refused once,
 * for the one genuine delivery), WorkOS still lists it, and the event ledger's counts say what was acted on.
 */
const USER = DEMO_USERS.grace.email;
const PATH = '/api/webhooks/workos';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  // The emulator's own deliveries would race the probes; the app is fed by hand here.
  await emulator.setConfig({ webhooks_enabled: false });
});

function sign(body: string, timestamp = Date.now(), secret = e2eEnv.webhookSecret): string {
  return `t=${timestamp}, v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** `session.revoked` for `session`, serialised as WorkOS serialises it. */
function revokedEvent(session: EmulatorSession, id = `event_fuzz_${session.id.slice(-8)}`): string {
  return JSON.stringify({ object: 'event', id, event: 'session.revoked', data: { ...session, status: 'revoked' }, created_at: new Date().toISOString() });
}

async function deliver(request: APIRequestContext, body: string | Buffer, signature?: string, headers: Record<string, string> = {}) {
  return request.post(PATH, {
    // A Buffer: Playwright would re-serialise a string it cannot parse as JSON, and the signature is over the bytes.
    data: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    headers: { 'content-type': 'application/json', ...(signature ? { 'workos-signature': signature } : {}), ...headers },
    failOnStatusCode: false,
  });
}

async function ledger(request: APIRequestContext): Promise<Record<string, number>> {
  return (await operatorDetail<{ events: { ledger: Record<string, number> } }>(request)).events.ledger;
}

async function signedInPhone(newDevice: (name: string) => Promise<Device>, signIn: (page: Device['page'], email: string) => Promise<void>, emulator: EmulatorClient) {
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, USER);
  const [session] = await emulator.activeSessions(USER);
  return { phone, session: session! };
}

test('unsigned, forged, stale, future-dated, re-serialised and mis-signed deliveries are refused (401) and change nothing', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  const { phone, session } = await signedInPhone(newDevice, signIn, emulator);
  const before = await ledger(request);
  const body = revokedEvent(session);
  const pretty = JSON.stringify(JSON.parse(body), null, 2);

  for (const [name, raw, signature] of [
    ['unsigned', body, undefined],
    ['signed with another secret', body, sign(body, Date.now(), 'whsec_not_the_endpoint_secret')],
    ['signed 10 minutes ago', body, sign(body, Date.now() - 10 * 60_000)],
    ['dated 10 minutes ahead', body, sign(body, Date.now() + 10 * 60_000)],
    ['re-serialised after signing', pretty, sign(body)],
    ['a signature of another body', body, sign(revokedEvent(session, 'event_other'))],
    ['a header that is not a signature', body, 't=soon, v1=zz'],
    ['a signature without a timestamp', body, `v1=${createHmac('sha256', e2eEnv.webhookSecret).update(body).digest('hex')}`],
  ] as const) {
    const response = await deliver(request, raw, signature);
    expect(response.status(), name).toBe(401);
    expect(await response.json(), name).toMatchObject({ error: 'invalid_signature' });
  }

  // Nothing was parked, retried or claimed for them (the poller may meanwhile process the phone's own sign-in).
  const after = await ledger(request);
  for (const status of ['parked', 'retry', 'processing']) expect(after[status] ?? 0, status).toBe(before[status] ?? 0);
  expect((await phone.context.request.get('/api/session')).status()).toBe(200);
  expect((await emulator.activeSessions(USER)).map((s) => s.id)).toEqual([session.id]);
});

test('oversized, non-UTF-8 and unusable bodies get a clear status; a signed one is parked, never acted on', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  const { phone, session } = await signedInPhone(newDevice, signIn, emulator);
  const before = await ledger(request);

  const huge = JSON.stringify({ id: 'event_huge', event: 'session.revoked', data: { ...session, padding: 'x'.repeat(1024 * 1024) } });
  const tooLarge = await deliver(request, huge, sign(huge));
  expect(tooLarge.status()).toBe(413);
  expect(await tooLarge.json()).toMatchObject({ error: 'payload_too_large' });

  const notUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
  const binary = await deliver(request, notUtf8, sign(notUtf8.toString('latin1')));
  expect(binary.status()).toBe(400);
  expect(await binary.json()).toMatchObject({ error: 'malformed_event' });

  // Correctly signed but unusable: acknowledged (WorkOS would retry it for days), set aside for operators.
  // Ids of this run: the ledger outlives a run, and an event parked before is not parked again.
  const run = Date.now().toString(36);
  for (const raw of [`{"id": "event_cut_${run}", "event": "session.revoked"`, JSON.stringify({ id: `event_nodata_${run}`, event: 'session.revoked', data: {}, created_at: new Date().toISOString() })]) {
    const response = await deliver(request, raw, sign(raw));
    expect(response.status()).toBe(200);
    expect(await response.json()).toMatchObject({ received: true, status: 'parked' });
  }

  expect((await ledger(request)).parked).toBe((before.parked ?? 0) + 2);
  expect((await phone.context.request.get('/api/session')).status()).toBe(200);
  expect((await emulator.activeSessions(USER)).map((s) => s.id)).toEqual([session.id]);
});

test('a genuine delivery is acted on once: replayed as it was, or re-signed later, it is a duplicate', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  const { phone, session } = await signedInPhone(newDevice, signIn, emulator);
  const body = revokedEvent(session);
  const signature = sign(body);

  const first = await deliver(request, body, signature);
  expect(first.status()).toBe(200);
  expect(await first.json()).toEqual({ received: true, status: 'processed' });
  expect((await phone.context.request.get('/api/session')).status()).toBe(401);

  for (const again of [signature, sign(body, Date.now() + 1_000)]) {
    const response = await deliver(request, body, again);
    expect(response.status()).toBe(200);
    expect(await response.json()).toEqual({ received: true, status: 'duplicate' });
  }
  await phone.page.goto('/signed-out');
  const other = await newDevice('Desktop Chrome');
  await signIn(other.page, USER);
  await other.page.goto('/account/security');
  await expect(other.page.getByRole('list', { name: 'Security activity' }).getByText(/was signed out at WorkOS/)).toHaveCount(1);
});
