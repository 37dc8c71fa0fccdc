import { DEMO_USERS, expect, fillHostedSignIn, test } from './fixtures';
import { expectSentAway } from './session-watch';

/**
 * ASVS v5 7.5.2: ending other sessions needs a recent sign-in (RECENT_AUTH_MAX_AGE_SECONDS, 600 s by default).
 * The emulator's clock is moved back while the devices sign in, so their sign-in is 15 minutes old while their
 * tokens are still valid; then it returns to real time. Run twice: without an `auth_time` claim (the emulator's
 * default, like WorkOS's documented session token: the app falls back to the WorkOS session's `created_at`, also
 * 15 minutes old) and with it.
 */
const USER = DEMO_USERS.alan;

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

for (const claim of [false, true]) {
  test(`a stale sign-in is sent to sign in again, comes back to confirm, and leaves no phantom session (auth_time claim ${claim ? 'present' : 'absent'})`, async ({
    newDevice,
    signInLongAgo,
    emulator,
  }) => {
    expect((await emulator.config()).auth_time_claim).toBe(false);
    if (claim) await emulator.setConfig({ auth_time_claim: true });
    const laptop = await newDevice('Desktop Chrome', { ip: '203.0.113.21' });
    const phone = await newDevice('iPhone 15', { ip: '198.51.100.42' });
    await signInLongAgo([phone.page, laptop.page], USER.email);

    const page = laptop.page;
    await page.goto('/account/security');
    const sessions = page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem');
    await expect(sessions).toHaveCount(2);

    await page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign out of all other sessions?' });
    await expect(dialog).toContainText('sign in again');
    await dialog.getByRole('button', { name: 'Yes, sign out 1 session' }).click();

    // Nothing ends before the user has proved it is them.
    await expect(page).toHaveTitle(/Sign in to Demo App/);
    expect(await emulator.activeSessions(USER.email)).toHaveLength(2);
    await fillHostedSignIn(page, USER.email);

    // Back on the page, the same confirmation opens again.
    await page.waitForURL((url) => url.pathname === '/account/security');
    const again = page.getByRole('dialog', { name: 'Sign out of all other sessions?' });
    await expect(again).toBeVisible();
    await again.getByRole('button', { name: 'Yes, sign out 1 session' }).click();
    await expect(page.getByRole('status').filter({ hasText: /\S/ })).toContainText('Safari on iOS');

    // Only the new session of this laptop is left: the phone was signed out, and the laptop's pre-re-authentication
    // session was ended rather than left behind as a phantom "other device".
    await expect.poll(async () => (await emulator.activeSessions(USER.email)).length).toBe(1);
    await expect(sessions).toHaveCount(1);
    await expect(sessions.first()).toContainText('This device');
    await expectSentAway(phone.page);
  });
}

test('ending one other session also needs a recent sign-in: the row asks, re-authentication comes back to that confirmation', async ({
  newDevice,
  signInLongAgo,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome', { ip: '203.0.113.21' });
  const phone = await newDevice('iPhone 15', { ip: '198.51.100.42' });
  await signInLongAgo([phone.page, laptop.page], USER.email);

  const page = laptop.page;
  await page.goto('/account/security');
  const sessions = page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem');
  const phoneRow = sessions.filter({ hasText: 'Safari on iOS' });
  await phoneRow.getByRole('button', { name: /Sign out/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out Safari on iOS?' });
  await expect(dialog).toContainText('sign in again');
  await dialog.getByRole('button', { name: 'Yes, sign it out' }).click();

  await expect(page).toHaveTitle(/Sign in to Demo App/);
  expect(await emulator.activeSessions(USER.email)).toHaveLength(2);
  await fillHostedSignIn(page, USER.email);

  await page.waitForURL((url) => url.pathname === '/account/security');
  const again = page.getByRole('dialog', { name: 'Sign out Safari on iOS?' });
  await expect(again).toBeVisible();
  // The query that brought the confirmation back is tidied away (a reload does not reopen it).
  expect(new URL(page.url()).search).toBe('');
  await again.getByRole('button', { name: 'Yes, sign it out' }).click();
  await expect(page.getByRole('status').filter({ hasText: /\S/ })).toContainText('Signed out Safari on iOS');
  await expect.poll(async () => (await emulator.activeSessions(USER.email)).length).toBe(1);
  await expectSentAway(phone.page);
});

test("a stale sign-in still signs this device out from its own row at once (ending one's own session is always allowed)", async ({
  newDevice,
  signInLongAgo,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  await signInLongAgo([laptop.page], USER.email);
  await laptop.page.goto('/account/security');
  const mine = laptop.page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem').filter({ hasText: 'This device' });
  await mine.getByRole('button', { name: /Sign out/ }).click();
  await laptop.page.waitForURL((url) => url.pathname === '/signed-out');
  expect(await emulator.activeSessions(USER.email)).toHaveLength(0);
});
