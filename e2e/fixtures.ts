import { test as base, devices, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { EmulatorClient } from '../tools/stack/emulator-client.ts';
import { e2eEnv } from './e2e-env';

/**
 * What every browser spec imports:
 *   import { test, expect } from './fixtures';
 *   test.beforeEach(({ emulator }) => emulator.reset());
 *   test('…', async ({ newDevice, signIn, emulator }) => {
 *     const laptop = await newDevice('Desktop Chrome');
 *     const phone = await newDevice('iPhone 15');
 *     await signIn(laptop.page, 'ada@example.com');
 *   });
 */

// ---------------------------------------------------------------------------------------------------------------
// Emulator control API (/_emulator, Bearer API key): tools/stack/emulator-client.ts

export {
  EmulatorClient,
  type EmulatorConfig,
  type EmulatorFault,
  type EmulatorMembership,
  type EmulatorSession,
  type EmulatorUser,
  type RefreshGrant,
  type WebhookDelivery,
} from '../tools/stack/emulator-client.ts';

export const DEMO_USERS = {
  ada: { email: 'ada@example.com', name: 'Ada Lovelace', role: 'admin' },
  grace: { email: 'grace@example.com', name: 'Grace Hopper', role: 'member' },
  alan: { email: 'alan@example.com', name: 'Alan Turing', role: 'member' },
  /** The one user of the second organization (org_other): no business of Ada, the admin of org_demo. */
  linus: { email: 'linus@example.com', name: 'Linus Torvalds', role: 'member' },
  /** A member of both organizations: the hosted page asks which one (SignInOptions.organization). */
  barbara: { email: 'barbara@example.com', name: 'Barbara Liskov', role: 'member' },
} as const;

export const ORGANIZATIONS = {
  demo: { id: 'org_demo', name: 'Demo Org' },
  other: { id: 'org_other', name: 'Other Org' },
} as const;
export const DEMO_PASSWORD = e2eEnv.demoPassword;

// ---------------------------------------------------------------------------------------------------------------
// Devices: independent browser contexts with a device profile and their own IP address

export type DeviceName = Extract<keyof typeof devices, string>;

export interface Device {
  name: string;
  ip: string;
  context: BrowserContext;
  page: Page;
}

export interface NewDeviceOptions {
  /**
   * The device's address as WorkOS sees it: sent as X-Forwarded-For, which the emulator believes (WorkOS sees the
   * browser itself on its hosted page). The app, trusting no proxy (TRUSTED_PROXIES unset), ignores it.
   */
  ip?: string;
  /** The device's time zone (IANA name); default the machine's. */
  timezoneId?: string;
  /**
   * The browser to open it in: default the project's. Specs that drive several engines at once
   * (mixed-engines.spec.ts) pass one launched with `launchEngine` from ./engines.
   */
  browser?: Browser;
  /**
   * 'profile' (default): the profile's user agent, so the app labels the device as the profile says ("Safari on
   * iOS") whatever engine runs it. 'browser': the engine's own, for scenarios about which engine a device is.
   */
  userAgent?: 'profile' | 'browser';
}

let deviceCounter = 0;

async function openDevice(browser: Browser, name: string, options: NewDeviceOptions): Promise<Device> {
  const descriptor = devices[name];
  if (!descriptor) throw new Error(`Unknown Playwright device profile "${name}"`);
  // Profiles name their own browser; the device runs in the project's engine, so only the context options are used.
  const contextOptions: Partial<typeof descriptor> = { ...descriptor };
  delete contextOptions.defaultBrowserType;
  // Firefox has no mobile emulation (Playwright refuses `isMobile` there): the profile's user agent, viewport,
  // scale and touch still make it the same device to the app, which only reads the user agent.
  if (browser.browserType().name() === 'firefox') delete contextOptions.isMobile;
  if (options.userAgent === 'browser') delete contextOptions.userAgent;
  const ip = options.ip ?? `203.0.113.${10 + (deviceCounter++ % 240)}`;
  const context = await browser.newContext({
    ...contextOptions,
    baseURL: e2eEnv.appURL,
    extraHTTPHeaders: { 'X-Forwarded-For': ip },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  const page = await context.newPage();
  return { name, ip, context, page };
}

// ---------------------------------------------------------------------------------------------------------------
// Signing in through the emulator's hosted page

export interface SignInOptions {
  password?: string;
  /** Same-origin path to land on; default /home. */
  returnTo?: string;
  /** Forces re-authentication when the last sign-in is older (seconds). */
  maxAge?: number;
  /** For a member of several organizations: the one to choose on the hosted page ("Other Org"). */
  organization?: string;
}

async function signInWith(page: Page, email: string, options: SignInOptions = {}): Promise<void> {
  const returnTo = options.returnTo ?? '/home';
  const query = new URLSearchParams({ returnTo });
  if (options.maxAge !== undefined) query.set('maxAge', String(options.maxAge));
  await page.goto(`/sign-in?${query}`);
  await fillHostedSignIn(page, email, options.password ?? DEMO_PASSWORD);
  if (options.organization) {
    await expect(page).toHaveTitle(/Choose an organization/);
    await page.getByRole('button', { name: `Continue to ${options.organization}` }).click();
  }
  const expected = new URL(returnTo, e2eEnv.appURL);
  await page.waitForURL((url) => url.origin === expected.origin && url.pathname === expected.pathname);
}

/** The header's Sign out button (this session only), on any signed-in page. */
export function signOutButton(page: Page) {
  return page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true });
}

/** On the hosted page (already open), enter credentials and submit. */
export async function fillHostedSignIn(page: Page, email: string, password: string = DEMO_PASSWORD): Promise<void> {
  await expect(page).toHaveTitle(/Sign in to Demo App/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

// ---------------------------------------------------------------------------------------------------------------

interface TestFixtures {
  /** A fresh browser context with a Playwright device profile ('Desktop Chrome', 'iPhone 15', 'Pixel 7', …). */
  newDevice: (name: DeviceName | (string & {}), options?: NewDeviceOptions) => Promise<Device>;
  /** Signs in on `page` through /sign-in and the hosted page; resolves on the return page (default /home). */
  signIn: (page: Page, email: string, options?: SignInOptions) => Promise<void>;
  /**
   * Opens one device per profile, then signs each in as `email` in that order:
   *   const [laptop, phone] = await signedInDevices(DEMO_USERS.grace.email, 'Desktop Chrome', 'iPhone 15');
   */
  signedInDevices: <const Names extends readonly (DeviceName | (string & {}))[]>(
    email: string,
    ...names: Names
  ) => Promise<{ -readonly [K in keyof Names]: Device }>;
  /**
   * Signs each page in as `email`, in that order, 15 minutes ago: older than RECENT_AUTH_MAX_AGE_SECONDS, so ending
   * another session asks for a new sign-in first. Tokens then last an hour, so that they outlive the back-dating.
   */
  signInLongAgo: (pages: Page[], email: string) => Promise<void>;
}

interface WorkerFixtures {
  emulator: EmulatorClient;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  emulator: [
    async ({}, provide) => {
      await provide(new EmulatorClient(e2eEnv.emulatorURL, e2eEnv.apiKey));
    },
    { scope: 'worker' },
  ],

  newDevice: async ({ browser }, provide) => {
    const opened: Device[] = [];
    await provide(async (name, options = {}) => {
      const device = await openDevice(options.browser ?? browser, name, options);
      opened.push(device);
      return device;
    });
    await Promise.all(opened.map((device) => device.context.close().catch(() => {})));
  },

  signIn: async ({}, provide) => {
    await provide(signInWith);
  },

  signedInDevices: async ({ newDevice }, provide) => {
    await provide(async (email, ...names) => {
      const devices: Device[] = [];
      for (const name of names) devices.push(await newDevice(name));
      for (const device of devices) await signInWith(device.page, email);
      return devices as { -readonly [K in keyof typeof names]: Device };
    });
  },

  signInLongAgo: async ({ emulator }, provide) => {
    await provide(async (pages, email) => {
      await emulator.setConfig({ access_token_ttl_seconds: 3600 });
      await emulator.advanceClock(-15 * 60);
      for (const page of pages) await signInWith(page, email);
      await emulator.advanceClock(15 * 60);
    });
  },
});

export { expect };
