import { devices, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expect, fillHostedSignIn, test, type EmulatorClient } from '../../e2e/fixtures';
import {
  expectNothingSignedOut,
  grantsBySession,
  navigate,
  openWithStream,
  thinkTime,
  wakeUpRounds,
  watch,
} from '../../e2e/session-watch';
import { fromAddress } from '../../e2e/security/from-address';
import { MULTI, PUBLIC_ORIGIN, startCluster, type Cluster, type Instance } from '../../tools/stack/cluster.ts';
import { openEventStream, sessionIdByUserAgent, sessionStatus, signInOverHttp, type SseStream } from '../../tools/stack/http-client.ts';

/**
 * Two app instances sharing revocations through Redis, with real processes: redis-server, `next start` ×2 (one
 * build, separate SQLite files), the WorkOS emulator (webhooks → instance A only). Nothing here reaches into the
 * app: revocations start in the browser on A's security page, or at "WorkOS" (emulator → webhook → A).
 */

const OPS_TOKEN = 'multi-ops-token-local-only-0123456789abcdef';
let cluster: Cluster;
let emulator: EmulatorClient;
const streams: SseStream[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  cluster = await startCluster({ appEnv: { OPS_TOKEN } });
  emulator = cluster.emulator;
  await emulator.reset();
});

test.afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});

test.afterAll(async () => {
  await cluster?.stop();
});

async function device(
  browser: Browser,
  profile: 'Desktop Chrome' | 'Pixel 7',
  ip: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const options: Record<string, unknown> = { ...devices[profile] };
  delete options.defaultBrowserType;
  const context = await browser.newContext({
    ...options,
    baseURL: PUBLIC_ORIGIN,
    extraHTTPHeaders: { 'X-Forwarded-For': ip },
  });
  return { context, page: await context.newPage() };
}

async function signInOnA(page: Page, email: string): Promise<void> {
  await page.goto('/sign-in?returnTo=%2Fhome');
  await fillHostedSignIn(page, email);
  await page.waitForURL((url) => url.pathname === '/home');
}

async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies(PUBLIC_ORIGIN)).map((c) => `${c.name}=${c.value}`).join('; ');
}

function stream(instance: Instance, cookie: string): SseStream {
  const s = openEventStream(instance.origin, cookie);
  streams.push(s);
  return s;
}

async function revocationHealth(instance: Instance): Promise<string | undefined> {
  return (await instance.health()).revocation?.status;
}

test('a revoke on A locks the session out on B at once and prompts the device connected to B', async ({ browser }) => {
  const laptop = await device(browser, 'Desktop Chrome', '203.0.113.61');
  const phone = await device(browser, 'Pixel 7', '198.51.100.62');
  await signInOnA(laptop.page, 'grace@example.com');
  await signInOnA(phone.page, 'grace@example.com');

  // The phone is served by instance B: its page and its event stream (the session guard's EventSource).
  const phoneCookie = await cookieHeader(phone.context);
  const guardStream = phone.page.waitForResponse(
    (r) => r.url() === `${cluster.b.origin}/api/session/events` && r.status() === 200,
  );
  await phone.page.goto(`${cluster.b.origin}/home`);
  await guardStream;
  const rawStreamOnB = stream(cluster.b, phoneCookie);
  await rawStreamOnB.connected;
  expect(await sessionStatus(cluster.b.origin, phoneCookie)).toMatchObject({ status: 200 });

  // On A, the laptop signs the phone out from the security page (WorkOS first, then the registry → Redis).
  await laptop.page.goto(`${cluster.a.origin}/account/security`);
  const phoneRow = laptop.page.getByRole('listitem', { name: /Android/ });
  await expect(phoneRow).toBeVisible();
  await phoneRow.getByRole('button', { name: /Sign out/ }).click();
  await expect(laptop.page.getByText(/Signed out .*Android/).first()).toBeVisible();

  // The very next request with the phone's cookie on B is refused — B heard it through Redis, not from WorkOS.
  const onB = await sessionStatus(cluster.b.origin, phoneCookie);
  expect(onB).toEqual({ status: 401, error: 'session_revoked', reason: 'signed_out_elsewhere' });
  const pageRequest = await phone.context.request.get(`${cluster.b.origin}/api/session`);
  expect(pageRequest.status()).toBe(401);
  expect(pageRequest.headers()['x-session-status']).toBe('revoked');

  // B pushed `revoked` to the streams it serves, and the phone shows the blocking prompt without a reload.
  const event = await rawStreamOnB.revoked;
  expect(event.data.reason).toBe('signed_out_elsewhere');
  await expect(phone.page.getByRole('alertdialog', { name: /You.ve been signed out/ })).toBeVisible();
  // The phone's page said so to B; the laptop, on A, sees it (each instance has its own SQLite: through Redis).
  const receipt = laptop.page
    .getByRole('list', { name: 'Security activity' })
    .getByRole('listitem')
    .filter({ hasText: /You signed out .*Android from/ })
    .locator('[data-receipt]');
  await expect(receipt).toHaveAttribute('data-receipt', 'told');
  await expect(receipt).toHaveText(/Android was told at .* \(\d+\.\d s later\)$/);

  // The laptop's own session is untouched on both instances.
  const laptopCookie = await cookieHeader(laptop.context);
  expect((await sessionStatus(cluster.a.origin, laptopCookie)).status).toBe(200);
  expect((await sessionStatus(cluster.b.origin, laptopCookie)).status).toBe(200);

  await laptop.context.close();
  await phone.context.close();
});

