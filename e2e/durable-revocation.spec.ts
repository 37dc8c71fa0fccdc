import type { APIRequestContext } from '@playwright/test';
import { e2eEnv } from './e2e-env';
import { DEMO_USERS, expect, test, type Device, type EmulatorClient } from './fixtures';
import { expectPrompted, signedOutPrompt } from './session-watch';
import { operatorDetail } from './operator-detail';

/**
 * Issue 10: no revocation is lost under faults. WorkOS fails (503) or does not answer in time while a session is being
 * ended, from each initiator: the session is locked out here at once all the same, every device is told, and the
 * WorkOS outbox keeps asking WorkOS until it confirms. Each scenario ends with the same check: the revoked sessions
 * are refused, and once WorkOS is back it lists none of them as active.
 */

const USER = DEMO_USERS.grace;
const REVOKE_PATH = '/user_management/sessions/revoke';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

function opsDetail(request: APIRequestContext) {
  return operatorDetail<{
    workosOutbox: { kind: string; pending: number }[];
    events: {
      ledger: Record<string, number>;
      retrying: { eventId: string; type: string; attempts: number; lastError: string | null }[];
      parked: { eventId: string; type: string; reason: string }[];
    };
  }>(request);
}

async function outboxPending(request: APIRequestContext): Promise<number> {
  return (await opsDetail(request)).workosOutbox.reduce((n, o) => n + o.pending, 0);
}

/** The device's cookie is refused: a page of the app sends it to /signed-out or to sign in. */
async function expectRefused(device: Device) {
  const response = await device.context.request.get('/api/session');
  expect(response.status()).toBe(401);
}

/** WorkOS fails every revocation (and, with `delayMs`, answers none in time) until the faults are cleared. */
async function breakWorkos(emulator: EmulatorClient, fault: { status?: number; delay_ms?: number } = { status: 503 }) {
  await emulator.addFault({ method: 'POST', path: REVOKE_PATH, count: 10_000, ...fault });
}

/** WorkOS is back: the outbox worker ends what is owed (it retries with backoff), and WorkOS lists none of them. */
async function expectWorkosCatchesUp(emulator: EmulatorClient, request: APIRequestContext, email: string, leftActive: number) {
  await emulator.clearFaults();
  await expect.poll(async () => (await emulator.activeSessions(email)).length, { timeout: 30_000 }).toBe(leftActive);
  await expect.poll(() => outboxPending(request), { timeout: 10_000 }).toBe(0);
}

/**
 * The check every scenario ends with: each device was told (`message`) and is refused; then, WorkOS back, it lists
 * only `leftActive` sessions of the user, nothing is owed any more, and the devices are still refused.
 */
async function expectEndedEverywhere(
  { emulator, request }: { emulator: EmulatorClient; request: APIRequestContext },
  devices: Device[],
  { message, leftActive = 0 }: { message?: string; leftActive?: number } = {},
) {
  for (const device of devices) {
    await expectPrompted(device.page, message);
    await expectRefused(device);
  }
  await expectWorkosCatchesUp(emulator, request, USER.email, leftActive);
  for (const device of devices) await expectRefused(device);
}

test('security page: WorkOS down during a sign-out — refused here at once, said honestly, confirmed when WorkOS returns', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  const laptop = await newDevice('Desktop Chrome', { ip: '203.0.113.21' });
  const phone = await newDevice('iPhone 15', { ip: '198.51.100.42' });
  await signIn(phone.page, USER.email);
  await signIn(laptop.page, USER.email, { returnTo: '/account/security' });
  await breakWorkos(emulator);

  const list = laptop.page.getByRole('list', { name: 'Active sessions' });
  await list.getByRole('listitem', { name: 'Safari on iOS' }).getByRole('button', { name: 'Sign out Safari on iOS' }).click();
  const result = laptop.page.getByRole('status').filter({ hasText: /\S/ });
  await expect(result).toContainText('Signed out Safari on iOS here, but WorkOS has not confirmed it yet');
  await expect(result).not.toContainText('still signed in');

  // Locked out here all the same: the phone is told and refused.
  expect(await emulator.activeSessions(USER.email)).toHaveLength(2);
  expect(await outboxPending(request)).toBe(1);
  await laptop.page.reload();
  await expect(list.getByRole('listitem', { name: 'Safari on iOS' })).toContainText('Signed out here; WorkOS has not confirmed yet');

  await expectEndedEverywhere({ emulator, request }, [phone], { leftActive: 1 });
  await laptop.page.reload();
  await expect(list.getByRole('listitem')).toHaveCount(1);
});

