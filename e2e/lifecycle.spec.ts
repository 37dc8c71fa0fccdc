import { createHmac } from 'node:crypto';
import type { Page } from '@playwright/test';
import { e2eEnv } from './e2e-env';
import { DEMO_USERS, expect, test } from './fixtures';
import { signedOutPrompt } from './session-watch';

/**
 * Issue 5: revocations that start anywhere reach every device — WorkOS (dashboard/API) through signed webhooks or
 * the Events API, an administrator, a password reset, a deleted user.
 * IMPORTANT: the app must run with REVOCATION_SIGNALS=both (webhooks + Events API), polling every second or so.
 */

const WEBHOOK_URL = `${e2eEnv.appURL}/api/webhooks/workos`;
/** Push is near-instant; the Events API path adds up to one poll interval. */
const PUSH_TIMEOUT_MS = 8_000;

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

function sign(body: string, secret: string = e2eEnv.webhookSecret, timestamp = Date.now()): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp}, v1=${v1}`;
}

async function postWebhook(body: string, signature: string | null): Promise<{ status: number; json: unknown }> {
  const response = await fetch(WEBHOOK_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'WorkOS-Signature': signature } : {}) },
    body,
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

async function expectStillSignedIn(page: Page, name: string): Promise<void> {
  await page.reload();
  await expect(page.getByRole('heading', { name: `Welcome, ${name}` })).toBeVisible();
  await expect(signedOutPrompt(page)).toHaveCount(0);
}

test.describe('revoked at WorkOS', () => {
  test('a session revoked in the WorkOS dashboard prompts its device within seconds, through the webhook', async ({
    emulator,
    newDevice,
    signIn,
  }) => {
    const laptop = await newDevice('Desktop Chrome');
    await signIn(laptop.page, DEMO_USERS.grace.email);
    await expect(laptop.page.getByRole('heading', { name: `Welcome, ${DEMO_USERS.grace.name}` })).toBeVisible();

    const [revoked] = await emulator.revokeUserSessions(DEMO_USERS.grace.email);
    expect(revoked).toBeDefined();

    const dialog = signedOutPrompt(laptop.page);
    await expect(dialog).toBeVisible({ timeout: PUSH_TIMEOUT_MS });
    await expect(dialog).toContainText('Your session was ended by your identity provider.');
    // The signed delivery was accepted by the app's endpoint.
    await expect
      .poll(async () =>
        (await emulator.deliveries())
          .filter((d) => d.event === 'session.revoked')
          .map((d) => [d.status, d.last_status]),
      )
      .toEqual([['delivered', 200]]);
  });

  test('with webhooks off, the Events API alone still reaches the device', async ({ emulator, newDevice, signIn }) => {
    await emulator.setConfig({ webhooks_enabled: false });
    const phone = await newDevice('Pixel 7');
    await signIn(phone.page, DEMO_USERS.grace.email);

    await emulator.revokeUserSessions(DEMO_USERS.grace.email);

    const dialog = signedOutPrompt(phone.page);
    await expect(dialog).toBeVisible({ timeout: PUSH_TIMEOUT_MS });
    await expect(dialog).toContainText('Your session was ended by your identity provider.');
    expect(await emulator.deliveries()).toEqual([]);
  });

  test('a deleted user is locked out on every device', async ({ emulator, newDevice, signIn }) => {
    const laptop = await newDevice('Desktop Chrome');
    const phone = await newDevice('iPhone 15');
    await signIn(laptop.page, DEMO_USERS.alan.email);
    await signIn(phone.page, DEMO_USERS.alan.email);

    await emulator.deleteUser(DEMO_USERS.alan.email);

    await expect(signedOutPrompt(laptop.page)).toBeVisible({ timeout: PUSH_TIMEOUT_MS });
    await expect(signedOutPrompt(phone.page)).toBeVisible({ timeout: PUSH_TIMEOUT_MS });
  });
});

test('forged, stale and duplicated webhooks through the real endpoint change nothing', async ({ emulator, newDevice, signIn }) => {
  const laptop = await newDevice('Desktop Chrome');
  await signIn(laptop.page, DEMO_USERS.grace.email);
  const [session] = await emulator.activeSessions(DEMO_USERS.grace.email);
  if (!session) throw new Error('Grace has no session');

  const now = new Date().toISOString();
  const forged = JSON.stringify({
    id: 'event_01FORGEDFORGEDFORGEDFORGED',
    event: 'session.revoked',
    data: { ...session, object: 'session', status: 'revoked', ended_at: now, updated_at: now },
    created_at: now,
  });
  // Signed with the wrong secret; with no signature; with the right secret but 10 minutes old.
  expect((await postWebhook(forged, sign(forged, 'whsec_guessed'))).status).toBe(401);
  expect((await postWebhook(forged, null)).status).toBe(401);
  expect((await postWebhook(forged, sign(forged, e2eEnv.webhookSecret, Date.now() - 10 * 60_000))).status).toBe(401);
  // Correctly signed but not JSON: set aside (parked, for operators) and acknowledged, so WorkOS does not retry it forever.
  expect(await postWebhook('{"id":', sign('{"id":'))).toEqual({ status: 200, json: { received: true, status: 'parked' } });

  // The genuine session.created, delivered by WorkOS, then delivered again: acknowledged, acted on once.
  await expect
    .poll(async () => (await emulator.deliveries()).filter((d) => d.event === 'session.created').map((d) => d.status))
    .toEqual(['delivered']);
  const listed = await emulator.request<{ data: Array<{ id: string }> }>('GET', '/events?events=session.created&limit=10');
  const genuine = listed.data.at(-1);
  if (!genuine) throw new Error('no session.created event');
  const replay = JSON.stringify(genuine);
  const duplicate = await postWebhook(replay, sign(replay));
  expect(duplicate).toEqual({ status: 200, json: { received: true, status: 'duplicate' } });

  await expectStillSignedIn(laptop.page, DEMO_USERS.grace.name);
  expect((await emulator.activeSessions(DEMO_USERS.grace.email)).map((s) => s.id)).toEqual([session.id]);
  await laptop.page.goto('/account/security');
  await expect(laptop.page.getByRole('list', { name: 'Security activity' }).getByText(/New sign-in on/)).toHaveCount(1);
});

test('an administrator offboards a user: one device, then all, each prompted at once and told why', async ({
  emulator,
  newDevice,
  signIn,
}) => {
  const admin = await newDevice('Desktop Chrome');
  const laptop = await newDevice('Desktop Firefox');
  const phone = await newDevice('iPhone 15');
  await signIn(laptop.page, DEMO_USERS.grace.email);
  await signIn(phone.page, DEMO_USERS.grace.email);
  await signIn(admin.page, DEMO_USERS.ada.email);

  await admin.page.getByRole('link', { name: 'Admin' }).click();
  await admin.page.getByLabel('User email').fill(DEMO_USERS.grace.email);
  await admin.page.getByRole('button', { name: 'Find user' }).click();
  await expect(admin.page.getByRole('heading', { name: DEMO_USERS.grace.name })).toBeVisible();
  const sessions = admin.page.getByRole('list', { name: `${DEMO_USERS.grace.name}’s sessions` });
  await expect(sessions.getByRole('listitem')).toHaveCount(2);

  // A reason is required: the browser refuses to submit without one.
  // The administrator works in their own window: in front (Firefox gives focus to the front window only).
  await admin.page.bringToFront();
  const reason = admin.page.getByLabel('Reason');
  await admin.page.getByRole('button', { name: 'Sign out Safari on iOS' }).click();
  await expect(reason).toBeFocused();
  expect(await reason.evaluate((el: HTMLSelectElement) => el.validity.valueMissing)).toBe(true);
  expect(await emulator.activeSessions(DEMO_USERS.grace.email)).toHaveLength(2);

  await reason.selectOption({ label: 'Suspected compromise' });
  await admin.page.getByRole('button', { name: 'Sign out Safari on iOS' }).click();
  const result = admin.page.getByRole('status').filter({ hasText: 'Signed out' });
  await expect(result).toContainText('Signed out Grace Hopper on Safari on iOS');
  const phoneDialog = signedOutPrompt(phone.page);
  await expect(phoneDialog).toBeVisible({ timeout: PUSH_TIMEOUT_MS });
  await expect(phoneDialog).toContainText('An administrator ended your session.');
  await expect(sessions.getByRole('listitem')).toHaveCount(1);
  // The phone's page said it was told; the administrator's page reads it (again, once its wait is over).
  await expect(admin.page.locator('[data-receipt="told"]')).toContainText(/^Safari on iOS was told at .* \(\d+\.\d s later\)$/, {
    timeout: 15_000,
  });
  await expectStillSignedIn(laptop.page, DEMO_USERS.grace.name);

  await reason.selectOption({ label: 'Offboarding' });
  await admin.page.getByRole('button', { name: 'Sign out all sessions' }).click();
  await expect(result).toContainText('Signed out all of Grace Hopper’s sessions (1).');
  await expect(signedOutPrompt(laptop.page)).toBeVisible({ timeout: PUSH_TIMEOUT_MS });
  await expect(admin.page.getByText('Grace Hopper is not signed in anywhere.')).toBeVisible();
  expect(await emulator.activeSessions(DEMO_USERS.grace.email)).toEqual([]);

  // Grace sees it, and why, in her security activity.
  await signIn(laptop.page, DEMO_USERS.grace.email, { returnTo: '/account/security' });
  const activity = laptop.page.getByRole('list', { name: 'Security activity' });
  await expect(activity.getByText(/An administrator \(Ada Lovelace\) signed out Firefox on Windows/)).toBeVisible();
  await expect(activity.getByText(/Offboarding/)).toBeVisible();
  await expect(activity.getByText(/An administrator \(Ada Lovelace\) signed out Safari on iOS/)).toBeVisible();
  await expect(activity.getByText(/Suspected compromise/)).toBeVisible();
  await expect(activity.getByText(/^Firefox on Windows was told at /)).toBeVisible();
  await expect(activity.getByText(/^Safari on iOS was told at /)).toBeVisible();
});

test('an administrator cannot find or sign out a user of another organization', async ({
  emulator,
  newDevice,
  signIn,
}) => {
  const linusLaptop = await newDevice('Desktop Firefox');
  const gracePhone = await newDevice('iPhone 15');
  const admin = await newDevice('Desktop Chrome');
  await signIn(linusLaptop.page, DEMO_USERS.linus.email);
  await signIn(gracePhone.page, DEMO_USERS.grace.email);
  await signIn(admin.page, DEMO_USERS.ada.email);
  const linus = await emulator.userByEmail(DEMO_USERS.linus.email);
  const grace = await emulator.userByEmail(DEMO_USERS.grace.email);
  expect(linus.organization_id).toBe('org_other');

  // Linus (org_other) gets exactly the answer of an email nobody has.
  const answer = async (email: string) => {
    await admin.page.goto(`/admin?email=${encodeURIComponent(email)}`);
    const status = admin.page.getByRole('status').filter({ hasText: 'No user with the email' });
    await expect(status).toBeVisible();
    return (await status.textContent())?.replace(email, '<email>');
  };
  const unknown = await answer('nobody@example.com');
  expect(await answer(DEMO_USERS.linus.email)).toBe(unknown);
  await expect(admin.page.getByRole('heading', { name: DEMO_USERS.linus.name })).toHaveCount(0);
  await expect(admin.page.getByRole('button', { name: 'Sign out all sessions' })).toHaveCount(0);

  // A forged action call: Ada's real form for Grace, with Linus's user id swapped into the field it sends (the
  // browser is the attacker's own; request bodies cannot be rewritten in flight over Firefox's WebDriver BiDi).
  await admin.page.goto(`/admin?email=${encodeURIComponent(DEMO_USERS.grace.email)}`);
  await expect(admin.page.getByRole('heading', { name: DEMO_USERS.grace.name })).toBeVisible();
  await admin.page.getByLabel('Reason').selectOption({ label: 'Offboarding' });
  const userIdField = admin.page.locator('input[type="hidden"][name="userId"]');
  await expect(userIdField).toHaveValue(grace.id);
  await userIdField.evaluate((input: HTMLInputElement, id) => (input.value = id), linus.id);
  const forged = admin.page.waitForRequest((r) => r.method() === 'POST' && r.headers()['next-action'] !== undefined);
  await admin.page.getByRole('button', { name: 'Sign out all sessions' }).click();
  await forged;
  // Answered as for any unknown user, and nobody's sessions ended: neither Linus's nor Grace's.
  await expect(admin.page.locator('#admin-result')).toContainText('That user no longer exists at WorkOS.');
  expect(await emulator.activeSessions(linus.id)).toHaveLength(1);
  expect(await emulator.activeSessions(grace.id)).toHaveLength(1);
  await expectStillSignedIn(linusLaptop.page, DEMO_USERS.linus.name);
});

test('a non-administrator gets 403 from /admin', async ({ newDevice, signIn }) => {
  const laptop = await newDevice('Desktop Chrome');
  await signIn(laptop.page, DEMO_USERS.grace.email);
  await expect(laptop.page.getByRole('link', { name: 'Admin' })).toHaveCount(0);

  const response = await laptop.page.goto('/admin?email=ada%40example.com');
  expect(response?.status()).toBe(403);
  await expect(laptop.page.getByRole('heading', { name: 'Administrators only' })).toBeVisible();
  await expect(laptop.page.getByText(DEMO_USERS.ada.name, { exact: true })).toHaveCount(0);
});

test('a password reset at WorkOS signs the user out on their other devices', async ({ emulator, newDevice, signIn }) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signIn(laptop.page, DEMO_USERS.grace.email);
  await signIn(phone.page, DEMO_USERS.grace.email);

  await emulator.resetPassword(DEMO_USERS.grace.email, 'a-brand-new-password-42');

  for (const device of [laptop, phone]) {
    const dialog = signedOutPrompt(device.page);
    await expect(dialog).toBeVisible({ timeout: PUSH_TIMEOUT_MS });
    await expect(dialog).toContainText('Your password was changed');
  }
  // Ended at WorkOS too, by the app's policy.
  await expect.poll(async () => (await emulator.activeSessions(DEMO_USERS.grace.email)).length).toBe(0);

  await signIn(laptop.page, DEMO_USERS.grace.email, { password: 'a-brand-new-password-42', returnTo: '/account/security' });
  const activity = laptop.page.getByRole('list', { name: 'Security activity' });
  await expect(activity.getByText(/Your password was changed/)).toBeVisible();
  await expect(activity.getByText(/was signed out because your password changed/)).toHaveCount(2);
});
