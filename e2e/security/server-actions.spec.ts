import { DEMO_USERS, expect, test, type Device, type EmulatorClient } from '../fixtures';
import { actionResult, argumentsBody, callAction, captureAction, type CapturedAction } from './actions';

/**
 * Server actions are public POST endpoints: anyone can send any body, with any cookie, to any action id. Each probe
 * below is answered with a clear error, and the state is read back afterwards (WorkOS's sessions through the
 * emulator, the app's own view through /api/session and the security page) to prove nothing changed.
 */
const ADA = DEMO_USERS.ada.email;
const GRACE = DEMO_USERS.grace.email;

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

function row(device: Device, label: string) {
  return device.page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem').filter({ hasText: label });
}

/**
 * The revokeSession request the page would send for `label`'s row (stopped before it reaches the server); through the
 * confirmation the page shows first when the sign-in is not recent.
 */
async function captureRevoke(device: Device, label: string, { confirm = false } = {}): Promise<CapturedAction> {
  await device.page.goto('/account/security');
  return captureAction(device.page, '/account/security', async () => {
    await row(device, label).getByRole('button', { name: /Sign out/ }).click();
    if (confirm) await device.page.getByRole('dialog', { name: `Sign out ${label}?` }).getByRole('button', { name: 'Yes, sign it out' }).click();
  });
}

async function activeIds(emulator: EmulatorClient, email: string): Promise<string[]> {
  return (await emulator.activeSessions(email)).map((s) => s.id).sort();
}

async function signedIn(device: Device): Promise<number> {
  return (await device.context.request.get('/api/session')).status();
}

test("another user's session key, or its raw id, is answered as unknown and ends nothing", async ({ newDevice, signIn, emulator }) => {
  const adaLaptop = await newDevice('Desktop Chrome');
  const adaPhone = await newDevice('iPhone 15');
  const graceLaptop = await newDevice('Desktop Firefox');
  const gracePhone = await newDevice('Pixel 7');
  await signIn(adaPhone.page, ADA);
  await signIn(adaLaptop.page, ADA);
  await signIn(gracePhone.page, GRACE);
  await signIn(graceLaptop.page, GRACE);
  const graceKey = JSON.parse((await captureRevoke(graceLaptop, 'Chrome on Android')).body)[0] as string;
  const action = await captureRevoke(adaLaptop, 'Safari on iOS');
  const before = { ada: await activeIds(emulator, ADA), grace: await activeIds(emulator, GRACE) };
  const graceRawId = (await emulator.activeSessions(GRACE)).map((s) => s.id);

  for (const foreign of [graceKey, ...graceRawId]) {
    const response = await callAction(adaLaptop.context.request, action, argumentsBody(foreign));
    expect(response.status()).toBe(200);
    expect(await actionResult(response), foreign).toMatchObject({ status: 'error', code: 'not_found' });
  }

  expect(await activeIds(emulator, GRACE)).toEqual(before.grace);
  expect(await activeIds(emulator, ADA)).toEqual(before.ada);
  for (const device of [graceLaptop, gracePhone, adaPhone]) expect(await signedIn(device)).toBe(200);
  await graceLaptop.page.goto('/account/security');
  await expect(graceLaptop.page.getByRole('list', { name: 'Security activity' })).not.toContainText('signed out');
});

test('malformed, oversized and unparsable arguments get a clear error and change nothing', async ({ newDevice, signIn, emulator }) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, ADA);
  await signIn(laptop.page, ADA);
  const action = await captureRevoke(laptop, 'Safari on iOS');
  const before = await activeIds(emulator, ADA);

  for (const body of [
    argumentsBody(),
    argumentsBody(42),
    argumentsBody(null),
    argumentsBody({ id: 'session_x' }),
    argumentsBody(['nested']),
    argumentsBody('../../etc/passwd'),
    argumentsBody('session_x; DROP TABLE revocations'),
    argumentsBody('x'.repeat(10_000)),
  ]) {
    const response = await callAction(laptop.context.request, action, body);
    expect(response.status(), body.slice(0, 60)).toBe(200);
    expect(await actionResult(response), body.slice(0, 60)).toMatchObject({ status: 'error', code: 'invalid_input', message: expect.any(String) });
  }

  // Not an argument list at all, and a body far over the size limit: refused by Next before the action runs.
  for (const body of ['{"not": "a list"', '[', 'x'.repeat(2 * 1024 * 1024)]) {
    const response = await callAction(laptop.context.request, action, body);
    expect(response.status(), body.slice(0, 30)).toBeGreaterThanOrEqual(400);
    expect(await actionResult(response)).toBeNull();
  }

  expect(await activeIds(emulator, ADA)).toEqual(before);
  expect(await signedIn(phone)).toBe(200);
  await laptop.page.goto('/account/security');
  await expect(laptop.page.getByRole('list', { name: 'Security activity' })).not.toContainText('signed out');
});