test('Redis stopped and restarted mid-test loses no revocation; B restarted meanwhile still knows everything', async () => {
  const email = 'alan@example.com';
  const userId = (await emulator.userByEmail(email)).id;
  const sessions = {} as Record<'before' | 'during' | 'control', { cookie: string; id: string }>;
  for (const name of ['before', 'during', 'control'] as const) {
    const userAgent = `multi-instance-test/${name}`;
    const { cookie } = await signInOverHttp(PUBLIC_ORIGIN, email, { userAgent, ip: '192.0.2.7' });
    sessions[name] = { cookie, id: await sessionIdByUserAgent(emulator, userId, userAgent) };
  }
  const { before, during, control } = sessions;

  // 1. Revoked at WorkOS while everything is up: webhook → A → Redis → B.
  const beforeOnB = stream(cluster.b, before.cookie);
  await beforeOnB.connected;
  await emulator.revokeSession(before.id);
  expect((await beforeOnB.revoked).data.reason).toBe('revoked_at_workos');

  // 2. Redis goes away. Both instances say so, and keep enforcing what they know.
  await cluster.redis.stop();
  await expect.poll(() => revocationHealth(cluster.a), { timeout: 10_000 }).toBe('degraded');
  await expect.poll(() => revocationHealth(cluster.b), { timeout: 10_000 }).toBe('degraded');
  expect((await sessionStatus(cluster.b.origin, before.cookie)).status).toBe(401);

  // 3. A revocation lands on A during the outage: A applies it at once and keeps it in its outbox.
  const duringOnA = stream(cluster.a, during.cookie);
  await duringOnA.connected;
  await emulator.revokeSession(during.id);
  expect((await duringOnA.revoked).data.reason).toBe('revoked_at_workos');
  expect(await sessionStatus(cluster.a.origin, during.cookie)).toMatchObject({ status: 401, error: 'session_revoked' });
  // /api/health is public and no longer says why; the detail is in A's log (written when health changes).
  expect((await cluster.a.health()).revocation).toMatchObject({ status: 'degraded' });
  await expect.poll(() => cluster.a.logSinceStart(), { timeout: 5_000 }).toMatch(/queued/);
  // Documented degraded-mode window: B is cut off from Redis, so it cannot know yet.
  expect((await sessionStatus(cluster.b.origin, during.cookie)).status).toBe(200);

  // 4. B restarts while Redis is still down: it comes up (degraded) still enforcing what it knew.
  await cluster.b.restart();
  expect(await revocationHealth(cluster.b)).toBe('degraded');
  expect(await sessionStatus(cluster.b.origin, before.cookie)).toMatchObject({ status: 401, error: 'session_revoked' });
  const duringOnB = stream(cluster.b, during.cookie);
  await duringOnB.connected;

  // 5. Redis returns — EMPTY (no persistence). A flushes its outbox, every instance puts back what it knows,
  //    B reloads: the open stream on B is prompted and B refuses the session.
  await cluster.redis.restart();
  expect((await duringOnB.revoked).data.reason).toBe('revoked_at_workos');
  expect(await sessionStatus(cluster.b.origin, during.cookie)).toMatchObject({ status: 401, error: 'session_revoked' });
  await expect.poll(() => revocationHealth(cluster.a), { timeout: 15_000 }).toBe('ok');
  await expect.poll(() => revocationHealth(cluster.b), { timeout: 15_000 }).toBe('ok');

  // 6. A new instance with an empty database learns everything from Redis alone.
  await cluster.b.stop();
  for (const suffix of ['', '-wal', '-shm']) {
    const { rmSync } = await import('node:fs');
    rmSync(`${cluster.b.databasePath}${suffix}`, { force: true });
  }
  await cluster.b.start();
  expect(await revocationHealth(cluster.b)).toBe('ok');
  for (const instance of [cluster.a, cluster.b]) {
    expect((await sessionStatus(instance.origin, before.cookie)).status).toBe(401);
    expect((await sessionStatus(instance.origin, during.cookie)).status).toBe(401);
    // No false positive: the untouched session works everywhere.
    expect((await sessionStatus(instance.origin, control.cookie)).status).toBe(200);
  }
});

