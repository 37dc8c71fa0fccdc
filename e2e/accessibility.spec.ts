import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { DEMO_USERS, expect, fillHostedSignIn, signOutButton, test } from './fixtures';

/**
 * Issue 15 item 7: every page passes axe's WCAG 2.1 A/AA rules on a desktop and a phone, the dialogs keep focus
 * while open and give it back on close, and the security page works with the keyboard alone.
 */

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const ADMIN = DEMO_USERS.ada;
const MEMBER = DEMO_USERS.grace;
const PROMPT = "You've been signed out";

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

/**
 * Fails with each violated rule and the elements that break it. The last thing done in a document: Firefox ESR 153's
 * content process can crash on the next input into a page axe has analysed (seen on /admin), so specs navigate first.
 */
async function expectAccessible(page: Page, what: string) {
  // Legacy mode: axe runs in the page alone, not finished in a new window per scan; the app has no cross-origin frames.
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_21_AA).setLegacyMode().analyze();
  const found = violations.map((violation) => ({
    rule: violation.id,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
  expect(found, `axe WCAG 2.1 AA violations on ${what} (${page.url()})`).toEqual([]);
}

async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement);
}

/**
 * `target` is the page's focused element. Not toBeFocused: once Tab has passed through the browser's own UI (as it
 * does from a native modal's last control), headless Firefox reports the whole document unfocused.
 */
async function expectFocused(target: Locator) {
  await expect.poll(() => isFocused(target), `${target} has focus`).toBe(true);
}

/** Opens `path` in the front window: Firefox gives keyboard focus to the front window only. */
async function openForKeyboard(page: Page, path: string) {
  await page.bringToFront();
  await page.goto(path);
}

