import type { Page } from '@playwright/test';
import { DEMO_USERS, expect, fillHostedSignIn, test, type Device } from './fixtures';

/**
 * "Was this you?": a user signed in on a laptop, then a sign-in from a device they never used (an iPhone, from
 * London): back on the laptop, any signed-in page asks about it. The e2e app's production defaults throughout.
 */
const USER = DEMO_USERS.alan;
const PHONE = { label: 'Safari on iOS', ip: '81.2.69.142', place: 'London, United Kingdom' } as const;

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

const prompt = (page: Page) => page.getByRole('region', { name: 'Was this you?' });
const activity = (page: Page) => page.getByRole('list', { name: 'Security activity' });

async function laptopThenPhone(newDevice: (name: string, options?: { ip?: string }) => Promise<Device>) {
  return { laptop: await newDevice('Desktop Chrome', { ip: '203.0.113.21' }), phone: await newDevice('iPhone 15', { ip: PHONE.ip }) };
}

test('"Yes, it was me": the prompt names the new sign-in, goes for good, and the session is no longer flagged', async ({ newDevice, signIn }) => {
  const { laptop, phone } = await laptopThenPhone(newDevice);
  await signIn(laptop.page, USER.email);
  await expect(prompt(laptop.page)).toHaveCount(0);
  await signIn(phone.page, USER.email);

  // The phone's own sign-in is never asked about on the phone.
  await expect(phone.page.getByRole('heading', { name: `Welcome, ${USER.name}` })).toBeVisible();
  await expect(prompt(phone.page)).toHaveCount(0);

  const page = laptop.page;
  await page.goto('/home');
  await expect(prompt(page)).toContainText(`New sign-in on ${PHONE.label} in ${PHONE.place}, just now. Was this you?`);
  await expect(prompt(page)).toContainText(`First sign-in from ${PHONE.label}`);
  await page.goto('/account/security');
  await expect(page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem', { name: PHONE.label })).toContainText('First sign-in from');

  await prompt(page).getByRole('button', { name: 'Yes, it was me' }).click();
  await expect(prompt(page)).toContainText('We won’t ask about that sign-in again');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
  await expect(prompt(page)).toHaveCount(0);
  await expect(page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem', { name: PHONE.label })).not.toContainText('First sign-in from');
  await expect(activity(page)).toContainText(`You confirmed that the sign-in on ${PHONE.label} was you`);
  await page.goto('/home');
  await expect(page.getByRole('heading', { name: `Welcome, ${USER.name}` })).toBeVisible();
  await expect(prompt(page)).toHaveCount(0);
});

test('Dismiss hides the prompt for this browser session without answering it', async ({ newDevice, signIn }) => {
  const { laptop, phone } = await laptopThenPhone(newDevice);
  await signIn(laptop.page, USER.email);
  await signIn(phone.page, USER.email);
  const page = laptop.page;
  await page.goto('/home');
  await prompt(page).getByRole('button', { name: 'Dismiss' }).click();
  await expect(prompt(page)).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: `Welcome, ${USER.name}` })).toBeVisible();
  await expect(prompt(page)).toHaveCount(0);
  // Not answered: the security page still flags it.
  await page.goto('/account/security');
  await expect(page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem', { name: PHONE.label })).toContainText('First sign-in from');
});

test('"No, sign it out": re-authentication, back to the confirmation, the phone refused, a password reset suggested, the answer recorded', async ({
  newDevice,
  signInLongAgo,
  signIn,
  emulator,
}) => {
  // The laptop's sign-in is older than RECENT_AUTH_MAX_AGE_SECONDS.
  const { laptop, phone } = await laptopThenPhone(newDevice);
  await signInLongAgo([laptop.page], USER.email);
  await signIn(phone.page, USER.email);

  const page = laptop.page;
  await page.goto('/home');
  await prompt(page).getByRole('button', { name: 'No, sign it out' }).click();
  await expect(prompt(page)).toContainText('sign in again');
  await prompt(page).getByRole('button', { name: 'Yes, sign it out' }).click();

  // Nothing ends before the user has proved it is them.
  await expect(page).toHaveTitle(/Sign in to Demo App/);
  expect(await emulator.activeSessions(USER.email)).toHaveLength(2);
  await fillHostedSignIn(page, USER.email);

  await page.waitForURL((url) => url.pathname === '/home');
  await expect(prompt(page)).toContainText(`Sign out ${PHONE.label}?`);
  expect(new URL(page.url()).search).toBe('');
  await prompt(page).getByRole('button', { name: 'Yes, sign it out' }).click();
  await expect(prompt(page)).toContainText(`Signed out ${PHONE.label}`);
  await expect(prompt(page)).toContainText('Forgot password?');

  await phone.page.goto('/home');
  await expect(phone.page).toHaveURL(/\/signed-out|\/user_management\/authorize/);
  await expect.poll(async () => (await emulator.activeSessions(USER.email)).length).toBe(1);

  await page.goto('/account/security');
  await expect(activity(page)).toContainText(`You said the sign-in on ${PHONE.label} was not you`);
  await expect(activity(page)).toContainText(`You signed out ${PHONE.label}`);
  await expect(prompt(page)).toHaveCount(0);
});
