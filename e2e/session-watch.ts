import { expect, type BrowserContext, type Page } from '@playwright/test';
import type { EmulatorClient } from '../tools/stack/emulator-client.ts';

/**
 * For the token-refresh scenarios (e2e/token-refresh.spec.ts, test/multi-instance): what a page saw that would mean
 * "signed out", and the refresh grants WorkOS (the emulator) answered per session.
 */

const PROMPT = "You've been signed out";
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
    await expect(seen.page.getByRole('alertdialog', { name: PROMPT }), `${seen.name}: no prompt`).toHaveCount(0);
    expect(seen.refusals, `${seen.name}: no refusals`).toEqual([]);
    expect(seen.signedOutNavigations, `${seen.name}: never sent to sign in`).toEqual([]);
  }
}

/** Opens `url` and resolves once its push stream (the session guard's EventSource) is connected. */
export async function openWithStream(page: Page, url: string): Promise<void> {
  const connected = page.waitForResponse((r) => r.url().endsWith('/api/session/events') && r.status() === 200);
  await page.goto(url);
  await connected;
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
    const reconnected = tabs.map(({ page }) =>
      page.waitForResponse((r) => r.url().endsWith('/api/session/events') && r.status() === 200),
    );
    await context.setOffline(false);
    // Every tab wakes at once (online, probe, stream): they all carry the same expired token.
    await Promise.all(reconnected);
    await expectNothingSignedOut(tabs);
    for (const { page } of tabs) await navigate(page, round % 2 === 1 ? 'Security' : 'Home', options.userName);
  }
}
