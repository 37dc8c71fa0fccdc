import type { Page } from '@playwright/test';
import { DEMO_USERS, ORGANIZATIONS, expect, test, type Device } from './fixtures';
import { expectSentAway, sessionList } from './session-watch';

/**
 * The security page with one user on three devices:
 *   A = 'Desktop Chrome' → "Chrome on Windows" (the device doing things)
 *   B = 'iPhone 15'      → "Safari on iOS"
 *   C = 'Pixel 7'        → "Chrome on Android"
 */
const USER = DEMO_USERS.grace;
const LABEL = { A: 'Chrome on Windows', B: 'Safari on iOS', C: 'Chrome on Android' } as const;

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

async function threeDevices({
  newDevice,
  signIn,
}: {
  newDevice: (name: string, options?: { ip?: string }) => Promise<Device>;
  signIn: (page: Page, email: string) => Promise<void>;
}) {
  const a = await newDevice('Desktop Chrome', { ip: '203.0.113.21' });
  const b = await newDevice('iPhone 15', { ip: '198.51.100.42' });
  const c = await newDevice('Pixel 7', { ip: '192.0.2.77' });
  // Sign in sequentially: B and C first so A's listing shows every one.
  await signIn(b.page, USER.email);
  await signIn(c.page, USER.email);
  await signIn(a.page, USER.email);
  await a.page.goto('/account/security');
  return { a, b, c };
}

const row = (page: Page, label: string) => sessionList(page).getByRole('listitem', { name: label, exact: true });
const status = (page: Page) => page.getByRole('status').filter({ hasText: /\S/ });

/** The device is signed out: a protected page sends it to /signed-out or to sign in, never shows the app. */
async function expectSignedOut(device: Device) {
  await expectSentAway(device.page);
  await expect(device.page.getByRole('heading', { name: `Welcome, ${USER.name}` })).toHaveCount(0);
}

async function expectSignedIn(device: Device) {
  await device.page.goto('/home');
  await expect(device.page.getByRole('heading', { name: `Welcome, ${USER.name}` })).toBeVisible();
}

test('lists the three sessions with readable labels, this device first, and no raw session ids', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const { a } = await threeDevices({ newDevice, signIn });
  const page = a.page;

  await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
  const items = sessionList(page).getByRole('listitem');
  await expect(items).toHaveCount(3);
  await expect(items.first()).toHaveAccessibleName(LABEL.A);
  await expect(items.first()).toContainText('This device');
  for (const label of [LABEL.B, LABEL.C]) {
    await expect(row(page, label)).toBeVisible();
    await expect(row(page, label)).not.toContainText('This device');
    await expect(row(page, label).getByRole('button', { name: `Sign out ${label}` })).toBeEnabled();
  }

  const phone = row(page, LABEL.B);
  await expect(phone).toContainText('198.51.100.42');
  await expect(phone).toContainText('Password');
  await expect(phone).toContainText('Phone · Safari');
  await expect(phone).toContainText(/Signed in just now|Signed in \d+ minutes? ago/);
  // Hints come from the user's history, never from a comparison with the device looking: B was the first device
  // of this user (a fresh account each test), C the first Android phone after it.
  await expect(phone).not.toContainText('First sign-in from');
  await expect(row(page, LABEL.C)).toContainText(`First sign-in from ${LABEL.C}`);
  await expect(phone.locator('time').first()).toHaveAttribute('title', /UTC$/);
  await expect(phone).not.toContainText('Mozilla');
  await expect(row(page, LABEL.A)).not.toContainText('First sign-in from');

  await expect(page.getByRole('button', { name: 'Sign out of all other sessions' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Sign out unusual sessions' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out everywhere' })).toBeEnabled();

  // IMPORTANT: raw WorkOS session ids never reach the browser (a raw id is enough to end a session).
  const html = await page.content();
  const ids = (await emulator.activeSessions(USER.email)).map((s) => s.id);
  expect(ids).toHaveLength(3);
  for (const id of ids) expect(html).not.toContain(id);
});

test('A signs out B: B is signed out on its next navigation, C keeps working', async ({ newDevice, signIn, emulator }) => {
  const { a, b, c } = await threeDevices({ newDevice, signIn });

  await row(a.page, LABEL.B).getByRole('button', { name: `Sign out ${LABEL.B}` }).click();
  await expect(status(a.page)).toHaveText(`Signed out ${LABEL.B}.`);
  await expect(sessionList(a.page).getByRole('listitem')).toHaveCount(2);
  await expect(row(a.page, LABEL.B)).toHaveCount(0);

  const active = await emulator.activeSessions(USER.email);
  expect(active.map((s) => s.ip_address).sort()).toEqual([c.ip, a.ip].sort());

  await expectSignedOut(b);
  await expectSignedIn(c);

  await a.page.reload();
  await expect(a.page.getByRole('list', { name: 'Security activity' })).toContainText(
    `You signed out ${LABEL.B} from this device (${LABEL.A})`,
  );
});

