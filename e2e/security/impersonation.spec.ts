import { DEMO_USERS, expect, signOutButton, test } from '../fixtures';

/**
 * Support impersonating a user (started from the WorkOS dashboard, picked up at the hosted sign-in page):
 * - the impersonated session never counts as the user's recent sign-in, so it cannot end the user's other sessions
 *   (one or all), whatever it claims, and it is not sent round a sign-in loop it could never complete;
 * - what it does do (ending its own session) is recorded as support's, and the user reads it so.
 */
const USER = DEMO_USERS.grace;
const SUPPORT = 'alice@support.example';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

test("support's impersonated session cannot end the user's other sessions, and its own sign-out is recorded as support's", async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const phone = await newDevice('iPhone 15', { ip: '198.51.100.42' });
  await signIn(phone.page, USER.email);

  await emulator.impersonate(USER.email, { email: SUPPORT, reason: 'Ticket 42' });
  const support = await newDevice('Desktop Firefox', { ip: '192.0.2.77' });
  await support.page.goto('/sign-in');
  await support.page.getByRole('button', { name: `Impersonate ${USER.name}` }).click();
  await support.page.waitForURL((url) => url.pathname === '/home');

  const page = support.page;
  await page.goto('/account/security');
  const sessions = page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem');
  await expect(sessions).toHaveCount(2);
  const status = page.getByRole('status').filter({ hasText: /\S/ });

  // One other session: the confirmation says it will be refused, and it is.
  await sessions.filter({ hasText: 'Safari on iOS' }).getByRole('button', { name: /Sign out/ }).click();
  const one = page.getByRole('dialog', { name: 'Sign out Safari on iOS?' });
  await expect(one).toContainText('support impersonation');
  await one.getByRole('button', { name: 'Yes, sign it out' }).click();
  await expect(status).toContainText('nothing was signed out');
  expect(new URL(page.url()).pathname).toBe('/account/security');

  // Everywhere: refused too, before any session (even its own) ends.
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.getByRole('dialog', { name: 'Sign out everywhere?' }).getByRole('button', { name: 'Yes, sign out everywhere' }).click();
  await expect(status).toContainText('nothing was signed out');
  expect(await emulator.activeSessions(USER.email)).toHaveLength(2);

  // On the user's phone, support's session is unusual, and says why.
  await phone.page.goto('/account/security');
  const supportRow = phone.page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem', { name: 'Firefox on Windows' });
  await expect(supportRow).toContainText(`Impersonated by ${SUPPORT}`);
  await expect(phone.page.getByRole('button', { name: 'Sign out unusual sessions' })).toBeVisible();

  // Its own session it may end; the user then reads who did what.
  await signOutButton(page).click();
  await page.waitForURL((url) => url.pathname === '/signed-out');
  await expect.poll(async () => (await emulator.activeSessions(USER.email)).length).toBe(1);

  await phone.page.goto('/account/security');
  const activity = phone.page.getByRole('list', { name: 'Security activity' });
  await expect(activity).toContainText(`${SUPPORT} signed in as you`);
  await expect(activity).toContainText(`Support (${SUPPORT}) signed out`);
  await expect(activity).not.toContainText('You signed out');
});