// Issue 9: one session, one cookie, pages on both instances. Tokens live 5 s so that they expire DURING the test
// (WorkOS's default is 300 s); the instances share refreshes through Redis (a lock per session, the newest cookie).
test.describe('token refresh across instances', () => {
  const TOKEN_SECONDS = 5;
  const user = { email: 'grace@example.com', name: 'Grace Hopper' };

  test.beforeEach(async () => {
    await emulator.reset();
    await emulator.setConfig({ access_token_ttl_seconds: TOKEN_SECONDS });
  });
  test.afterEach(async () => {
    await emulator.setConfig({ access_token_ttl_seconds: 300 });
  });

  const appOrigins = new RegExp(`^http://127\\.0\\.0\\.1:(${MULTI.appPorts.join('|')})/`);

  test('tabs on A and on B stay signed in across twelve token lifetimes, spending each refresh token once', async ({
    browser,
  }) => {
    const laptop = await device(browser, 'Desktop Chrome', '203.0.113.71');
    await signInOnA(laptop.page, user.email);
    const onB = await laptop.context.newPage();
    const alsoOnA = await laptop.context.newPage();
    const tabs = [watch(laptop.page, 'A 1', appOrigins), watch(onB, 'B', appOrigins), watch(alsoOnA, 'A 2', appOrigins)];
    await openWithStream(laptop.page, `${cluster.a.origin}/home`);
    await openWithStream(onB, `${cluster.b.origin}/account/security`);
    await openWithStream(alsoOnA, `${cluster.a.origin}/home`);

    const started = Date.now();
    await Promise.all(
      tabs.map(async ({ page }, index) => {
        for (let step = 0; Date.now() - started < 12 * TOKEN_SECONDS * 1000; step++) {
          await navigate(page, step % 2 === 0 ? 'Security' : 'Home', user.name);
          await thinkTime(page, step, index);
        }
      }),
    );
    const elapsedSeconds = (Date.now() - started) / 1000;
    await expectNothingSignedOut(tabs);
    const [grants] = await grantsBySession(emulator, user.email);
    expect(grants?.invalidGrant).toBe(0);
    expect((grants?.ok ?? 0) / (elapsedSeconds / TOKEN_SECONDS)).toBeLessThan(1.6);
    expect((grants?.ok ?? 0) / (elapsedSeconds / TOKEN_SECONDS)).toBeGreaterThan(0.7);
    await laptop.context.close();
  });

  test('a browser with tabs on both instances wakes up after its token expired and stays signed in, every time', async ({
    browser,
  }) => {
    const laptop = await device(browser, 'Desktop Chrome', '203.0.113.72');
    await signInOnA(laptop.page, user.email);
    const pages = [laptop.page, await laptop.context.newPage(), await laptop.context.newPage(), await laptop.context.newPage()];
    const origins = [cluster.a.origin, cluster.b.origin, cluster.a.origin, cluster.b.origin];
    const tabs = pages.map((page, i) => watch(page, `tab ${i + 1} on ${i % 2 ? 'B' : 'A'}`, appOrigins));
    await Promise.all(pages.map((page, i) => openWithStream(page, `${origins[i]}/home`)));

    await wakeUpRounds(laptop.context, tabs, { rounds: 3, tokenSeconds: TOKEN_SECONDS, userName: user.name });
    const [grants] = await grantsBySession(emulator, user.email);
    expect(grants?.invalidGrant).toBe(0);
    await laptop.context.close();
  });
});