test('a replayed action request ends nothing twice, an unknown action id is refused, and a signed-out cookie can no longer call it', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  const tablet = await newDevice('Pixel 7');
  await signIn(phone.page, ADA);
  await signIn(tablet.page, ADA);
  await signIn(laptop.page, ADA);
  const revokePhone = await captureRevoke(laptop, 'Safari on iOS');

  expect(await actionResult(await callAction(laptop.context.request, revokePhone))).toMatchObject({ status: 'success' });
  expect(await actionResult(await callAction(laptop.context.request, revokePhone))).toMatchObject({ status: 'error', code: 'not_found' });
  expect(await emulator.activeSessions(ADA)).toHaveLength(2);
  await laptop.page.goto('/account/security');
  await expect(laptop.page.getByRole('list', { name: 'Security activity' }).getByText(/You signed out .* from this device/)).toHaveCount(1);

  const unknown = await callAction(laptop.context.request, revokePhone, revokePhone.body, { 'next-action': '0'.repeat(42) });
  expect(unknown.status()).toBeGreaterThanOrEqual(400);
  expect(await actionResult(unknown)).toBeNull();

  // The laptop signs out; its copied cookie replays the captured request, aimed at the tablet now.
  const cookies = await laptop.context.cookies();
  const tabletKey = JSON.parse((await captureRevoke(laptop, 'Chrome on Android')).body)[0] as string;
  await laptop.page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
  await laptop.page.waitForURL((url) => url.pathname === '/signed-out');
  const thief = await newDevice('Desktop Chrome');
  await thief.context.addCookies(cookies);
  const replay = await callAction(thief.context.request, revokePhone, argumentsBody(tabletKey));
  expect(replay.status()).toBe(401);
  expect(await actionResult(replay)).toBeNull();
  expect(await signedIn(tablet)).toBe(200);
  expect(await emulator.activeSessions(ADA)).toHaveLength(1);
});

test('a request from another origin cannot run an action with the victim’s cookie (no cross-site request forgery)', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, ADA);
  await signIn(laptop.page, ADA);
  const action = await captureRevoke(laptop, 'Safari on iOS');
  for (const origin of ['https://evil.example', 'null']) {
    const response = await callAction(laptop.context.request, action, action.body, { origin });
    expect(response.status(), origin).toBeGreaterThanOrEqual(400);
    expect(await actionResult(response)).toBeNull();
  }
  expect(await emulator.activeSessions(ADA)).toHaveLength(2);
  expect(await signedIn(phone)).toBe(200);
});

test('a copied cookie of a sign-in that is not recent cannot end other sessions by calling the actions directly', async ({
  newDevice,
  signInLongAgo,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signInLongAgo([phone.page, laptop.page], ADA);
  const revoke = await captureRevoke(laptop, 'Safari on iOS', { confirm: true });
  const everywhere = await captureAction(laptop.page, '/account/security', async () => {
    await laptop.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await laptop.page.getByRole('dialog', { name: 'Sign out everywhere?' }).getByRole('button', { name: 'Yes, sign out everywhere' }).click();
  });

  const thief = await newDevice('Desktop Chrome');
  await thief.context.addCookies(await laptop.context.cookies());
  expect(await actionResult(await callAction(thief.context.request, revoke))).toMatchObject({ status: 'reauth_required' });
  // Claiming to be back from re-authentication grants nothing.
  const forged = revoke.body.replace('"$undefined"', '{"afterReauth":true}');
  expect(await actionResult(await callAction(thief.context.request, revoke, forged))).toMatchObject({ status: 'error', code: 'reauth_failed' });
  expect(await actionResult(await callAction(thief.context.request, everywhere, argumentsBody({ afterReauth: true })))).toMatchObject({
    status: 'error',
    code: 'reauth_failed',
  });
  expect(await emulator.activeSessions(ADA)).toHaveLength(2);
  expect(await signedIn(phone)).toBe(200);
  expect(await signedIn(laptop)).toBe(200);
});
