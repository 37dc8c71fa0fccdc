import { expect, type APIResponse, type BrowserContext, type Page } from '@playwright/test';
import type { EmulatorClient } from '../tools/stack/emulator-client.ts';

/**
 * What a page sees of its session, for every spec: the "signed out" prompt, the security page's session rows, the
 * refusal of a revoked cookie. For the token-refresh scenarios (e2e/token-refresh.spec.ts, test/multi-instance):
 * what a page saw that would mean "signed out", and the refresh grants WorkOS (the emulator) answered per session.
 */

/** The session guard's alert when this device's session ends. */
export function signedOutPrompt(page: Page) {
  return page.getByRole('alertdialog', { name: "You've been signed out" });
}

/** The prompt appears and says `message`, if given; `within`: how soon it must appear (default: the expect timeout). */
export async function expectPrompted(page: Page, message?: string, within?: number): Promise<void> {
  await expect(signedOutPrompt(page)).toBeVisible(within === undefined ? {} : { timeout: within });
  if (message !== undefined) await expect(signedOutPrompt(page)).toContainText(message);
}

/** Marks the page's window, to tell later that it was not reloaded since. */
export async function markNotReloaded(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
}

/** True while the page is the one markNotReloaded marked. */
export async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);
}

/** The security page's list of active sessions. */
export function sessionList(page: Page) {
  return page.getByRole('list', { name: 'Active sessions' });
}

/** On the security page of `page`, the rows of the sessions that are not this device's. */
export function otherSessionRow(page: Page) {
  return sessionList(page).getByRole('listitem').filter({ hasNotText: 'This device' });
}

/**
 * On the security page of `page`, signs out the one other session (which must be named `expectedName`, if given);
 * resolves with its label once the action has returned.
 */
export async function signOutOtherDevice(page: Page, expectedName?: RegExp): Promise<string> {
  await page.goto('/account/security');
  const other = otherSessionRow(page);
  await expect(other).toHaveCount(1);
  if (expectedName) await expect(other).toHaveAccessibleName(expectedName);
  const label = (await other.getAttribute('aria-label')) ?? '';
  await other.getByRole('button', { name: `Sign out ${label}` }).click();
  await expect(page.getByRole('status').filter({ hasText: /\S/ })).toContainText(`Signed out ${label}`);
  return label;
}

/** The Cookie header a browser with these cookies sends; it must hold the session cookie. */
export function cookieHeaderOf(cookies: { name: string; value: string }[]): string {
  expect(cookies.map((c) => c.name)).toContain('wos-session');
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** The answer to a revoked session's cookie: 401, flagged, never cached, with the reason. */
export async function expectRefused(response: APIResponse, reason: string): Promise<void> {
  expect(response.status()).toBe(401);
  expect(response.headers()['x-session-status']).toBe('revoked');
  expect(response.headers()['cache-control']).toContain('no-store');
  expect(await response.json()).toEqual({ error: 'session_revoked', reason });
}

/** The browser's session has ended: a signed-in page of the app sends it to /signed-out, or straight to sign in. */
export async function expectSentAway(page: Page): Promise<void> {
  await page.goto('/home');
  await expect(page).toHaveURL(/\/signed-out|\/user_management\/authorize/);
}

/** The hosted sign-in page, /signed-out or /sign-in: anywhere a signed-in user must never be sent. */
const SIGNED_OUT_URL = /\/signed-out|\/sign-in|\/user_management\/authorize/;

export interface Watched {
  name: string;
  page: Page;
  refusals: string[];
  signedOutNavigations: string[];
  /** 503 "retry" answers (a refresh still in flight): allowed, and handled by the page by itself. */
  retries: number;
}

/** Starts recording what `page` sees from the app at `appOrigin` (refusals, 401s, navigations to sign in). */
export function watch(page: Page, name: string, appOrigin: string | RegExp): Watched {
  const fromApp = (url: string) => (typeof appOrigin === 'string' ? url.startsWith(appOrigin) : appOrigin.test(url));
  const seen: Watched = { name, page, refusals: [], signedOutNavigations: [], retries: 0 };
  page.on('response', (response) => {
    if (!fromApp(response.url())) return;
    const status = response.headers()['x-session-status'];
    if (status === 'retry') seen.retries += 1;
    if (status === 'revoked' || response.status() === 401) seen.refusals.push(`${response.status()} ${response.url()}`);
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && SIGNED_OUT_URL.test(frame.url())) seen.signedOutNavigations.push(frame.url());
  });
  return seen;
}

