import type { Page, Route } from '@playwright/test';
import { DEMO_USERS, expect, test } from './fixtures';
import { expectPrompted, markNotReloaded, notReloaded, openWithStream, signOutOtherDevice, signedOutPrompt } from './session-watch';

/**
 * Issue 12 (parts 4 and 5): every page that shows a signed-in state reacts to the session ending, not only the
 * signed-in area — the landing page's "Go to Home", /signed-out and not-found too; and a page restored from the
 * back-forward cache asks the server before it shows anything signed-in again.
 */

const PROMPT_WITHIN_MS = 2_000;

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

/**
 * Plays the page entering the back-forward cache, and sees it hidden. The guard listens once the page has hydrated
 * (Firefox may report the stream of the page before as connected): until then the event is played again.
 */
async function putAwayInCache(page: Page) {
  await expect(async () => {
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
    await expect(page.locator('#main')).toBeHidden({ timeout: 250 });
  }).toPass({ timeout: 10_000 });
}

const PAGES_SHOWING_A_SESSION = [
  { path: '/', what: 'the landing page', signedIn: (page: Page) => page.getByRole('link', { name: 'Go to Home' }) },
  {
    path: '/signed-out',
    what: '/signed-out',
    signedIn: (page: Page) => page.getByRole('link', { name: 'Go to the home page' }),
  },
  {
    path: '/no-such-page',
    what: 'a page that does not exist',
    signedIn: (page: Page) => page.getByRole('heading', { name: 'Page not found' }),
  },
];

for (const { path, what, signedIn } of PAGES_SHOWING_A_SESSION) {
  test(`a signed-in user idling on ${what} (${path}) is prompted without a reload when signed out from another device`, async ({
    signedInDevices,
  }) => {
    const [laptop, phone] = await signedInDevices(DEMO_USERS.grace.email, 'Desktop Chrome', 'Pixel 7');
    await openWithStream(phone.page, path);
    await expect(signedIn(phone.page)).toBeVisible();
    await markNotReloaded(phone.page);
    await expect(signedOutPrompt(phone.page)).toHaveCount(0);

    await signOutOtherDevice(laptop.page);

    await expectPrompted(phone.page, 'You signed out this device from another device.', PROMPT_WITHIN_MS);
    expect(await notReloaded(phone.page)).toBe(true);
  });
}

/**
 * Chromium under Playwright does not restore these pages from its back-forward cache (they are `no-store`), so the
 * restore is played here with the very events the browser fires (`pagehide`/`pageshow`, persisted), while the page
 * hears nothing, like a page in the cache. The WebKit WebDriver scenarios (test/webkit) go back for real.
 */
test('a page restored from the back-forward cache after a revocation stays hidden until the server answers, then prompts', async ({
  signedInDevices,
}) => {
  const [laptop, phone] = await signedInDevices(DEMO_USERS.alan.email, 'Desktop Chrome', 'Pixel 7');
  await openWithStream(phone.page, '/home');
  const main = phone.page.locator('#main');
  await expect(main).toBeVisible();

  // In the cache: no push, and the session endpoint answers nothing that could tell.
  await phone.page.route(/\/api\/session\/events$/, (route) => route.abort());
  await phone.page.route(/\/api\/session$/, (route) => route.abort());
  // The cache closes the open stream; the guard closes it on `offline`.
  await phone.page.evaluate(() => window.dispatchEvent(new Event('offline')));
  // Put away hidden, so the restored first frame shows nothing signed-in.
  await putAwayInCache(phone.page);

  await signOutOtherDevice(laptop.page);
  await expect(signedOutPrompt(phone.page)).toHaveCount(0);

  // Restored: the probe is held to see what shows while it is out.
  await phone.page.unroute(/\/api\/session$/);
  const held: Route[] = [];
  const probed = new Promise<void>((resolve) => {
    void phone.page.route(/\/api\/session$/, (route) => {
      held.push(route);
      resolve();
    });
  });
  await phone.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
  await probed;
  await expect(main).toBeHidden();
  await expect(signedOutPrompt(phone.page)).toHaveCount(0);

  await phone.page.unroute(/\/api\/session$/);
  await Promise.all(held.map((route) => route.continue()));
  await expectPrompted(phone.page, 'You signed out this device from another device.', PROMPT_WITHIN_MS);
  // The old page never shows again, even behind the prompt.
  await expect(main).toBeHidden();
});

test('a restored page whose session still stands is shown again once the server confirms it', async ({
  signedInDevices,
}) => {
  const [phone] = await signedInDevices(DEMO_USERS.grace.email, 'Pixel 7');
  await openWithStream(phone.page, '/home');
  const main = phone.page.locator('#main');
  await putAwayInCache(phone.page);
  const probed = phone.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/session' && r.status() === 200);
  await phone.page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
  await probed;
  await expect(main).toBeVisible();
  await expect(signedOutPrompt(phone.page)).toHaveCount(0);
});

test('going back to a signed-in page after a revocation shows the prompt or /signed-out, never the old page', async ({
  signedInDevices,
}) => {
  const [laptop, phone] = await signedInDevices(DEMO_USERS.grace.email, 'Desktop Chrome', 'Pixel 7');
  await openWithStream(phone.page, '/home');
  await markNotReloaded(phone.page);
  // Another document, so going back is a document navigation (a back-forward cache candidate), not the router's.
  await phone.page.goto('/api/health');

  await signOutOtherDevice(laptop.page);

  await phone.page.goBack();
  const restored = await notReloaded(phone.page).catch(() => false);
  test.info().annotations.push({ type: 'back-forward cache', description: restored ? 'restored' : 'not used' });
  if (restored) {
    await expect(signedOutPrompt(phone.page)).toBeVisible({ timeout: PROMPT_WITHIN_MS });
    await expect(phone.page.locator('#main')).toBeHidden();
  } else {
    await expect(phone.page).toHaveURL(/\/signed-out\?reason=signed_out_elsewhere$/);
    await expect(phone.page.getByRole('heading', { level: 1 })).toHaveText('You were signed out');
  }
});
