import type { Page } from '@playwright/test';
import { DEMO_USERS, expect, test, type Device } from './fixtures';

/**
 * Issue 15: on the security page, the sessions of one browser on one kind of device are one entry, "Chrome on Windows
 * · 3 sessions", that folds and unfolds; each of its sessions keeps its own row, details and Sign out button.
 */
const USER = DEMO_USERS.alan;
const CHROME = 'Chrome on Windows';
const PHONE = 'Safari on iOS';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

const sessionList = (page: Page) => page.getByRole('list', { name: 'Active sessions' });
const summaryOf = (page: Page, label: string) => sessionList(page).locator('summary', { hasText: label });
/** The rows of a group: its own list, named by its summary. */
const groupRows = (page: Page, label: string) =>
  sessionList(page)
    .getByRole('list', { name: new RegExp(`^${label} · `) })
    .getByRole('listitem');

async function signedIn(device: Device): Promise<number> {
  return (await device.context.request.get('/api/session')).status();
}

test('three sessions of one desktop Chrome are one entry with a count, folded by keyboard; one of them is signed out alone', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome', { ip: '203.0.113.31' });
  const tab2 = await newDevice('Desktop Chrome', { ip: '203.0.113.32' });
  const tab3 = await newDevice('Desktop Chrome', { ip: '203.0.113.33' });
  const phone = await newDevice('iPhone 15', { ip: '198.51.100.42' });
  // The phone first, so the first desktop Chrome after it is new for this user: flagged, in its group's summary too.
  for (const device of [phone, tab2, tab3, laptop]) await signIn(device.page, USER.email);
  const page = laptop.page;
  await page.goto('/account/security');

  // This device's group first, this device first in it; the phone, alone on its device, is a plain row.
  const summary = summaryOf(page, CHROME);
  await expect(summary).toContainText(`${CHROME} · 3 sessions`);
  await expect(summary).toContainText('1 looks unusual');
  await expect(summary).toContainText('Desktop · including this device');
  await expect(sessionList(page).locator('summary')).toHaveCount(1);
  const items = sessionList(page).getByRole('listitem');
  await expect(items).toHaveCount(5);
  await expect(items.first().locator('summary')).toHaveCount(1);
  await expect(items.last()).toHaveAccessibleName(PHONE);
  const rows = groupRows(page, CHROME);
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toHaveAccessibleName(CHROME);
  await expect(rows.first()).toContainText('This device');
  await expect(rows.first()).toContainText(laptop.ip);
  // Each session keeps its own details and Sign out button.
  for (const [device, label] of [
    [tab2, `${CHROME} (2)`],
    [tab3, `${CHROME} (3)`],
  ] as const) {
    const row = rows.filter({ hasText: device.ip });
    await expect(row).toHaveAccessibleName(label);
    await expect(row).toContainText('Password');
    await expect(row).not.toContainText('This device');
    await expect(row.getByRole('button', { name: `Sign out ${label}` })).toBeEnabled();
  }
  await expect(rows.filter({ hasText: tab2.ip })).toContainText(`First sign-in from ${CHROME}`);

  // Folded and unfolded from the keyboard; folded, its rows are out of sight and out of the tab order.
  const group = sessionList(page).getByRole('group');
  await expect(group).toHaveCount(1);
  await expect(group).toHaveAttribute('open');
  // Keyboard focus goes to the window in front (Firefox focuses nothing elsewhere).
  await page.bringToFront();
  await summary.focus();
  await expect(summary).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(group).not.toHaveAttribute('open');
  await expect(rows).toHaveCount(0);
  await expect(page.getByRole('button', { name: `Sign out ${CHROME} (2)` })).toBeHidden();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: `Sign out ${PHONE}` })).toBeFocused();
  await summary.focus();
  await page.keyboard.press('Space');
  await expect(group).toHaveAttribute('open');
  await expect(rows).toHaveCount(3);

  // Signing out one session of the group ends that one only.
  const label = `${CHROME} (2)`;
  await rows
    .filter({ hasText: tab2.ip })
    .getByRole('button', { name: `Sign out ${label}` })
    .click();
  await expect(page.getByRole('status').filter({ hasText: /\S/ })).toHaveText(`Signed out ${label}.`);
  await expect(summary).toContainText(`${CHROME} · 2 sessions`);
  await expect(summary).not.toContainText('looks unusual');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: tab2.ip })).toHaveCount(0);

  await tab2.page.goto('/home');
  await expect(tab2.page).toHaveURL(/\/signed-out\?reason=signed_out_elsewhere$/);
  for (const device of [laptop, tab3, phone]) expect(await signedIn(device), device.ip).toBe(200);
  expect((await emulator.activeSessions(USER.email)).map((s) => s.ip_address).sort()).toEqual(
    [laptop.ip, tab3.ip, phone.ip].sort(),
  );
});
