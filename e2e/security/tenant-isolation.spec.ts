import type { Page } from '@playwright/test';
import { hashSessionId } from '../../lib/security/hash';
import { DEMO_USERS, ORGANIZATIONS, expect, test, type EmulatorClient } from '../fixtures';

/**
 * Issue 11 item 3: an administrator acts for one organization. Barbara belongs to Demo Org and Other Org; Ada
 * administers Demo Org, Dennis (made here) Other Org. Neither sees, nor can end, what Barbara does in the other one,
 * and an administrator whose role is taken away at WorkOS has no admin power from the very next request.
 */

const BARBARA = DEMO_USERS.barbara;
const ADA = DEMO_USERS.ada;
const DENNIS = { email: 'dennis@example.com', name: 'Dennis Ritchie' };
// Addresses the devices sign in from: Other Org's must never reach Demo Org's administrator.
const DEMO_IP = '203.0.113.71';
const OTHER_LAPTOP_IP = '198.51.100.72';
const OTHER_PHONE_IP = '198.51.100.73';
const OTHER_REASON = 'Other-Org contractor review 7731';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

async function findUser(page: Page, email: string): Promise<void> {
  await page.goto(`/admin?email=${encodeURIComponent(email)}`);
  await expect(page.getByRole('heading', { level: 2, name: /Liskov|Hopper/ })).toBeVisible();
}

async function expectStillSignedIn(page: Page, name: string): Promise<void> {
  await page.goto('/home');
  await expect(page.getByRole('heading', { name: `Welcome, ${name}` })).toBeVisible();
}

/** Barbara's active session (WorkOS's record) that signed in from `ip`. */
async function sessionFrom(emulator: EmulatorClient, ip: string) {
  const session = (await emulator.activeSessions(BARBARA.email)).find((s) => s.ip_address === ip);
  if (!session) throw new Error(`no active session of Barbara from ${ip}`);
  return session;
}

/** Rewrites the next admin action's form so that it names `to` instead of `from` (a forged request on the wire). */
async function forgeNextAction(page: Page, from: string, to: string): Promise<() => number> {
  let forged = 0;
  await page.route(
    (url) => url.pathname === '/admin',
    async (route) => {
      const request = route.request();
      const body = request.postDataBuffer()?.toString('latin1') ?? '';
      if (request.method() !== 'POST' || !body.includes(from)) return route.continue();
      forged++;
      await route.continue({ postData: Buffer.from(body.replaceAll(from, to), 'latin1') });
    },
  );
  return () => forged;
}

