import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page, Response } from '@playwright/test';
import { e2eEnv } from '../e2e-env';
import { DEMO_USERS, expect, signOutButton, test } from '../fixtures';

/**
 * Browser security headers (lib/security/headers.ts): a nonce-based Content-Security-Policy with 'strict-dynamic'
 * and the framing, sniffing, referrer, permissions and opener headers, on every kind of response the app serves.
 * Probes use Node's fetch with the browser's cookie copied in, so a refusal that clears the cookie cannot end the
 * session for the next probe.
 */

const APP = e2eEnv.appURL;
const WORKOS_ORIGIN = e2eEnv.emulatorURL;

const DOCUMENT = { accept: 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' };
const FETCH = { accept: 'application/json', 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' };

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

interface Probe {
  status: number;
  headers: Headers;
  body: string;
}

async function probe(path: string, init: { cookie?: string; headers?: Record<string, string> } = {}): Promise<Probe> {
  const response = await fetch(new URL(path, APP), {
    redirect: 'manual',
    headers: { ...init.headers, ...(init.cookie ? { cookie: init.cookie } : {}) },
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** A browser response's headers, repeated ones joined as fetch joins them (Set-Cookie left out). */
async function headersOf(response: Response): Promise<Headers> {
  const headers = new Headers();
  for (const { name, value } of await response.headersArray()) {
    if (name.toLowerCase() !== 'set-cookie') headers.append(name, value);
  }
  return headers;
}

async function cookieOf(context: BrowserContext): Promise<string> {
  const cookies = await context.cookies(APP);
  expect(cookies.some((c) => c.name === 'wos-session')).toBe(true);
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** The policy's directives by name. Fetch joins repeated headers with ", ", which a single policy never contains. */
function directives(headers: Headers): Map<string, string[]> {
  const policy = headers.get('content-security-policy');
  expect(policy, 'a Content-Security-Policy header').toBeTruthy();
  expect(policy, 'exactly one policy').not.toContain(',');
  return new Map(
    policy!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

function nonceOf(headers: Headers): string {
  const scriptSrc = directives(headers).get('script-src') ?? [];
  const nonce = scriptSrc.map((s) => /^'nonce-([A-Za-z0-9+/=_-]+)'$/.exec(s)?.[1]).find(Boolean);
  expect(nonce, `a nonce in script-src (${scriptSrc.join(' ')})`).toBeTruthy();
  return nonce!;
}

/** Everything but the policy: the same on every response, the proxy's or next.config's. */
function expectFixedHeaders(headers: Headers) {
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  const permissions = headers.get('permissions-policy') ?? '';
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb'])
    expect(permissions).toContain(`${feature}=()`);
  // The app's origin in these runs is http://localhost: no HSTS (a browser ignores it over http anyway).
  expect(headers.get('strict-transport-security')).toBeNull();
}

/** The full set, as the proxy answers: a per-request nonce with 'strict-dynamic', no eval in a production build. */
function expectSecurityHeaders({ headers }: Probe) {
  expectFixedHeaders(headers);
  const policy = directives(headers);
  const nonce = nonceOf(headers);
  expect(policy.get('script-src')).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
  expect(policy.get('style-src')).toEqual(["'self'", `'nonce-${nonce}'`]);
  expect(policy.get('default-src')).toEqual(["'self'"]);
  expect(policy.get('connect-src')).toEqual(["'self'"]);
  expect(policy.get('object-src')).toEqual(["'none'"]);
  expect(policy.get('base-uri')).toEqual(["'none'"]);
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  // Signing out without JavaScript is a form POST that WorkOS's logout URL answers.
  expect(policy.get('form-action')).toEqual(["'self'", WORKOS_ORIGIN]);
  expect(policy.has('upgrade-insecure-requests')).toBe(false);
}

test('every kind of response the app serves carries the security headers', async ({ newDevice, signIn, emulator }) => {
  const signedOut: Array<[string, Parameters<typeof probe>[1], number]> = [
    ['/', { headers: DOCUMENT }, 200],
    ['/signed-out?reason=signed_out', { headers: DOCUMENT }, 200],
    ['/api/health', { headers: FETCH }, 200],
    // The proxy: a protected page sends a document to sign in, and answers anything else 401.
    ['/home', { headers: DOCUMENT }, 307],
    ['/home', { headers: FETCH }, 401],
    ['/api/session', { headers: FETCH }, 401],
    // A route handler's redirect to AuthKit.
    ['/sign-in', { headers: DOCUMENT }, 307],
  ];
  for (const [path, init, status] of signedOut) {
    await test.step(`signed out: ${init?.headers === DOCUMENT ? 'document' : 'fetch'} ${path}`, async () => {
      const response = await probe(path, init);
      expect(response.status).toBe(status);
      expectSecurityHeaders(response);
    });
  }

  const grace = await newDevice('Desktop Chrome');
  await signIn(grace.page, DEMO_USERS.grace.email);
  const cookie = await cookieOf(grace.context);
  const signedIn: Array<[string, string, Record<string, string>, number, RegExp?]> = [
    ['page', '/home', DOCUMENT, 200, /text\/html/],
    ['RSC request', '/home', { ...FETCH, rsc: '1' }, 200, /text\/x-component/],
    ['prefetch', '/account/security', { ...FETCH, rsc: '1', 'next-router-prefetch': '1' }, 200, /text\/x-component/],
    ['API route', '/api/session', FETCH, 200, /application\/json/],
    ['not-found page', '/no-such-page', DOCUMENT, 404, /text\/html/],
    // forbidden(): a member on the admin page gets the 403 error page.
    ['error page', '/admin', DOCUMENT, 403, /text\/html/],
  ];
  for (const [kind, path, headers, status, type] of signedIn) {
    await test.step(`signed in: ${kind} ${path}`, async () => {
      let response = await probe(path, { cookie, headers });
      if (headers.rsc) {
        // Next sends an RSC request without its cache-busting `_rsc` query back to the same URL with one.
        expect(response.status).toBe(307);
        expectSecurityHeaders(response);
        expect(response.headers.get('location')).toContain('_rsc');
        response = await probe(response.headers.get('location')!, { cookie, headers });
      }
      expect(response.status).toBe(status);
      if (type) expect(response.headers.get('content-type')).toMatch(type);
      expectSecurityHeaders(response);
    });
  }

  await emulator.revokeUserSessions(DEMO_USERS.grace.email);
  await test.step('revoked: the proxy answers fetch 401 and redirects a document to /signed-out', async () => {
    await expect.poll(async () => (await probe('/api/session', { cookie, headers: FETCH })).status).toBe(401);
    const refused = await probe('/api/session', { cookie, headers: FETCH });
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'session_revoked' });
    expectSecurityHeaders(refused);
    const redirected = await probe('/home', { cookie, headers: DOCUMENT });
    expect(redirected.status).toBe(303);
    expect(redirected.headers.get('location')).toContain('/signed-out?reason=');
    expectSecurityHeaders(redirected);
  });
});

test('paths the proxy does not run on carry the fixed headers and a policy that allows no script', async ({ page }) => {
  const home = await probe('/', { headers: DOCUMENT });
  const chunk = /<script[^>]+src="(\/_next\/static\/[^"]+\.js)"/.exec(home.body)?.[1];
  expect(chunk, 'a script chunk on the landing page').toBeTruthy();

  for (const [path, status] of [
    [chunk!, 200],
    ['/favicon.ico', 404],
    ['/robots.txt', 404],
  ] as const) {
    await test.step(path, async () => {
      const response = await probe(path);
      expect(response.status).toBe(status);
      expectFixedHeaders(response.headers);
      const policy = directives(response.headers);
      expect(policy.get('default-src')).toEqual(["'none'"]);
      expect(policy.has('script-src')).toBe(false);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    });
  }
  // The not-found page served there renders without any script running (and so without a violation to fix).
  await page.goto('/robots.txt');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('every script on a page carries that response’s nonce, and the nonce is new on every request', async ({
  newDevice,
  signIn,
}) => {
  const grace = await newDevice('Desktop Chrome');
  await signIn(grace.page, DEMO_USERS.grace.email);
  const cookie = await cookieOf(grace.context);

  const seen = new Set<string>();
  for (const [path, init] of [
    ['/', {}],
    ['/', {}],
    ['/account/security', { cookie }],
    ['/account/security', { cookie }],
    ['/no-such-page', { cookie }],
  ] as const) {
    const response = await probe(path, { ...init, headers: DOCUMENT });
    const nonce = nonceOf(response.headers);
    expect(nonce.length, 'at least 128 bits, base64').toBeGreaterThanOrEqual(22);
    expect(seen.has(nonce), `a fresh nonce for ${path}`).toBe(false);
    seen.add(nonce);

    const scripts = response.body.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length, `scripts on ${path}`).toBeGreaterThan(2);
    for (const tag of scripts) expect(tag, `on ${path}`).toContain(`nonce="${nonce}"`);
  }
});

/** CSP and Permissions-Policy complaints from the app's documents, however the browser reports them. */
async function watchPolicyErrors(context: BrowserContext): Promise<string[]> {
  const problems: string[] = [];
  await context.exposeBinding('__reportViolation', ({ frame }, text: string) => {
    if (frame.url().startsWith(APP)) problems.push(text);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportViolation(text: string): void }).__reportViolation(
        `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  context.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Permissions-Policy|Permissions policy|Refused to/i.test(text)) problems.push(text);
  });
  return problems;
}

test('the app runs under the policy: sign in, navigate, confirm, sign out — no violation reported', async ({
  newDevice,
  signIn,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  const problems = await watchPolicyErrors(laptop.context);
  const page = laptop.page;

  await page.goto('/');
  await signIn(page, DEMO_USERS.ada.email);
  await expect(page.getByRole('heading', { name: `Welcome, ${DEMO_USERS.ada.name}` })).toBeVisible();

  // A client-side navigation (RSC), then a confirmation dialog: both need React running.
  await page.getByRole('banner').getByRole('link', { name: 'Security' }).click();
  await page.waitForURL('**/account/security');
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out everywhere?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole('banner').getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await page.goto('/home');

  // The header's Sign out is a server action that redirects to WorkOS's logout URL (another origin).
  const action = page.waitForResponse((r) => r.request().method() === 'POST' && !!r.request().headers()['next-action']);
  await signOutButton(page).click();
  const actionResponse = await action;
  await page.waitForURL('**/signed-out?reason=signed_out');
  await expect(page.getByRole('heading', { name: 'You’re signed out' })).toBeVisible();
  expectSecurityHeaders({ status: actionResponse.status(), headers: await headersOf(actionResponse), body: '' });

  expect(problems).toEqual([]);
});

test('without JavaScript, signing in and the header’s Sign out (a form POST redirected to WorkOS) still work', async ({
  browser,
  signIn,
  emulator,
}) => {
  const context = await browser.newContext({ baseURL: APP, javaScriptEnabled: false });
  try {
    const problems = await watchPolicyErrors(context);
    const page = await context.newPage();
    await signIn(page, DEMO_USERS.alan.email);
    await expect(page.getByRole('heading', { name: `Welcome, ${DEMO_USERS.alan.name}` })).toBeVisible();
    await signOutButton(page).click();
    await page.waitForURL('**/signed-out?reason=signed_out');
    expect(await emulator.activeSessions(DEMO_USERS.alan.email)).toHaveLength(0);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});

/**
 * Loads `target` in an iframe of a page served from another origin of the same site (http://localhost, another
 * port), so the SameSite=Lax session cookie goes along as it would from a sibling subdomain; then waits for the
 * frame's load event. A real server, not page.route: Chrome refuses a routed "public" page any frame on localhost.
 */
async function frameFromAnotherOrigin(page: Page, target: string) {
  const html = `<!doctype html><title>attacker</title><iframe src="${APP}${target}" width="900" height="700" onload="document.title='loaded'"></iframe>`;
  const attacker = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  try {
    const framed = page.waitForResponse((r) => r.url() === `${APP}${target}`);
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    await expect(page).toHaveTitle('loaded');
    // The app did answer with the page (the session cookie went along): only its headers keep it out of the frame.
    expect((await framed).status()).toBe(200);
  } finally {
    attacker.close();
  }
  return page.frameLocator('iframe');
}

test('a destructive confirmation cannot be shown in a frame on another origin', async ({ newDevice, signIn }) => {
  const { page } = await newDevice('Desktop Chrome');
  await signIn(page, DEMO_USERS.grace.email);
  // The page reached by going back from re-authentication: it opens "Sign out everywhere?" by itself.
  const frame = await frameFromAnotherOrigin(page, '/account/security?confirm=everywhere');

  expect(page.frames().map((f) => f.url())).not.toContainEqual(expect.stringContaining(`${APP}/account/security`));
  await expect(frame.getByRole('heading', { name: 'Security', level: 1 })).toHaveCount(0);
  await expect(frame.getByRole('button', { name: 'Yes, sign out everywhere' })).toHaveCount(0);
});

test('the admin page cannot be shown in a frame on another origin', async ({ newDevice, signIn }) => {
  const { page } = await newDevice('Desktop Chrome');
  await signIn(page, DEMO_USERS.ada.email);
  const frame = await frameFromAnotherOrigin(page, `/admin?email=${encodeURIComponent(DEMO_USERS.grace.email)}`);

  expect(page.frames().map((f) => f.url())).not.toContainEqual(expect.stringContaining(`${APP}/admin`));
  await expect(frame.getByRole('heading', { name: 'Administration' })).toHaveCount(0);
});