// Issue 10: nothing lost under faults, across instances.
test.describe('durable revocation across instances', () => {
  // The outbox backs off between attempts (1 s doubling, with jitter): after the ~6 failures these faults cause, its
  // next try can be 32 s after WorkOS is back.
  const CATCH_UP_MS = 75_000;

  async function outboxPending(instance: Instance): Promise<number> {
    const response = await fetch(`${instance.origin}/api/health/detail`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
    const body = (await response.json()) as { workosOutbox: { pending: number }[] };
    // With Redis, each owed end is in the shared outbox and in the instance's journal: count it once.
    return Math.max(0, ...body.workosOutbox.map((o) => o.pending));
  }

  test.beforeEach(async () => {
    await emulator.reset();
  });
  test.afterEach(async () => {
    await emulator.clearFaults();
  });

  test('WorkOS down during a sign-out on A, then A restarts: the owed end is sent when WorkOS returns, nothing lapses', async ({
    browser,
  }) => {
    const email = 'grace@example.com';
    const laptop = await device(browser, 'Desktop Chrome', '203.0.113.81');
    await signInOnA(laptop.page, email);
    const phone = await signInOverHttp(PUBLIC_ORIGIN, email, { userAgent: 'multi-instance-test/phone', ip: '198.51.100.81' });
    await emulator.addFault({ method: 'POST', path: '/user_management/sessions/revoke', status: 503, count: 10_000 });

    await laptop.page.goto(`${cluster.a.origin}/account/security`);
    const phoneRow = laptop.page.getByRole('listitem').filter({ hasText: '198.51.100.81' });
    await phoneRow.getByRole('button', { name: /^Sign out/ }).click();
    await expect(laptop.page.getByRole('status').filter({ hasText: /\S/ })).toContainText('WorkOS has not confirmed it yet');
    for (const instance of [cluster.a, cluster.b]) {
      expect((await sessionStatus(instance.origin, phone.cookie)).status).toBe(401);
    }
    expect(await emulator.activeSessions(email)).toHaveLength(2);
    expect(await outboxPending(cluster.a)).toBe(1);

    // A restarts with the end still owed to WorkOS; WorkOS comes back afterwards.
    await cluster.a.restart();
    expect(await outboxPending(cluster.a)).toBe(1);
    expect((await sessionStatus(cluster.a.origin, phone.cookie)).status).toBe(401);
    await emulator.clearFaults();
    await expect.poll(async () => (await emulator.activeSessions(email)).length, { timeout: CATCH_UP_MS }).toBe(1);
    await expect.poll(() => outboxPending(cluster.a), { timeout: 10_000 }).toBe(0);
    for (const instance of [cluster.a, cluster.b]) {
      expect((await sessionStatus(instance.origin, phone.cookie)).status).toBe(401);
    }
    await laptop.context.close();
  });

  test('WorkOS down during a sign-out on A, then Redis restarts empty: A still owes the end, and WorkOS gets it when it returns', async ({
    browser,
  }) => {
    const email = 'ada@example.com';
    const laptop = await device(browser, 'Desktop Chrome', '203.0.113.82');
    await signInOnA(laptop.page, email);
    const phone = await signInOverHttp(PUBLIC_ORIGIN, email, { userAgent: 'multi-instance-test/phone-2', ip: '198.51.100.82' });
    await emulator.addFault({ method: 'POST', path: '/user_management/sessions/revoke', status: 503, count: 10_000 });

    await laptop.page.goto(`${cluster.a.origin}/account/security`);
    await laptop.page.getByRole('listitem').filter({ hasText: '198.51.100.82' }).getByRole('button', { name: /^Sign out/ }).click();
    await expect(laptop.page.getByRole('status').filter({ hasText: /\S/ })).toContainText('WorkOS has not confirmed it yet');

    // Redis loses everything it held (a restart without persistence, a failover to a replica that was behind).
    await cluster.redis.stop();
    await cluster.redis.restart();
    await expect.poll(() => revocationHealth(cluster.a), { timeout: 20_000 }).toBe('ok');
    expect((await sessionStatus(cluster.b.origin, phone.cookie)).status).toBe(401);

    await emulator.clearFaults();
    await expect.poll(async () => (await emulator.activeSessions(email)).length, { timeout: CATCH_UP_MS }).toBe(1);
    await expect.poll(() => outboxPending(cluster.a), { timeout: 15_000 }).toBe(0);
    await laptop.context.close();
  });

  test('Redis down during a revocation, and a new instance started meanwhile: it refuses signed-in requests until it knows', async () => {
    const email = 'alan@example.com';
    const userId = (await emulator.userByEmail(email)).id;
    const userAgent = 'multi-instance-test/during-outage';
    const { cookie } = await signInOverHttp(PUBLIC_ORIGIN, email, { userAgent, ip: '192.0.2.81' });
    const control = await signInOverHttp(PUBLIC_ORIGIN, email, { userAgent: 'multi-instance-test/control', ip: '192.0.2.82' });
    const sessionId = await sessionIdByUserAgent(emulator, userId, userAgent);

    await cluster.redis.stop();
    await expect.poll(() => revocationHealth(cluster.a), { timeout: 10_000 }).toBe('degraded');
    // Revoked at WorkOS during the outage: the webhook reaches A, which enforces it and queues it for Redis.
    const onA = stream(cluster.a, cookie);
    await onA.connected;
    await emulator.revokeSession(sessionId);
    expect((await onA.revoked).data.reason).toBe('revoked_at_workos');

    // "A third instance": B comes back with an empty database while Redis is still down. It knows no revocation.
    await cluster.b.stop();
    const { rmSync } = await import('node:fs');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${cluster.b.databasePath}${suffix}`, { force: true });
    await cluster.b.start({ ready: false });
    const health = await fetch(`${cluster.b.origin}/api/health`);
    expect(health.status).toBe(503);
    // Fail closed: signed-in requests are "temporarily unavailable", never served; public pages still work.
    for (const who of [cookie, control.cookie]) {
      const response = await fetch(`${cluster.b.origin}/api/session`, { headers: { cookie: who } });
      expect(response.status).toBe(503);
      expect(response.headers.get('x-session-status')).toBe('retry');
      expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    }
    expect((await fetch(`${cluster.b.origin}/`, { headers: { cookie } })).status).toBe(200);

    // Redis returns, empty: A puts back what it knows, B loads it, and serves again — refusing the revoked session.
    await cluster.redis.restart();
    await expect.poll(async () => (await fetch(`${cluster.b.origin}/api/health`)).status, { timeout: 20_000 }).toBe(200);
    expect(await sessionStatus(cluster.b.origin, cookie)).toMatchObject({ status: 401, error: 'session_revoked' });
    expect((await sessionStatus(cluster.b.origin, control.cookie)).status).toBe(200);
    expect((await sessionStatus(cluster.a.origin, cookie)).status).toBe(401);
  });
});

test.describe('rate limits across instances', () => {
  // From a loopback address of the test's own (the app trusts no proxy: the socket's address is the client's).
  const signInFrom = async (instance: Instance, ip: string) =>
    (await fromAddress(ip, instance.origin)('/sign-in', { headers: { accept: 'text/html', 'sec-fetch-dest': 'document' } })).status;

  test('one budget for both instances through Redis; with Redis down each instance counts alone and refuses nobody for the outage', async () => {
    // 120 sign-in starts a minute per client IP (the default), spent half on A and half on B.
    const shared = [];
    for (let i = 0; i < 120; i++) shared.push(await signInFrom(i % 2 ? cluster.b : cluster.a, '127.0.0.90'));
    expect(shared).toEqual(Array(120).fill(307));
    expect(await signInFrom(cluster.a, '127.0.0.90')).toBe(429);
    expect(await signInFrom(cluster.b, '127.0.0.90')).toBe(429);

    await cluster.redis.stop();
    try {
      // Each instance now counts in its own memory: the full budget on A, and still the limit past it.
      const alone = [];
      for (let i = 0; i < 120; i++) alone.push(await signInFrom(cluster.a, '127.0.0.91'));
      expect(alone).toEqual(Array(120).fill(307));
      expect(await signInFrom(cluster.a, '127.0.0.91')).toBe(429);
      expect(await signInFrom(cluster.b, '127.0.0.91')).toBe(307);
    } finally {
      await cluster.redis.restart();
    }
  });
});
