import { expect, type APIRequestContext, type APIResponse, type BrowserContext, type Page, type Response } from '@playwright/test';
import { SESSION_PUSH_LEADER } from '../lib/session-status/protocol';
import type { EmulatorClient } from '../tools/stack/emulator-client.ts';
import { operatorDetail } from './operator-detail';

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

/**
 * Opens `url` and resolves once the page watches its session with its browser's push stream (the session guard's
 * EventSource): its own, connected, when it leads the browser's tabs; else it waits in line behind the tab that does.
 */
export async function openWithStream(page: Page, url: string): Promise<void> {
  const connected = page.waitForResponse(isStreamConnected);
  connected.catch(() => {}); // never answered when another tab leads
  await page.goto(url);
  await expect.poll(() => pushRole(page)).not.toBe('none');
  if ((await pushRole(page)) === 'leading') await connected;
}

const isStreamConnected = (response: Response) => response.url().endsWith('/api/session/events') && response.status() === 200;

/** Resolves once a tab of the browser (`context`) has connected its next push stream. */
export function streamConnectedIn(context: BrowserContext): Promise<Response> {
  return context.waitForEvent('response', isStreamConnected);
}

/**
 * Whether `page` holds its browser's push stream ('leading'), waits in line for it ('following'), or neither (no
 * session guard watching): read from the Web Locks the tabs are elected by (hooks/session-status/leader.ts).
 */
export function pushRole(page: Page): Promise<'leading' | 'following' | 'none'> {
  return page.evaluate(async (leader) => {
    // The Web Locks API names holders and waiters by client id: a lock of the page's own tells it its id.
    const self = `push-role-${Math.random()}`;
    return navigator.locks.request(self, async () => {
      const { held = [], pending = [] } = await navigator.locks.query();
      const id = held.find((lock) => lock.name === self)?.clientId;
      const mine = (lock: LockInfo) => lock.name === leader && lock.clientId === id;
      if (held.some(mine)) return 'leading' as const;
      return pending.some(mine) ? ('following' as const) : ('none' as const);
    });
  }, SESSION_PUSH_LEADER);
}

/** The push streams open on the app and the sessions they belong to (the operator's detail). */
export async function openPushStreams(request: APIRequestContext): Promise<{ open: number; sessions: number }> {
  return (await operatorDetail<{ pushStreams: { open: number; sessions: number } }>(request)).pushStreams;
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
 * times: every tab asks the server at once (the leading tab reopens the stream) carrying the same expired token.
 * After each wake-up nothing may look signed out, and every tab follows a link ("Security", then "Home"…).
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
    const reconnected = streamConnectedIn(context);
    await context.setOffline(false);
    // Every tab wakes at once (online, probe; the leader its stream): they all carry the same expired token.
    await reconnected;
    await expectNothingSignedOut(tabs);
    for (const { page } of tabs) await navigate(page, round % 2 === 1 ? 'Security' : 'Home', options.userName);
  }
}
