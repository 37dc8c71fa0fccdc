import { DEMO_USERS, expect, signOutButton, test } from './fixtures';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

test('the landing page explains the product and offers sign in and sign up', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Sign out everywhere');
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign up' })).toBeVisible();

  await page.getByRole('link', { name: 'Sign in' }).first().click();
  await expect(page).toHaveTitle(/Sign in to Demo App/);
});

test('two devices signing in as the same user get two different sessions', async ({ newDevice, signIn, emulator }) => {
  const laptop = await newDevice('Desktop Chrome', { ip: '203.0.113.21' });
  const phone = await newDevice('iPhone 15', { ip: '198.51.100.42' });

  await signIn(laptop.page, DEMO_USERS.grace.email);
  await signIn(phone.page, DEMO_USERS.grace.email);

  const sessions = await emulator.activeSessions(DEMO_USERS.grace.email);
  expect(sessions).toHaveLength(2);
  expect(new Set(sessions.map((s) => s.id)).size).toBe(2);
  expect(sessions.map((s) => s.ip_address).sort()).toEqual(['198.51.100.42', '203.0.113.21']);
  expect(sessions.find((s) => s.ip_address === '198.51.100.42')?.user_agent).toMatch(/iPhone/);

  // Each device's home page describes its own session.
  for (const device of [laptop, phone]) {
    await expect(device.page.getByRole('heading', { name: `Welcome, ${DEMO_USERS.grace.name}` })).toBeVisible();
    await expect(device.page.getByTestId('session-ip')).toHaveText(device.ip);
    await expect(device.page.getByText('Password', { exact: true })).toBeVisible();
  }
  await expect(phone.page.getByTestId('this-session')).toContainText('iOS');
  await expect(laptop.page.getByTestId('this-session')).not.toContainText('iOS');
});

test('signing out on one device leaves the other signed in', async ({ newDevice, signIn, emulator }) => {
  const laptop = await newDevice('Desktop Chrome');
  const phone = await newDevice('Pixel 7');
  await signIn(laptop.page, DEMO_USERS.alan.email);
  await signIn(phone.page, DEMO_USERS.alan.email);

  await signOutButton(laptop.page).click();
  await laptop.page.waitForURL('**/signed-out?reason=signed_out');
  await expect(laptop.page.getByRole('heading', { name: 'You’re signed out' })).toBeVisible();
  await expect(laptop.page.getByRole('link', { name: 'Sign in again' })).toBeVisible();

  // WorkOS ended exactly the laptop's session.
  const sessions = await emulator.sessions(DEMO_USERS.alan.email);
  const active = sessions.filter((s) => s.status === 'active');
  expect(active).toHaveLength(1);
  expect(active[0]?.ip_address).toBe(phone.ip);
  expect(sessions.find((s) => s.ip_address === laptop.ip)?.status).toBe('revoked');

  // The laptop is signed out: a protected page sends it to sign in.
  await laptop.page.goto('/home');
  await expect(laptop.page).toHaveTitle(/Sign in to Demo App/);

  // The phone is still signed in.
  await phone.page.reload();
  await expect(phone.page.getByRole('heading', { name: `Welcome, ${DEMO_USERS.alan.name}` })).toBeVisible();
  await expect(phone.page.getByTestId('session-ip')).toHaveText(phone.ip);
});

test('signing up creates the account and signs it in', async ({ newDevice, emulator }) => {
  const { page } = await newDevice('Pixel 7');
  await page.goto('/');
  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByLabel('First name').fill('Katherine');
  await page.getByLabel('Last name').fill('Johnson');
  await page.getByLabel('Email').fill('katherine@example.com');
  await page.getByLabel('Password').fill('orbit-trajectory-1962');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/home');
  await expect(page.getByRole('heading', { name: 'Welcome, Katherine Johnson' })).toBeVisible();
  expect(await emulator.activeSessions('katherine@example.com')).toHaveLength(1);
});

