import type { APIResponse } from '@playwright/test';
import { signInOverHttp, openEventStream, type SseStream } from '../../tools/stack/http-client.ts';
import { e2eEnv } from '../e2e-env';
import { DEMO_USERS, expect, test, type Device } from '../fixtures';
import { sessionList, signedOutPrompt } from '../session-watch';
import { fromAddress, type PlainResponse } from './from-address';

/**
 * Issue 11 item 4: one session (a stolen cookie, a script) cannot make the app spend the WorkOS environment's rate
 * limit, and a limit is never a sign-out nor a way to stop a revocation. Run with the production defaults
 * (lib/env.ts): 60 WorkOS-backed page renders and 30 actions per session per minute (180 / 90 per user), 120
 * sign-in starts and callbacks and 1,200 webhook deliveries per client IP per minute, 32 / 64 / 5,000 open event
 * streams per session / user / instance.
 * Each burst here uses its own session, user or client address (a loopback address of its own: the app trusts no
 * proxy, so a header cannot choose it), so no other spec shares a budget it spends — except the webhook test, which
 * spends the budget of the address WorkOS's deliveries come from and waits for that window to end.
 */

const GRACE = DEMO_USERS.grace;
const ALAN = DEMO_USERS.alan;
const LIMITED = /Too many requests — try again in (\d+) s\./;
const SESSION_LISTS = '/user_management/users/*/sessions';
const DOCUMENT = { accept: 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' };

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

/** `count` requests, `concurrency` at a time, in order. */
async function burst<T>(count: number, concurrency: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i += concurrency) {
    results.push(
      ...(await Promise.all(Array.from({ length: Math.min(concurrency, count - i) }, (_, j) => send(i + j)))),
    );
  }
  return results;
}

async function activeIds(emulator: { activeSessions(email: string): Promise<{ id: string }[]> }, email: string) {
  return (await emulator.activeSessions(email)).map((s) => s.id).sort();
}

