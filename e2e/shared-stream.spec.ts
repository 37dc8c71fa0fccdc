import type { Page } from '@playwright/test';
import { DEMO_USERS, expect, test, type Device } from './fixtures';
import { expectPrompted, openPushStreams, openWithStream, pushRole, signOutOtherDevice, streamConnectedIn } from './session-watch';

/**
 * Issue 16: the tabs of one browser share ONE push stream. They elect a leader (Web Locks) that holds it; every tab
 * is still told of a revocation within about a second; when the leader goes, another tab takes the stream over
 * within a second, and a revocation after that still reaches every tab left.
 */

const USER = DEMO_USERS.grace;
const PROMPT_WITHIN_MS = 2_000;
const TAKEOVER_WITHIN_MS = 1_000;
const SIGNED_OUT_ELSEWHERE = 'You signed out this device from another device.';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

/** `count` tabs of /home in the device's browser (its page first), each watching with the browser's stream. */
async function openTabs(device: Device, count: number): Promise<Page[]> {
  const pages = [device.page];
  while (pages.length < count) pages.push(await device.context.newPage());
  for (const page of pages) await openWithStream(page, '/home');
  return pages;
}

/** The one tab of `pages` that holds the stream; every other waits in line. */
async function leaderOf(pages: Page[]): Promise<Page> {
  const roles = await Promise.all(pages.map(pushRole));
  expect(roles.filter((role) => role === 'leading'), roles.join()).toHaveLength(1);
  expect(roles.filter((role) => role === 'following'), roles.join()).toHaveLength(pages.length - 1);
  return pages[roles.indexOf('leading')]!;
}

test('three tabs of one browser hold one stream, and a sign-out from another device prompts every tab', async ({
  signedInDevices,
  request,
}) => {
  const [laptop, phone] = await signedInDevices(USER.email, 'Desktop Chrome', 'iPhone 15');
  const tabs = await openTabs(laptop, 3);
  await leaderOf(tabs);
  // One stream per session: the laptop's three tabs share one, as the phone's one tab holds one.
  await expect.poll(() => openPushStreams(request)).toEqual({ open: 2, sessions: 2 });

  await signOutOtherDevice(phone.page);
  await Promise.all(tabs.map((page) => expectPrompted(page, SIGNED_OUT_ELSEWHERE, PROMPT_WITHIN_MS)));
});

test('the leader tab closes: another takes the stream over within a second, and a later sign-out still prompts every tab', async ({
  signedInDevices,
  request,
}) => {
  const [laptop, phone] = await signedInDevices(USER.email, 'Desktop Chrome', 'iPhone 15');
  const tabs = await openTabs(laptop, 3);
  const leader = await leaderOf(tabs);
  await expect.poll(() => openPushStreams(request)).toEqual({ open: 2, sessions: 2 });

  const takenOver = streamConnectedIn(laptop.context);
  const closing = Date.now();
  await leader.close();
  await takenOver;
  const takeoverMs = Date.now() - closing;
  test.info().annotations.push({ type: 'takeover', description: `${takeoverMs} ms` });
  expect(takeoverMs).toBeLessThan(TAKEOVER_WITHIN_MS);
  const left = tabs.filter((page) => page !== leader);
  await leaderOf(left);
  await expect.poll(() => openPushStreams(request)).toEqual({ open: 2, sessions: 2 });

  await signOutOtherDevice(phone.page);
  await Promise.all(left.map((page) => expectPrompted(page, SIGNED_OUT_ELSEWHERE, PROMPT_WITHIN_MS)));
});

test('the leader tab navigates away and back: the stream changes hands, and stays one', async ({ newDevice, signIn, request }) => {
  const laptop = await newDevice('Desktop Chrome');
  await signIn(laptop.page, USER.email);
  const tabs = await openTabs(laptop, 2);
  const leader = await leaderOf(tabs);

  const takenOver = streamConnectedIn(laptop.context);
  await leader.goto('about:blank');
  await takenOver;
  expect(await pushRole(tabs.find((page) => page !== leader)!)).toBe('leading');

  // Back (from the back-forward cache, or loaded again): it follows the new leader.
  await leader.goBack();
  await expect.poll(() => pushRole(leader)).toBe('following');
  await expect.poll(() => openPushStreams(request)).toEqual({ open: 1, sessions: 1 });
});