/** Presses `key` (Tab or Shift+Tab) until `target` has focus, as a keyboard user would; fails if it never does. */
async function tabTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab' = 'Tab') {
  for (let presses = 0; presses < 40; presses++) {
    if (await isFocused(target)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${key} never reached ${target}`);
}

/** Where focus is: in `dialog`, on no element of the page (the browser's own UI), or on an element behind it. */
function focusIn(dialog: Locator): Promise<string> {
  return dialog.evaluate((element) => {
    const active = document.activeElement;
    if (element.contains(active)) return 'dialog';
    return !active || active === document.body ? 'browser' : `behind: ${active.outerHTML.slice(0, 120)}`;
  });
}

async function expectFocusInside(dialog: Locator) {
  await expect.poll(() => focusIn(dialog), 'focus is in the dialog').toBe('dialog');
}

/**
 * Tabs forwards then backwards through `dialog` more times than it has controls: focus comes back round to it and
 * never reaches the page behind (a native modal may pass through the browser's own UI between last and first). After a
 * pass through the browser's UI, headless Firefox delivers no more Enter to the page: the last keys a test presses.
 */
async function expectFocusTrapped(page: Page, dialog: Locator) {
  for (const key of ['Tab', 'Shift+Tab']) {
    const visited = new Set<string>();
    for (let presses = 0; presses < 6; presses++) {
      await page.keyboard.press(key);
      const where = await focusIn(dialog);
      expect(['dialog', 'browser'], `focus after ${key} ×${presses + 1}`).toContain(where);
      visited.add(where);
    }
    expect(visited, `${key} comes back round to the dialog`).toContain('dialog');
  }
}

/** From the security page of `page`, signs out every other session of its user. */
async function signOutOthers(page: Page) {
  await page.goto('/account/security');
  await page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
  await page
    .getByRole('dialog')
    .getByRole('button', { name: /^Yes, sign out/ })
    .click();
}

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
} as const;

for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  test.describe(`on a ${name}`, () => {
    test.use({
      viewport: viewport.viewport,
      hasTouch: viewport.hasTouch,
      // Firefox has no mobile emulation (Playwright refuses isMobile there): the phone's viewport and touch remain.
      isMobile: async ({ browserName }, provide) => provide(viewport.isMobile && browserName !== 'firefox'),
    });

    // Signed out, an unknown path goes to sign in (proxy.ts): the 404 page is checked signed in.
    test('pages signed out: landing and signed-out', async ({ page }) => {
      await page.goto('/');
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expectAccessible(page, 'the landing page, signed out');

      for (const reason of ['signed_out', 'admin', 'token_reused', 'unknown']) {
        await page.goto(`/signed-out?reason=${reason}`);
        await expect(page.getByRole('link', { name: 'Sign in again' })).toBeVisible();
        await expectAccessible(page, `/signed-out?reason=${reason}`);
      }
    });

    test("a member's pages: home, landing, not found, admin refused", async ({ page, signIn }) => {
      await signIn(page, MEMBER.email);
      await expect(page.getByRole('heading', { name: `Welcome, ${MEMBER.name}` })).toBeVisible();
      await expectAccessible(page, 'home');

      await page.goto('/');
      await expect(page.getByRole('link', { name: `Continue as ${MEMBER.name}` })).toBeVisible();
      await expectAccessible(page, 'the landing page, signed in');

      await page.goto('/no-such-page');
      await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
      await expectAccessible(page, 'the 404 page');

      await page.goto('/admin');
      await expect(page.getByRole('heading', { name: 'Administrators only' })).toBeVisible();
      await expectAccessible(page, 'the admin page refused to a member');
    });

    test('the security page, its confirmation, and the signed-out prompt', async ({ page, newDevice, signIn }) => {
      // Other sessions (rows with Sign out buttons), one of them unusual (the first Android phone: amber badges and
      // button); the first later signs this one out.
      const phone = await newDevice('iPhone 15');
      const android = await newDevice('Pixel 7');
      await signIn(phone.page, MEMBER.email);
      await signIn(android.page, MEMBER.email);
      await signIn(page, MEMBER.email, { returnTo: '/account/security' });

      await expect(page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem')).toHaveCount(3);
      await expect(page.getByRole('button', { name: 'Sign out unusual sessions' })).toBeVisible();
      await expectAccessible(page, 'the security page');
      await page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
      await expect(page.getByRole('dialog', { name: 'Sign out of all other sessions?' })).toBeVisible();
      await expectAccessible(page, 'the security page with its confirmation dialog open');

      await page.goto('/account/security');
      await signOutOthers(phone.page);
      await expect(page.getByRole('alertdialog', { name: PROMPT })).toBeVisible();
      await expectAccessible(page, 'the security page behind the signed-out prompt');
    });

    test(
      "an administrator's pages: admin, a user found and one of their sessions signed out",
      { tag: '@not-on-firefox-esr' },
      async ({ page, newDevice, signIn }) => {
        const phone = await newDevice('iPhone 15');
        const android = await newDevice('Pixel 7');
        await signIn(phone.page, MEMBER.email);
        await signIn(android.page, MEMBER.email);
        await signIn(page, ADMIN.email, { returnTo: '/admin' });

        await expect(page.getByRole('heading', { level: 1, name: 'Administration' })).toBeVisible();
        await expectAccessible(page, 'the admin page');

        // The search form's GET, in a fresh document (see expectAccessible).
        await page.goto(`/admin?email=${encodeURIComponent(MEMBER.email)}`);
        const sessions = page.getByRole('list', { name: `${MEMBER.name}’s sessions` }).getByRole('listitem');
        await expect(sessions).toHaveCount(2);
        await page.getByLabel('Reason').selectOption({ label: 'Offboarding' });
        await page.getByRole('button', { name: 'Sign out Safari on iOS' }).click();
        await expect(page.getByRole('status').filter({ hasText: 'Signed out' })).toBeVisible();
        await expect(sessions).toHaveCount(1);
        await expectAccessible(page, 'the admin page with a user found and one of their sessions signed out');
      },
    );
  });
}

test('keyboard only: Tab to a session, Enter, the confirmation has focus; Escape cancels back to the button; confirming signs it out', async ({
  newDevice,
  signInLongAgo,
  emulator,
}) => {
  // A sign-in older than RECENT_AUTH_MAX_AGE_SECONDS: signing out another session asks to confirm first (e2e/reauth).
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signInLongAgo([phone.page, laptop.page], MEMBER.email);

  const page = laptop.page;
  await openForKeyboard(page, '/account/security');
  const sessions = page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem');
  await expect(sessions).toHaveCount(2);
  const signOutPhone = page.getByRole('button', { name: 'Sign out Safari on iOS' });
  const dialog = page.getByRole('dialog', { name: 'Sign out Safari on iOS?' });

  await tabTo(page, signOutPhone);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await expectFocusInside(dialog);

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expectFocused(signOutPhone);
  expect(await emulator.activeSessions(MEMBER.email)).toHaveLength(2);

  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await tabTo(page, dialog.getByRole('button', { name: 'Yes, sign it out' }));
  await page.keyboard.press('Enter');

  // WorkOS's hosted page (the emulator's) confirms it is the user; back here, the same confirmation has focus.
  await fillHostedSignIn(page, MEMBER.email);
  await page.waitForURL((url) => url.pathname === '/account/security');
  await expect(dialog).toBeVisible();
  await expectFocusInside(dialog);
  await tabTo(page, dialog.getByRole('button', { name: 'Yes, sign it out' }));
  await page.keyboard.press('Enter');

  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: /\S/ })).toContainText('Signed out Safari on iOS');
  await expect(sessions).toHaveCount(1);
  await expect(sessions.first()).toContainText('This device');
});

test('keyboard only: a confirmation keeps focus while open, and gives it back to its button however it is cancelled', async ({
  newDevice,
  signIn,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('iPhone 15');
  await signIn(phone.page, MEMBER.email);
  await signIn(laptop.page, MEMBER.email);
  const page = laptop.page;
  await openForKeyboard(page, '/account/security');

  const openers = [
    ['Sign out of all other sessions', 'Sign out of all other sessions?'],
    ['Sign out everywhere', 'Sign out everywhere?'],
  ] as const;
  for (const [opener, title] of openers) {
    const button = page.getByRole('button', { name: opener });
    const dialog = page.getByRole('dialog', { name: title });
    await tabTo(page, button);
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    await expectFocusInside(dialog);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expectFocused(button);

    // Close comes before Cancel: each reached without passing the browser's UI (see expectFocusTrapped).
    for (const [cancel, key] of [
      ['Cancel', 'Tab'],
      ['Close', 'Shift+Tab'],
    ] as const) {
      await page.keyboard.press('Enter');
      await expect(dialog).toBeVisible();
      await tabTo(page, dialog.getByRole('button', { name: cancel }), key);
      await page.keyboard.press('Enter');
      await expect(dialog).toBeHidden();
      await expectFocused(button);
    }
  }

  const [opener, title] = openers[1];
  const dialog = page.getByRole('dialog', { name: title });
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await expectFocusTrapped(page, dialog);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expectFocused(page.getByRole('button', { name: opener }));
});

test("the guard's signed-out prompt takes focus, keeps it, cannot be dismissed, and signs in again from the keyboard", async ({
  signedInDevices,
}) => {
  const [laptop, phone] = await signedInDevices(MEMBER.email, 'Desktop Chrome', 'iPhone 15');
  const page = laptop.page;
  await openForKeyboard(page, '/account/security');
  // The user is working with the keyboard when the session ends elsewhere.
  await tabTo(page, signOutButton(page));

  await signOutOthers(phone.page);

  const prompt = page.getByRole('alertdialog', { name: PROMPT });
  const signInAgain = prompt.getByRole('button', { name: 'Sign in again' });
  await expect(prompt).toBeVisible();
  await expectFocused(signInAgain);
  await expectFocusTrapped(page, prompt);
  // It has nothing to go back to: the session is over, so Escape leaves it open.
  await page.keyboard.press('Escape');
  await expect(prompt).toBeVisible();
  await expectFocused(signInAgain);

  await page.keyboard.press('Enter');
  await expect(page).toHaveTitle(/Sign in to Demo App/);
});