test('an administrator sees and ends only their own organization’s sessions and activity of a member of two', async ({
  emulator,
  newDevice,
  signIn,
}) => {
  await emulator.createUser({
    email: DENNIS.email,
    first_name: 'Dennis',
    last_name: 'Ritchie',
    role: 'admin',
    organization_id: ORGANIZATIONS.other.id,
  });
  const demoLaptop = await newDevice('Desktop Chrome', { ip: DEMO_IP });
  const otherLaptop = await newDevice('Desktop Firefox', { ip: OTHER_LAPTOP_IP });
  const otherPhone = await newDevice('iPhone 15', { ip: OTHER_PHONE_IP });
  await signIn(demoLaptop.page, BARBARA.email, { organization: ORGANIZATIONS.demo.name });
  await signIn(otherLaptop.page, BARBARA.email, { organization: ORGANIZATIONS.other.name });
  await signIn(otherPhone.page, BARBARA.email, { organization: ORGANIZATIONS.other.name });
  expect((await emulator.activeSessions(BARBARA.email)).map((s) => s.organization_id).sort()).toEqual([
    'org_demo',
    'org_other',
    'org_other',
  ]);

  // Other Org's administrator ends one of Barbara's Other Org sessions, with a reason of Other Org's.
  const dennis = await newDevice('Desktop Chrome');
  await signIn(dennis.page, DENNIS.email);
  await findUser(dennis.page, BARBARA.email);
  const dennisList = dennis.page.getByRole('list', { name: `${BARBARA.name}’s sessions` });
  await expect(dennisList.getByRole('listitem')).toHaveCount(2);
  await expect(dennisList).not.toContainText(DEMO_IP);
  await dennis.page.getByLabel('Reason').selectOption({ label: 'Other' });
  await dennis.page.getByLabel(/^Details/).fill(OTHER_REASON);
  await dennis.page.getByRole('button', { name: 'Sign out Safari on iOS' }).click();
  await expect(dennis.page.locator('#admin-result')).toContainText(`Signed out ${BARBARA.name} on Safari on iOS`);

  // Demo Org's administrator: Barbara's Demo Org session and activity, nothing of Other Org's.
  const ada = await newDevice('Desktop Chrome');
  await signIn(ada.page, ADA.email);
  await findUser(ada.page, BARBARA.email);
  const sessions = ada.page.getByRole('list', { name: `${BARBARA.name}’s sessions` });
  await expect(sessions.getByRole('listitem')).toHaveCount(1);
  await expect(sessions).toContainText(DEMO_IP);
  const activity = ada.page.getByRole('region', { name: 'Recent security activity' });
  await expect(activity.getByText(`from ${DEMO_IP}`)).toBeVisible();
  for (const secret of [OTHER_LAPTOP_IP, OTHER_PHONE_IP, DENNIS.name, OTHER_REASON]) {
    await expect(ada.page.locator('main'), secret).not.toContainText(secret);
  }
  // Nor anywhere in what the server sent (the RSC payload included).
  const html = await (await ada.page.request.get(`/admin?email=${encodeURIComponent(BARBARA.email)}`)).text();
  for (const secret of [OTHER_LAPTOP_IP, OTHER_PHONE_IP, DENNIS.name, OTHER_REASON]) expect(html).not.toContain(secret);

  // What the action can reach: an Other Org session's key in Ada's request is refused, and nothing ends.
  const demoSession = await sessionFrom(emulator, DEMO_IP);
  const otherSession = await sessionFrom(emulator, OTHER_LAPTOP_IP);
  const forged = await forgeNextAction(ada.page, hashSessionId(demoSession.id), hashSessionId(otherSession.id));
  await ada.page.getByLabel('Reason').selectOption({ label: 'Offboarding' });
  await ada.page.getByRole('button', { name: 'Sign out Chrome on Windows' }).click();
  await expect(ada.page.locator('#admin-result')).toContainText(
    'That session is not active any more. The list has been refreshed.',
  );
  expect(forged()).toBe(1);
  // Its raw WorkOS id is no better: not a key the action takes at all.
  await ada.page.unrouteAll();
  const forgedRaw = await forgeNextAction(ada.page, hashSessionId(demoSession.id), otherSession.id);
  await ada.page.getByLabel('Reason').selectOption({ label: 'Offboarding' });
  await ada.page.getByRole('button', { name: 'Sign out Chrome on Windows' }).click();
  await expect(ada.page.locator('#admin-result')).toContainText('That request was not valid.');
  expect(forgedRaw()).toBe(1);
  expect((await emulator.activeSessions(BARBARA.email)).map((s) => s.ip_address).sort()).toEqual(
    [OTHER_LAPTOP_IP, DEMO_IP].sort(),
  );
  await expectStillSignedIn(otherLaptop.page, BARBARA.name);
  await ada.page.unrouteAll();

  // "Sign out all sessions" is all of Demo Org's: the Other Org session lives on.
  await ada.page.getByLabel('Reason').selectOption({ label: 'Offboarding' });
  await ada.page.getByRole('button', { name: 'Sign out all sessions' }).click();
  await expect(ada.page.locator('#admin-result')).toContainText(`Signed out all of ${BARBARA.name}’s sessions (1).`);
  expect((await emulator.activeSessions(BARBARA.email)).map((s) => s.ip_address)).toEqual([OTHER_LAPTOP_IP]);
  await expectStillSignedIn(otherLaptop.page, BARBARA.name);

  // Barbara's own security page shows all of her activity, in both organizations.
  await otherLaptop.page.goto('/account/security');
  const own = otherLaptop.page.getByRole('list', { name: 'Security activity' });
  await expect(
    own.getByText(`An administrator (${DENNIS.name}) signed out Safari on iOS: Other: ${OTHER_REASON}`),
  ).toBeVisible();
  await expect(own.getByText(`An administrator (${ADA.name}) signed out Chrome on Windows: Offboarding`)).toBeVisible();
  await expect(own.getByText(`from ${OTHER_PHONE_IP}`)).toBeVisible();
});