test('a protected page sends a signed-out visitor to sign in and back', async ({ newDevice }) => {
  const { page } = await newDevice('Desktop Chrome');
  await page.goto('/home');
  await expect(page).toHaveTitle(/Sign in to Demo App/);

  await page.getByLabel('Email').fill(DEMO_USERS.grace.email);
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/home');
  await expect(page.getByRole('heading', { name: `Welcome, ${DEMO_USERS.grace.name}` })).toBeVisible();
});

test('non-document requests without a session get 401, not a redirect', async ({ newDevice }) => {
  const { context } = await newDevice('Desktop Chrome');
  const response = await context.request.get('/home', {
    headers: { accept: 'application/json', 'sec-fetch-dest': 'empty' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(401);
  expect(await response.json()).toEqual({ error: 'unauthenticated' });
});

test('a wrong password keeps the visitor on the hosted page', async ({ newDevice }) => {
  const { page } = await newDevice('Desktop Chrome');
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(DEMO_USERS.grace.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveTitle(/Sign in to Demo App/);
  expect(new URL(page.url()).pathname).not.toBe('/home');
});

test('an off-site returnTo is ignored', async ({ newDevice, baseURL }) => {
  const { page } = await newDevice('Desktop Chrome');
  await page.goto('/sign-in?returnTo=//evil.example/steal');
  await page.getByLabel('Email').fill(DEMO_USERS.grace.email);
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('**/home');
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
});

test('a signed-in user is never redirected off-site by /sign-in or /sign-up, whatever returnTo normalises to', async ({
  newDevice,
  signIn,
  baseURL,
}) => {
  const laptop = await newDevice('Desktop Chrome');
  await signIn(laptop.page, DEMO_USERS.grace.email);
  const origin = new URL(baseURL!).origin;
  for (const path of ['/sign-in', '/sign-up']) {
    for (const returnTo of ['/.//evil.example', '/x/..//evil.example', '/%2e//evil.example', '/%2E%2E//evil.example', '/.\\evil.example', '//evil.example']) {
      const response = await laptop.context.request.get(`${path}?returnTo=${encodeURIComponent(returnTo)}`, { maxRedirects: 0 });
      expect(response.status(), `${path} ${returnTo}`).toBeGreaterThanOrEqual(300);
      const location = new URL(response.headers().location ?? '', baseURL);
      expect(location.origin, `${path} ${returnTo} → ${response.headers().location}`).toBe(origin);
    }
  }
});

test('the signed-out page explains each reason', async ({ page }) => {
  await page.goto('/signed-out?reason=signed_out_elsewhere');
  await expect(page.getByText('You signed out this device from another device.')).toBeVisible();
  await page.goto('/signed-out?reason=admin');
  await expect(page.getByRole('heading', { name: 'An administrator signed you out' })).toBeVisible();
  await page.goto('/signed-out?reason=<script>');
  await expect(page.getByRole('link', { name: 'Sign in again' })).toBeVisible();
});

test('every signed-in page shows the header with a Sign out button', async ({ newDevice, signIn }) => {
  const admin = await newDevice('Desktop Chrome');
  await signIn(admin.page, DEMO_USERS.ada.email);
  const nav = admin.page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Admin' })).toBeVisible();

  const paths = await nav.getByRole('link').evaluateAll((links) => links.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  expect(paths).toEqual(['/home', '/account/security', '/admin']);
  for (const path of paths) {
    await admin.page.goto(path);
    await expect(signOutButton(admin.page), path).toBeVisible();
    await expect(admin.page.getByTestId('header-user-name'), path).toHaveText(DEMO_USERS.ada.name);
  }

  // A member sees no Admin link, and /admin is forbidden for them.
  const member = await newDevice('Pixel 7');
  await signIn(member.page, DEMO_USERS.grace.email);
  await expect(member.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);
  const response = await member.page.goto('/admin');
  expect(response?.status()).toBe(403);
});