test('header sign-out: WorkOS down — the browser is signed out, the cookie copy refused, WorkOS ends it later', async ({
  newDevice,
  signIn,
  emulator,
  request,
  playwright,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  await signIn(laptop.page, USER.email);
  const copy = (await laptop.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  await breakWorkos(emulator);
  // The browser never reaches WorkOS's logout URL either (closed at once, offline): only the outbox can end it there.
  let loggedOutAtWorkos = false;
  await laptop.page.route('**/user_management/sessions/logout**', (route) => {
    loggedOutAtWorkos = true;
    return route.fulfill({ status: 204 });
  });

  await laptop.page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect.poll(() => loggedOutAtWorkos).toBe(true);
  const outsider = await playwright.request.newContext({ baseURL: e2eEnv.appURL, extraHTTPHeaders: { cookie: copy } });
  expect((await outsider.get('/api/session')).status()).toBe(401);
  expect((await laptop.context.request.get('/api/session')).status()).toBe(401);
  expect(await outboxPending(request)).toBe(1);

  await expectWorkosCatchesUp(emulator, request, USER.email, 0);
  expect((await outsider.get('/api/session')).status()).toBe(401);
  await outsider.dispose();
});

test('administrator: WorkOS does not answer in time — refused here, "not confirmed yet", confirmed later', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  test.setTimeout(90_000);
  const admin = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, USER.email);
  await signIn(admin.page, DEMO_USERS.ada.email, { returnTo: '/admin' });
  // Longer than the app waits for WorkOS (8 s) on each revocation.
  await breakWorkos(emulator, { delay_ms: 9_000 });

  await admin.page.getByLabel('User email').fill(USER.email);
  await admin.page.getByRole('button', { name: 'Find user' }).click();
  await admin.page.getByLabel('Reason').selectOption({ label: 'Offboarding' });
  await admin.page.getByRole('button', { name: 'Sign out all sessions' }).click();
  await expect(admin.page.getByRole('status').filter({ hasText: /\S/ })).toContainText(
    'Signed out Safari on iOS here, but WorkOS has not confirmed it yet',
    { timeout: 20_000 },
  );
  await expectEndedEverywhere({ emulator, request }, [phone], { message: 'An administrator ended your session.' });
});

test('password-reset policy: WorkOS down — every other device locked out and told, WorkOS ends them later', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signIn(laptop.page, USER.email);
  await signIn(phone.page, USER.email);
  await breakWorkos(emulator);

  await emulator.resetPassword(USER.email, 'a-brand-new-password-42');
  await expectEndedEverywhere({ emulator, request }, [laptop, phone], { message: 'Your password was changed' });
});

test('membership ended: WorkOS down — the sessions in that organization are locked out, WorkOS ends them later', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, USER.email);
  await breakWorkos(emulator);

  await emulator.endMembership(USER.email, 'org_demo');
  await expectEndedEverywhere({ emulator, request }, [phone]);
});

test('a malformed event and a failing one in the Events API stream do not hold up the valid ones after them, and the failing one is kept', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  // The Events API alone (webhooks off): the poller must neither wedge nor drop.
  await emulator.setConfig({ webhooks_enabled: false });
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, USER.email);
  const alan = await emulator.userByEmail(DEMO_USERS.alan.email);

  const malformed = await emulator.injectEvent('session.revoked', { object: 'session', id: 'session_broken' });
  // Failing: the policy for Alan's password reset cannot list his sessions (WorkOS answers 500), however often it
  // is retried while this lasts.
  await emulator.addFault({ method: 'GET', path: `/user_management/users/${alan.id}/sessions`, status: 500, count: 10_000 });
  await emulator.resetPassword(alan.id, 'another-brand-new-password-7');
  const [graceSession] = await emulator.activeSessions(USER.email);
  await emulator.revokeSession(graceSession!.id);

  // The valid revocation after them reaches the phone at once.
  await expect(signedOutPrompt(phone.page)).toBeVisible();
  await expectRefused(phone);
  const { events } = await opsDetail(request);
  expect(events.parked.find((p) => p.eventId === malformed.id)?.reason).toMatch(/could not be read/);
  // A WorkOS failure is an outage, not a reason to give the event up: it waits in the ledger for its next try.
  const failing = events.retrying.find((r) => r.type === 'password_reset.succeeded' && /500|unavailable/i.test(r.lastError ?? ''));
  expect(failing?.lastError).toMatch(/500|unavailable/i);
  expect(events.parked.map((p) => p.eventId)).not.toContain(failing!.eventId);

  // WorkOS answers again: the retrier acts on it (its backoff after one failure is a few seconds).
  await emulator.clearFaults();
  await expect
    .poll(async () => (await opsDetail(request)).events.retrying.map((r) => r.eventId), { timeout: 30_000 })
    .not.toContain(failing!.eventId);
  expect((await opsDetail(request)).events.parked.map((p) => p.eventId)).not.toContain(failing!.eventId);
});

test('webhooks: a malformed delivery is parked and acknowledged (the emulator shows it), later ones are acted on', async ({
  newDevice,
  signIn,
  emulator,
  request,
}) => {
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, USER.email);
  const malformed = await emulator.injectEvent('session.revoked', { object: 'session', id: 'session_broken' });
  const [graceSession] = await emulator.activeSessions(USER.email);
  await emulator.revokeSession(graceSession!.id);

  await expect(signedOutPrompt(phone.page)).toBeVisible();
  await expect
    .poll(async () => (await emulator.deliveries()).find((d) => d.event_id === malformed.id)?.acknowledged_as)
    .toBe('parked');
  expect((await emulator.deliveries()).find((d) => d.event_id === malformed.id)?.status).toBe('delivered');
  expect((await opsDetail(request)).events.parked.map((p) => p.eventId)).toContain(malformed.id);
});
