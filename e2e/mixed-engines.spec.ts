import type { Browser, Page } from '@playwright/test';
import { request as playwrightRequest } from '@playwright/test';
import { engines, launchEngine } from '../tools/stack/browsers.ts';
import { DEMO_USERS, expect, test, type Device } from './fixtures';
import {
  cookieHeaderOf,
  expectPrompted,
  expectRefused,
  expectSentAway,
  markNotReloaded,
  notReloaded,
  openWithStream,
  sessionList,
  signOutOtherDevice,
} from './session-watch';

/**
 * One user on two engines at once: a Chromium device and a Firefox device, each with its own browser's user agent,
 * so the security page names them as the engines they are. Revoking from either engine reaches the other without a
 * reload (its push stream), and the other's cookie is refused from then on.
 *
 * Runs once, in the chromium project (playwright.config.ts), which launches Firefox itself the way the firefox
 * project does (tools/stack/browsers.ts).
 */

const PROMPT_WITHIN_MS = 2_000;
const USER = DEMO_USERS.grace;

test.skip(!engines.firefox && !process.env.CI, 'needs Firefox: Playwright’s own (npx playwright install firefox) or Debian’s firefox-esr');

let firefoxBrowser: Browser;
test.beforeAll(async () => {
  firefoxBrowser = await launchEngine('firefox');
});
test.afterAll(async () => {
  await firefoxBrowser?.close();
});

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

/** Signs `email` in on a Chromium device and a Firefox device, each with its engine's own user agent. */
async function chromeAndFirefox(
  newDevice: (name: string, options?: { browser?: Browser; userAgent?: 'profile' | 'browser' }) => Promise<Device>,
  signIn: (page: Page, email: string) => Promise<void>,
) {
  const chrome = await newDevice('Desktop Chrome', { userAgent: 'browser' });
  const firefox = await newDevice('Desktop Firefox', { browser: firefoxBrowser, userAgent: 'browser' });
  // Each really is the engine it claims to be.
  expect(chrome.context.browser()?.browserType().name()).toBe('chromium');
  expect(firefox.context.browser()?.browserType().name()).toBe('firefox');
  expect(await chrome.page.evaluate(() => navigator.userAgent)).toMatch(/Chrome\//);
  expect(await firefox.page.evaluate(() => navigator.userAgent)).toMatch(/Gecko\/\d+ Firefox\//);
  await signIn(chrome.page, USER.email);
  await signIn(firefox.page, USER.email);
  return { chrome, firefox };
}

/** Opens /home with its push stream connected, marked to tell later that it was not reloaded. */
async function openHome(page: Page) {
  await openWithStream(page, '/home');
  await markNotReloaded(page);
}

/** `victim` (idle on /home since openHome) is prompted without a reload, and its cookie is refused everywhere. */
async function expectPromptedAndRefused(victim: Device, copiedCookie: string, baseURL: string | undefined) {
  await expectPrompted(victim.page, 'You signed out this device from another device.', PROMPT_WITHIN_MS);
  expect(await notReloaded(victim.page)).toBe(true);

  // Its own requests are refused…
  const own = await victim.page.evaluate(async () => {
    const response = await fetch('/api/session');
    return { status: response.status, flag: response.headers.get('x-session-status') };
  });
  expect(own).toEqual({ status: 401, flag: 'revoked' });
  // …and so is a copy of its cookie sent from outside any browser.
  const outsider = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { cookie: copiedCookie } });
  await expectRefused(await outsider.get('/api/session'), 'signed_out_elsewhere');
  await outsider.dispose();

  // The refusal deleted its cookie: the app is gone from that browser.
  expect((await victim.context.cookies()).map((c) => c.name)).not.toContain('wos-session');
  await expectSentAway(victim.page);
}

test('signed out from Firefox, the idle Chromium device is prompted without a reload and refused', async ({
  newDevice,
  signIn,
  baseURL,
}) => {
  const { chrome, firefox } = await chromeAndFirefox(newDevice, signIn);
  await openHome(chrome.page);
  const copy = cookieHeaderOf(await chrome.context.cookies());

  await signOutOtherDevice(firefox.page, /^Chrome on /);
  await expectPromptedAndRefused(chrome, copy, baseURL);

  // Firefox, which did it, is still signed in.
  await firefox.page.goto('/home');
  await expect(firefox.page.getByRole('heading', { level: 1, name: `Welcome, ${USER.name}` })).toBeVisible();
});

test('signed out from Chromium, the idle Firefox device is prompted without a reload and refused', async ({
  newDevice,
  signIn,
  baseURL,
}) => {
  const { chrome, firefox } = await chromeAndFirefox(newDevice, signIn);
  await openHome(firefox.page);
  const copy = cookieHeaderOf(await firefox.context.cookies());

  await signOutOtherDevice(chrome.page, /^Firefox on /);
  await expectPromptedAndRefused(firefox, copy, baseURL);

  await chrome.page.goto('/home');
  await expect(chrome.page.getByRole('heading', { level: 1, name: `Welcome, ${USER.name}` })).toBeVisible();
});

test('one user on both engines at once: both listed with their browser, and signing out everywhere from Firefox prompts Chromium', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const { chrome, firefox } = await chromeAndFirefox(newDevice, signIn);
  await openHome(chrome.page);

  // Each engine's security page lists both sessions, itself first as "This device", each named by its browser.
  for (const [device, self, other] of [
    [firefox, /^Firefox on /, /^Chrome on /],
    [chrome, /^Chrome on /, /^Firefox on /],
  ] as const) {
    await device.page.goto('/account/security');
    const items = sessionList(device.page).getByRole('listitem');
    await expect(items).toHaveCount(2);
    await expect(items.first()).toHaveAccessibleName(self);
    await expect(items.first()).toContainText('This device');
    await expect(items.nth(1)).toHaveAccessibleName(other);
    await expect(items.nth(1)).not.toContainText('This device');
  }
  expect(await emulator.activeSessions(USER.email)).toHaveLength(2);
  await openHome(chrome.page);

  await firefox.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  const dialog = firefox.page.getByRole('dialog', { name: 'Sign out everywhere?' });
  await expect(dialog).toContainText('All 2 sessions will end, including this device');
  await dialog.getByRole('button', { name: 'Yes, sign out everywhere' }).click();
  await firefox.page.waitForURL('**/signed-out?reason=signed_out_everywhere');

  await expectPrompted(chrome.page, 'You signed out of all your devices.', PROMPT_WITHIN_MS);
  expect(await notReloaded(chrome.page)).toBe(true);
  expect(await emulator.activeSessions(USER.email)).toEqual([]);
  for (const device of [chrome, firefox]) {
    await expectSentAway(device.page);
    expect((await device.context.cookies()).map((c) => c.name)).not.toContain('wos-session');
  }
});