test('an administrator whose role is removed at WorkOS is refused at the very next action, and nothing changes', async ({
  emulator,
  newDevice,
  signIn,
}) => {
  const grace = await newDevice('Desktop Firefox');
  await signIn(grace.page, DEMO_USERS.grace.email);
  const ada = await newDevice('Desktop Chrome');
  await signIn(ada.page, ADA.email);
  await findUser(ada.page, DEMO_USERS.grace.email);
  await ada.page.getByLabel('Reason').selectOption({ label: 'Offboarding' });

  // Ada's access token still says admin (it lives five minutes); WorkOS no longer does.
  await emulator.setMembershipRole(ADA.email, ORGANIZATIONS.demo.id, 'member');

  const answer = ada.page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin',
  );
  await ada.page.getByRole('button', { name: 'Sign out all sessions' }).click();
  expect((await answer).status()).toBe(403);
  await expect(ada.page.getByRole('heading', { name: 'Administrators only' })).toBeVisible();

  expect(await emulator.activeSessions(DEMO_USERS.grace.email)).toHaveLength(1);
  await expectStillSignedIn(grace.page, DEMO_USERS.grace.name);
  await grace.page.goto('/account/security');
  await expect(grace.page.getByRole('list', { name: 'Security activity' })).not.toContainText('An administrator');
  // The page itself is refused too; Ada stays signed in.
  const page = await ada.page.goto(`/admin?email=${encodeURIComponent(DEMO_USERS.grace.email)}`);
  expect(page?.status()).toBe(403);
  await expect(ada.page.getByRole('heading', { name: 'Administrators only' })).toBeVisible();
  await expectStillSignedIn(ada.page, ADA.name);
});

test('WorkOS down while the role is confirmed: no admin power, a clear message, and no one is signed out', async ({
  emulator,
  newDevice,
  signIn,
}) => {
  const grace = await newDevice('Desktop Firefox');
  await signIn(grace.page, DEMO_USERS.grace.email);
  const ada = await newDevice('Desktop Chrome');
  await signIn(ada.page, ADA.email);
  await findUser(ada.page, DEMO_USERS.grace.email);
  await ada.page.getByLabel('Reason').selectOption({ label: 'Offboarding' });

  await emulator.addFault({
    method: 'GET',
    path: '/user_management/organization_memberships',
    status: 503,
    count: 100,
  });
  await ada.page.getByRole('button', { name: 'Sign out all sessions' }).click();
  await expect(ada.page.locator('#admin-result')).toContainText(
    'We could not confirm your administrator role with WorkOS, so nothing was signed out. Please try again.',
  );
  expect(await emulator.activeSessions(DEMO_USERS.grace.email)).toHaveLength(1);
  expect(await emulator.activeSessions(ADA.email)).toHaveLength(1);

  await ada.page.reload();
  await expect(
    ada.page.getByRole('alert').filter({ hasText: "We couldn't confirm your administrator role with WorkOS just now" }),
  ).toBeVisible();
  await expect(ada.page.getByRole('list', { name: `${DEMO_USERS.grace.name}’s sessions` })).toHaveCount(0);

  await emulator.clearFaults();
  await findUser(ada.page, DEMO_USERS.grace.email);
  await expect(
    ada.page.getByRole('list', { name: `${DEMO_USERS.grace.name}’s sessions` }).getByRole('listitem'),
  ).toHaveCount(1);
  await expectStillSignedIn(grace.page, DEMO_USERS.grace.name);
});
