#!/usr/bin/env node
/**
 * npm run screenshot
 *
 * Saves the README's pictures into docs/screenshots/: the security page on a desktop (security-desktop.png) and on a
 * phone (security-phone.png), the "Was this you?" question (was-this-you.png) and the security activity with its
 * revocation receipts (receipts.png). One user signed in on five devices in turn — two Chrome windows and an iPhone
 * in London, Firefox in Paris, a Pixel in Barcelona — the laptop then signs out Firefox (its page open: told) and
 * the Pixel (its page closed: not online), so the list has a group and flags, and the activity both receipts.
 * Starts its own WorkOS emulator and `next start`, with a fresh database, on their own ports, and stops them
 * afterwards. Local-only credentials; nothing leaves the machine.
 *
 *   npm run screenshot               builds into .next-screenshot when it has no build for this port yet
 *   npm run screenshot -- --build    rebuilds first (after changing the app)
 *   npm run screenshot -- --no-build uses NEXT_DIST_DIR as it is (it must be built for SCREENSHOT_APP_PORT)
 *
 *   SCREENSHOT_APP_PORT (3390) · SCREENSHOT_EMULATOR_PORT (4195; not 4190, which fetch refuses as a "bad port") · NEXT_DIST_DIR (.next-screenshot) · SCREENSHOT_DIR (docs/screenshots)
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { devices } from '@playwright/test';
import { buildApp, hasBuild, startApp, startEmulator } from '../tools/stack/app.ts';
import { launchEngine } from '../tools/stack/browsers.ts';
import { DEMO_PASSWORD } from '../tools/stack/emulator-client.ts';
import { appEnvironment, localCredentials } from '../tools/stack/environment.ts';
import { ROOT } from '../tools/stack/processes.ts';

const appPort = Number(process.env.SCREENSHOT_APP_PORT ?? 3390);
const emulatorPort = Number(process.env.SCREENSHOT_EMULATOR_PORT ?? 4195);
const distDir = process.env.NEXT_DIST_DIR ?? '.next-screenshot';
const forceBuild = process.argv.includes('--build');
const skipBuild = process.argv.includes('--no-build');
const outDir = resolve(ROOT, process.env.SCREENSHOT_DIR ?? 'docs/screenshots');
const appURL = `http://localhost:${appPort}`;
const dataDir = resolve(ROOT, '.data/screenshot');
const credentials = localCredentials('screenshot');
const USER = { email: 'ada@example.com', password: DEMO_PASSWORD };
// Addresses DB-IP's City Lite places in London, Paris and Barcelona (lib/location).
const LONDON = '81.2.69.142';
const PARIS = '212.27.48.10';
const BARCELONA = '90.84.255.1';

async function signIn(browser, deviceName, ip) {
  // Profiles name their own browser; only the context options apply to the one Chromium launched here.
  const profile = { ...devices[deviceName] };
  delete profile.defaultBrowserType;
  const context = await browser.newContext({
    ...profile,
    baseURL: appURL,
    extraHTTPHeaders: { 'X-Forwarded-For': ip },
  });
  const page = await context.newPage();
  await page.goto('/sign-in?returnTo=%2Faccount%2Fsecurity');
  await page.getByLabel('Email').fill(USER.email);
  await page.getByLabel('Password').fill(USER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/account/security');
  return { context, page };
}

async function main() {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const env = appEnvironment({
    credentials,
    appOrigin: appURL,
    emulatorPort,
    distDir,
    databasePath: resolve(dataDir, 'app.sqlite'),
  });
  const emulator = await startEmulator({
    credentials,
    port: emulatorPort,
    appOrigin: appURL,
    webhookOrigin: `http://127.0.0.1:${appPort}`,
    inheritEnv: true,
  });
  let app;
  try {
    if (!skipBuild && (forceBuild || !hasBuild(env, { sameOrigin: true }))) {
      console.log(`[screenshot] building into ${distDir} for ${appURL}`);
      await buildApp({ env, inheritEnv: true, output: 'inherit' });
    }
    app = await startApp({ port: appPort, env, inheritEnv: true, timeoutMs: 120_000 });
    await screenshot();
  } finally {
    await Promise.all([app?.stop(), emulator.stop()]);
  }
}

/** Dismisses "Was this you?" until the page has none left, so the page shows what it lists. */
async function dismissQuestions(page) {
  const question = page.getByRole('region', { name: 'Was this you?' });
  for (let shown = 0; shown < 5 && (await question.isVisible()); shown++) {
    await question.getByRole('button', { name: 'Dismiss' }).click();
    await question.waitFor({ state: 'hidden' });
    await page.reload();
  }
}

/** Saves a screenshot of `target`: a page, or one element of it. */
async function save(target, name, options = {}) {
  const path = resolve(outDir, name);
  await target.screenshot({ path, ...options });
  console.log(`[screenshot] saved ${path}`);
}

async function screenshot() {
  const browser = await launchEngine('chromium');
  try {
    // In this order: the laptop's is the user's first sign-in; each new device after it is flagged by history.
    const laptop = await signIn(browser, 'Desktop Chrome', LONDON);
    const window2 = await signIn(browser, 'Desktop Chrome', LONDON);
    const phone = await signIn(browser, 'iPhone 15', LONDON);
    const firefox = await signIn(browser, 'Desktop Firefox', PARIS);
    const pixel = await signIn(browser, 'Pixel 7', BARCELONA);
    const { page } = laptop;
    mkdirSync(outDir, { recursive: true });

    await page.setViewportSize({ width: 1120, height: 640 });
    await page.goto('/home');
    await page.getByRole('region', { name: 'Was this you?' }).waitFor();
    await save(page, 'was-this-you.png');

    // From the laptop, sign out Firefox, whose page is open (its receipt says when it was told), and the Pixel, whose
    // page is closed ("not online"): the activity shows both revocations in words, with their receipts.
    await page.goto('/account/security');
    await pixel.page.goto('about:blank');
    for (const [label, receipt] of [
      ['Firefox on Windows', 'told'],
      ['Chrome on Android', 'not-online'],
    ]) {
      await page
        .getByRole('list', { name: 'Active sessions' })
        .getByRole('listitem', { name: label, exact: true })
        .getByRole('button', { name: `Sign out ${label}` })
        .click();
      await page.getByRole('status').filter({ hasText: `Signed out ${label}.` }).waitFor();
      await page.locator(`[data-receipt="${receipt}"]`).waitFor({ timeout: 15_000 });
    }
    await page.reload();
    await dismissQuestions(page);
    await page.setViewportSize({ width: 1120, height: 900 });
    await save(page, 'security-desktop.png', { fullPage: true });
    await save(page.getByRole('region', { name: 'Security activity' }), 'receipts.png');

    await phone.page.goto('/account/security');
    await dismissQuestions(phone.page);
    await save(phone.page, 'security-phone.png', { fullPage: true, scale: 'css' });
    await Promise.all([laptop, window2, phone, firefox, pixel].map((d) => d.context.close()));
  } finally {
    await browser.close();
  }
}

// Exiting stops what tools/stack started.
process.on('SIGINT', () => process.exit(130));

main().catch((error) => {
  console.error('[screenshot] failed:', error);
  process.exit(1);
});