test('A signs out all other sessions after confirming how many will end', async ({ newDevice, signIn, emulator }) => {
  const { a, b, c } = await threeDevices({ newDevice, signIn });

  await a.page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
  const dialog = a.page.getByRole('dialog', { name: 'Sign out of all other sessions?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('2 sessions will end');
  await expect(dialog).toContainText(LABEL.B);
  await expect(dialog).toContainText(LABEL.C);

  // Cancelling changes nothing.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await emulator.activeSessions(USER.email)).toHaveLength(3);

  await a.page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
  await dialog.getByRole('button', { name: 'Yes, sign out 2 sessions' }).click();
  await expect(status(a.page)).toContainText('Signed out 2 sessions');
  await expect(sessionList(a.page).getByRole('listitem')).toHaveCount(1);
  await expect(sessionList(a.page).getByRole('listitem').first()).toHaveAccessibleName(LABEL.A);
  await expect(a.page.getByRole('button', { name: 'Sign out unusual sessions' })).toHaveCount(0);

  const active = await emulator.activeSessions(USER.email);
  expect(active.map((s) => s.ip_address)).toEqual([a.ip]);
  await expectSignedOut(b);
  await expectSignedOut(c);
  await expectSignedIn(a);
});

test('A signs out everywhere: all three devices are signed out', async ({ newDevice, signIn, emulator }) => {
  const { a, b, c } = await threeDevices({ newDevice, signIn });

  await a.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  const dialog = a.page.getByRole('dialog', { name: 'Sign out everywhere?' });
  await expect(dialog).toContainText('All 3 sessions will end, including this device');
  await dialog.getByRole('button', { name: 'Yes, sign out everywhere' }).click();

  await a.page.waitForURL('**/signed-out?reason=signed_out_everywhere');
  expect(await emulator.activeSessions(USER.email)).toEqual([]);
  await expectSignedOut(a);
  await expectSignedOut(b);
  await expectSignedOut(c);
});

test('a WorkOS fault on a bulk sign-out: every session locked out here, the page says WorkOS has not confirmed, WorkOS catches up', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const { a, b, c } = await threeDevices({ newDevice, signIn });
  await emulator.addFault({ method: 'POST', path: '/user_management/sessions/revoke', status: 500, count: 1000 });

  await a.page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
  await a.page.getByRole('dialog').getByRole('button', { name: 'Yes, sign out 2 sessions' }).click();
  // Named in the page's order (most recently active first); nothing is claimed confirmed.
  await expect(status(a.page)).toContainText(`Signed out ${LABEL.C} and ${LABEL.B} here, but WorkOS has not confirmed it yet`);
  expect(await emulator.activeSessions(USER.email)).toHaveLength(3);
  await expectSignedOut(b);
  await expectSignedOut(c);
  for (const label of [LABEL.B, LABEL.C]) {
    await expect(row(a.page, label)).toContainText('Signed out here; WorkOS has not confirmed yet');
  }

  await emulator.clearFaults();
  await expect.poll(async () => (await emulator.activeSessions(USER.email)).length, { timeout: 30_000 }).toBe(1);
  await a.page.reload();
  await expect(sessionList(a.page).getByRole('listitem')).toHaveCount(1);
});

test("times in the viewer's own time zone, moving on while the page stays open; where each session is; the organization by its name", async ({ newDevice, signIn }) => {
  const paris = await newDevice('Desktop Chrome', { timezoneId: 'Europe/Paris' });
  const phone = await newDevice('iPhone 15', { timezoneId: 'America/Los_Angeles', ip: '81.2.69.142' });
  await signIn(phone.page, DEMO_USERS.ada.email);
  await signIn(paris.page, DEMO_USERS.ada.email);

  // The server renders UTC; each browser shows its own zone (30 November: CET in Paris, PST in Los Angeles).
  const signedInAt = (page: Page) => page.getByTestId('this-session').locator('time');
  await expect(signedInAt(paris.page)).toHaveText(/ (CET|GMT\+1)$/);
  await expect(signedInAt(phone.page)).toHaveText(/ (PST|GMT-8)$/);
  await expect(paris.page.getByRole('definition').filter({ hasText: ORGANIZATIONS.demo.name })).toBeVisible();
  await expect(paris.page.getByText(ORGANIZATIONS.demo.id)).toHaveCount(0);

  await paris.page.clock.install();
  await paris.page.goto('/account/security');
  const phoneRow = row(paris.page, LABEL.B);
  await expect(phoneRow).toContainText('Signed in just now');
  await expect(phoneRow.locator('time').first()).toHaveAttribute('title', / (CET|GMT\+1)$/);
  // Where, offline (DB-IP City Lite), with the attribution its licence asks for; nothing for an unknown address.
  await expect(phoneRow.getByRole('definition').filter({ hasText: 'London, United Kingdom' })).toBeVisible();
  await expect(paris.page.getByRole('list', { name: 'Security activity' })).toContainText('New sign-in on Safari on iOS from 81.2.69.142 (London, United Kingdom)');
  await expect(paris.page.getByRole('link', { name: 'IP Geolocation by DB-IP' })).toHaveAttribute('href', 'https://db-ip.com');
  await paris.page.clock.fastForward('03:00');
  await expect(phoneRow).toContainText('Signed in 3 minutes ago');

  await paris.page.goto('/admin');
  await expect(paris.page.getByText(`You administer ${ORGANIZATIONS.demo.name}.`)).toBeVisible();
});