export async function expectNothingSignedOut(watched: Watched[]): Promise<void> {
  for (const seen of watched) {
    await expect(signedOutPrompt(seen.page), `${seen.name}: no prompt`).toHaveCount(0);
    expect(seen.refusals, `${seen.name}: no refusals`).toEqual([]);
    expect(seen.signedOutNavigations, `${seen.name}: never sent to sign in`).toEqual([]);
  }
}

/** Opens `url` and resolves once its push stream (the session guard's EventSource) is connected. */
export async function openWithStream(page: Page, url: string): Promise<void> {
  const connected = streamConnected(page);
  await page.goto(url);
  await connected;
}

/** Resolves once `page`'s next push stream (the session guard's EventSource) is connected. */
function streamConnected(page: Page) {
  return page.waitForResponse((r) => r.url().endsWith('/api/session/events') && r.status() === 200);
}

/** Follows a header link (a client-side navigation: RSC fetch and prefetches) and waits for its page. */
export async function navigate(page: Page, to: 'Home' | 'Security', userName: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: to }).click();
  const heading = to === 'Home' ? new RegExp(`Welcome, ${userName}`) : /^Security$/;
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

export interface SessionGrants {
  sessionId: string;
  userAgent: string | null;
  ok: number;
  invalidGrant: number;
}

/** Refresh grants WorkOS answered for each active session of the user, by outcome. */
export async function grantsBySession(emulator: EmulatorClient, email: string): Promise<SessionGrants[]> {
  const result: SessionGrants[] = [];
  for (const session of await emulator.activeSessions(email)) {
    const grants = await emulator.grants(session.id);
    result.push({
      sessionId: session.id,
      userAgent: session.user_agent,
      ok: grants.filter((g) => g.outcome === 'ok').length,
      invalidGrant: grants.filter((g) => g.outcome === 'invalid_grant').length,
    });
  }
  return result;
}

/** The pace of a person between clicks: nothing is pending, so there is no event to wait for. */
export function thinkTime(page: Page, step: number, seed: number): Promise<void> {
  return page.waitForTimeout(300 + ((step * 7919 + seed * 104_729) % 900));
}

/**
 * A browser (`context`) with `tabs` open goes to sleep past its access token's expiry and wakes up, `rounds`
 * times: every tab reconnects at once carrying the same expired token. After each wake-up nothing may look signed
 * out, and every tab follows a link ("Security", then "Home"…).
 */
export async function wakeUpRounds(
  context: BrowserContext,
  tabs: Watched[],
  options: { rounds: number; tokenSeconds: number; userName: string },
): Promise<void> {
  const [first] = tabs;
  if (!first) throw new Error('wakeUpRounds needs at least one tab');
  for (let round = 1; round <= options.rounds; round++) {
    await context.setOffline(true);
    // Asleep past the access token's expiry: the passing of time is the scenario.
    await first.page.waitForTimeout((options.tokenSeconds + 1) * 1000);
    const reconnected = tabs.map(({ page }) => streamConnected(page));
    await context.setOffline(false);
    // Every tab wakes at once (online, probe, stream): they all carry the same expired token.
    await Promise.all(reconnected);
    await expectNothingSignedOut(tabs);
    for (const { page } of tabs) await navigate(page, round % 2 === 1 ? 'Security' : 'Home', options.userName);
  }
}