function expectTooManyRequests(response: APIResponse) {
  expect(response.status()).toBe(429);
  const retryAfter = Number(response.headers()['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(response.headers()['cache-control']).toContain('no-store');
  return retryAfter;
}

test('a burst of security-page renders from one session: a page that says when to retry, a bounded cost at WorkOS, nobody signed out', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome', { ip: '198.51.100.61' });
  const phone = await newDevice('iPhone 15', { ip: '198.51.100.62' });
  const alan = await newDevice('Pixel 7', { ip: '198.51.100.63' });
  await signIn(phone.page, GRACE.email);
  await signIn(laptop.page, GRACE.email);
  await signIn(alan.page, ALAN.email);
  const graceBefore = await activeIds(emulator, GRACE.email);
  expect(graceBefore).toHaveLength(2);

  const listsBefore = await emulator.callCount(SESSION_LISTS, 'GET');
  const started = Date.now();
  const pages = await burst(90, 6, () =>
    laptop.page.request.get('/account/security', { headers: DOCUMENT, maxRedirects: 0 }),
  );
  const elapsedMs = Date.now() - started;
  const bodies = await Promise.all(pages.map((r) => r.text()));

  // Every answer is the page (no error page, no redirect to sign in or /signed-out); past the limit it says so.
  expect(pages.map((r) => r.status())).toEqual(Array(90).fill(200));
  const limited = bodies.filter((body) => LIMITED.test(body));
  // 60 renders per session per minute, and the sign-in landed on /home (one render) before the burst.
  expect(limited.length).toBeGreaterThanOrEqual(90 - 59);
  expect(limited.length).toBeLessThan(90);
  for (const body of limited) {
    expect(body).toContain('Nothing has changed.');
    expect(body).not.toContain('aria-label="Active sessions"');
  }
  // WorkOS was asked at most once per display-cache period (5 s), however many renders: refusals cost nothing.
  const lists = (await emulator.callCount(SESSION_LISTS, 'GET')) - listsBefore;
  expect(lists).toBeLessThanOrEqual(Math.ceil(elapsedMs / 5_000) + 1);

  // In the browser: the page says it, the header's Sign out is there, and nothing signs the device out.
  await laptop.page.goto('/account/security');
  await expect(laptop.page.getByRole('alert').filter({ hasText: LIMITED })).toContainText('Nothing has changed.');
  await expect(laptop.page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await expect(signedOutPrompt(laptop.page)).toHaveCount(0);
  await expect(laptop.page).toHaveURL(/\/account\/security$/);
  // The home page, also WorkOS-backed, says the same instead of the session's details.
  await laptop.page.goto('/home');
  await expect(laptop.page.getByTestId('this-session')).toContainText(LIMITED);

  // Grace's phone (her user's budget is more than one session can spend) and another user are unaffected.
  await phone.page.goto('/account/security');
  await expect(sessionList(phone.page).getByRole('listitem')).toHaveCount(2);
  await alan.page.goto('/account/security');
  await expect(sessionList(alan.page).getByRole('listitem')).toHaveCount(1);

  expect(await activeIds(emulator, GRACE.email)).toEqual(graceBefore);
});

test('a burst of server actions from one session: refused with the time to wait in the page, WorkOS asked nothing, nothing signed out — but this device can still sign out', async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const laptop = await newDevice('Desktop Chrome', { ip: '198.51.100.71' });
  const phone = await newDevice('iPhone 15', { ip: '198.51.100.72' });
  const alanLaptop = await newDevice('Desktop Firefox', { ip: '198.51.100.73' });
  const alanPhone = await newDevice('Pixel 7', { ip: '198.51.100.74' });
  await signIn(phone.page, GRACE.email);
  await signIn(laptop.page, GRACE.email);
  await signIn(alanPhone.page, ALAN.email);
  await signIn(alanLaptop.page, ALAN.email);
  const graceBefore = await activeIds(emulator, GRACE.email);

  // The page's own "Sign out" action, as the browser sends it: captured once (and not let through), then replayed
  // by a script with a session key that is nobody's, as someone holding the cookie could.
  await laptop.page.goto('/account/security');
  const captured = new Promise<{ headers: Record<string, string>; body: string }>((resolve) => {
    void laptop.page.route('**/account/security', async (route) => {
      const request = route.request();
      if (request.method() !== 'POST' || !request.headers()['next-action']) return route.fallback();
      resolve({ headers: request.headers(), body: request.postData() ?? '' });
      await route.abort();
    });
  });
  await sessionList(laptop.page)
    .getByRole('listitem', { name: 'Safari on iOS' })
    .getByRole('button', { name: 'Sign out Safari on iOS' })
    .click();
  const action = await captured;
  await laptop.page.unrouteAll({ behavior: 'wait' });
  // The session key, and no re-authentication claim (React encodes the omitted argument as "$undefined").
  expect(JSON.parse(action.body)).toEqual([expect.stringMatching(/^[a-f0-9]{32}$/), '$undefined']);

  const revokesBefore = await emulator.callCount('/user_management/sessions/revoke', 'POST');
  const listsBefore = await emulator.callCount(SESSION_LISTS, 'GET');
  const replay = (key: string) =>
    laptop.page.request.post('/account/security', {
      headers: {
        accept: 'text/x-component',
        'content-type': 'text/plain;charset=UTF-8',
        origin: e2eEnv.appURL,
        'next-action': action.headers['next-action']!,
        'next-router-state-tree': action.headers['next-router-state-tree'] ?? '',
      },
      data: JSON.stringify([key]),
      maxRedirects: 0,
    });
  const started = Date.now();
  const answers = await Promise.all(
    (await burst(45, 5, () => replay('0'.repeat(32)))).map(async (r) => ({ status: r.status(), body: await r.text() })),
  );
  const elapsedMs = Date.now() - started;
  expect(answers.map((a) => a.status)).toEqual(Array(45).fill(200));
  const notFound = answers.filter((a) => a.body.includes('"code":"not_found"')).length;
  const refused = answers.filter((a) => a.body.includes('"code":"rate_limited"'));
  // 30 actions per session per minute; the captured click never reached the server.
  expect(notFound).toBe(30);
  expect(refused).toHaveLength(15);
  expect(refused[0]!.body).toMatch(/Too many requests — try again in \d+ s\. Nothing was signed out\./);
  // Each allowed action asked WorkOS for the list once (the ownership check never uses the display cache) and its
  // re-rendered page at most once per display-cache period; the refused ones asked nothing; nothing was revoked.
  expect((await emulator.callCount(SESSION_LISTS, 'GET')) - listsBefore).toBeLessThanOrEqual(
    notFound + Math.ceil(elapsedMs / 5_000) + 1,
  );
  expect(await emulator.callCount('/user_management/sessions/revoke', 'POST')).toBe(revokesBefore);

  // The page's own button now gets the same answer, in the page, and the phone stays signed in.
  await laptop.page.reload();
  await sessionList(laptop.page)
    .getByRole('listitem', { name: 'Safari on iOS' })
    .getByRole('button', { name: 'Sign out Safari on iOS' })
    .click();
  await expect(laptop.page.getByRole('status').filter({ hasText: /\S/ })).toHaveText(
    /^Too many requests — try again in \d+ s\. Nothing was signed out\.$/,
  );
  expect(await activeIds(emulator, GRACE.email)).toEqual(graceBefore);
  await phone.page.goto('/home');
  await expect(phone.page.getByRole('heading', { name: `Welcome, ${GRACE.name}` })).toBeVisible();

  // Another user acts as usual meanwhile.
  await alanLaptop.page.goto('/account/security');
  await sessionList(alanLaptop.page)
    .getByRole('listitem', { name: 'Chrome on Android' })
    .getByRole('button', { name: 'Sign out Chrome on Android' })
    .click();
  await expect(alanLaptop.page.getByRole('status').filter({ hasText: /\S/ })).toHaveText(
    'Signed out Chrome on Android.',
  );

  // Signing this device out is never refused by a limit.
  const mine = sessionList(laptop.page).getByRole('listitem').filter({ hasText: 'This device' });
  await mine.getByRole('button', { name: /^Sign out/ }).click();
  await expect(laptop.page).toHaveURL(/\/signed-out\?reason=signed_out$/);
  const graceAfter = await activeIds(emulator, GRACE.email);
  expect(graceAfter).toHaveLength(1);
  expect(graceBefore).toContain(graceAfter[0]);
});

test('per client IP: /sign-in, /sign-up and /callback answer 429 with Retry-After past the limit, and cost WorkOS nothing more; another client is unaffected', async ({
  emulator,
}) => {
  // No cookie jar: each /sign-in sets a PKCE cookie, and a script need not send them back. Each client its own address.
  const attacker = fromAddress('127.0.0.81');
  const neighbour = fromAddress('127.0.0.82');
  const tooMany = async (response: PlainResponse) => {
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(String(response.headers['cache-control'])).toContain('no-store');
    return retryAfter;
  };

  // /sign-in and /sign-up share one budget of 120 a minute.
  const starts = await burst(125, 10, (i) => attacker(i % 2 ? '/sign-up' : '/sign-in', { headers: DOCUMENT }));
  expect(starts.slice(0, 120).map((r) => r.status)).toEqual(Array(120).fill(307));
  for (const refused of starts.slice(120)) {
    const retryAfter = await tooMany(refused);
    expect(String(refused.headers['content-type'])).toContain('text/html');
    expect(refused.text).toContain(`Too many requests — try again in ${retryAfter} s.`);
  }
  // A forged X-Forwarded-For does not buy the attacker a fresh budget.
  expect((await attacker('/sign-in', { headers: { ...DOCUMENT, 'x-forwarded-for': '203.0.113.200' } })).status).toBe(429);
  expect((await neighbour('/sign-in', { headers: DOCUMENT })).status).toBe(307);

  // /callback: a code exchange at WorkOS each, so past the limit the codes never reach WorkOS.
  const exchangesBefore = await emulator.callCount('/user_management/authenticate', 'POST');
  const callbacks = await burst(125, 10, (i) => attacker(`/callback?code=forged-${i}&state=x`));
  expect(callbacks.slice(0, 120).every((r) => r.status !== 429)).toBe(true);
  for (const refused of callbacks.slice(120)) {
    await tooMany(refused);
    expect(JSON.parse(refused.text)).toMatchObject({ error: 'rate_limited', retryAfterSeconds: expect.any(Number) });
  }
  expect((await emulator.callCount('/user_management/authenticate', 'POST')) - exchangesBefore).toBeLessThanOrEqual(
    120,
  );
  expect((await neighbour('/callback?code=forged&state=x')).status).not.toBe(429);
});

test("a user's event streams past the per-user cap get 429 with Retry-After; the refused tab backs off and still learns it was signed out", async ({
  newDevice,
  signIn,
  emulator,
}) => {
  const streams: SseStream[] = [];
  try {
    // Two sessions with 32 streams each (the per-session cap) fill Grace's 64.
    for (const agent of ['e2e-streams/a', 'e2e-streams/b']) {
      const { cookie } = await signInOverHttp(e2eEnv.appURL, GRACE.email, { userAgent: agent, ip: '198.51.100.91' });
      for (let i = 0; i < 32; i++) streams.push(openEventStream(e2eEnv.appURL, cookie));
    }
    await Promise.all(streams.map((s) => s.connected));

    // A third session: its tab's stream is refused for the user's cap…
    const tablet = await newDevice('iPad Pro 11', { ip: '198.51.100.92' });
    const refusals: { status: number; retryAfter: string | undefined }[] = [];
    tablet.page.on('response', (r) => {
      if (r.url().endsWith('/api/session/events'))
        refusals.push({ status: r.status(), retryAfter: r.headers()['retry-after'] });
    });
    await signIn(tablet.page, GRACE.email);
    await expect.poll(() => refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals.every((r) => r.status === 429 && r.retryAfter === '30')).toBe(true);
    const refused = await tablet.page.request.get('/api/session/events');
    expectTooManyRequests(refused);
    expect(await refused.json()).toEqual({ error: 'too_many_streams', scope: 'user' });

    // …while another user's stream opens as usual.
    const { cookie: alanCookie } = await signInOverHttp(e2eEnv.appURL, ALAN.email, {
      userAgent: 'e2e-streams/alan',
      ip: '198.51.100.93',
    });
    const alanStream = openEventStream(e2eEnv.appURL, alanCookie);
    streams.push(alanStream);
    await alanStream.connected;

    // Signed out at WorkOS: the refused tab's guard still finds out (its retries probe the session) and says so.
    const [tabletSession] = (await emulator.activeSessions(GRACE.email)).filter((s) => s.user_agent?.includes('iPad'));
    await emulator.revokeSession(tabletSession!.id);
    await expect(signedOutPrompt(tablet.page)).toBeVisible({ timeout: 35_000 });
    expect(await activeIds(emulator, GRACE.email)).toHaveLength(2);
  } finally {
    for (const stream of streams) stream.close();
  }
});

test('webhook deliveries past the per-IP limit get 429 with Retry-After: WorkOS retries them, and the revocation takes effect meanwhile', async ({
  newDevice,
  signIn,
  emulator,
  playwright,
}) => {
  // The emulator retries after 1, 2, 4, 8, 16 and 32 s; the limit's window is a minute.
  test.setTimeout(150_000);
  const device: Device = await newDevice('Desktop Chrome', { ip: '198.51.100.101' });
  await signIn(device.page, GRACE.email);
  const [session] = await emulator.activeSessions(GRACE.email);

  // Forged deliveries from the address WorkOS's own come from (this machine, no X-Forwarded-For): 1,200 a minute,
  // WorkOS's own deliveries of this minute included. Each is refused for its signature (401) until the limit (429).
  const forger = await playwright.request.newContext({ baseURL: e2eEnv.appURL });
  try {
    const forged = () =>
      forger.post('/api/webhooks/workos', {
        headers: { 'content-type': 'application/json', 'workos-signature': `t=${Date.now()}, v1=${'0'.repeat(64)}` },
        data: '{"id":"event_forged","event":"session.revoked","data":{}}',
        // A kept-alive socket the server closes just as a burst reuses it resets (ECONNRESET): sent again, as a client would.
        maxRetries: 3,
      });
    const untilRefused = async (): Promise<APIResponse> => {
      // At most two windows' worth: a burst may start at the end of a window this run opened earlier.
      for (let sent = 0; sent <= 2 * 1_200;) {
        for (const answer of await burst(50, 25, forged)) {
          sent += 1;
          if (answer.status() === 429) return answer;
          expect(answer.status()).toBe(401);
        }
      }
      throw new Error('the webhook endpoint never answered 429');
    };
    let refused = await untilRefused();
    if (expectTooManyRequests(refused) < 30) {
      // That window is nearly over: WorkOS's delivery below must meet a fresh one, so wait for it and spend it.
      await expect.poll(async () => (await forged()).status(), { timeout: 35_000 }).toBe(401);
      refused = await untilRefused();
    }
    expect(expectTooManyRequests(refused)).toBeGreaterThanOrEqual(30);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
  } finally {
    await forger.dispose();
  }

  // WorkOS revokes the session: its delivery is refused for now and scheduled again, not dropped…
  await emulator.revokeSession(session!.id);
  await expect
    .poll(async () => (await emulator.deliveries()).find((d) => d.event === 'session.revoked'))
    .toMatchObject({ status: 'pending', last_status: 429 });
  // …and the revocation is enforced meanwhile (the Events API, REVOCATION_SIGNALS=both).
  await expect(signedOutPrompt(device.page)).toBeVisible();

  // Once the minute is over, WorkOS's retry is delivered and acknowledged.
  await expect
    .poll(async () => (await emulator.deliveries()).find((d) => d.event === 'session.revoked'), {
      timeout: 120_000,
      intervals: [1_000],
    })
    .toMatchObject({ status: 'delivered' });
});
