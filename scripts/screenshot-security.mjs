#!/usr/bin/env node
/**
 * npm run screenshot
 *
 * Saves docs/security-page.png: the security page of a user signed in on three devices (desktop Chrome, an
 * iPhone, a Pixel), after one more device was signed out from it, so the security activity has something in it.
 * Starts its own WorkOS emulator and `next start`, with a fresh database, on their own ports, and stops them
 * afterwards. Local-only credentials; nothing leaves the machine.
 *
 *   npm run screenshot               builds into .next-screenshot when it has no build for this port yet
 *   npm run screenshot -- --build    rebuilds first (after changing the app)
 *   npm run screenshot -- --no-build uses NEXT_DIST_DIR as it is (it must be built for SCREENSHOT_APP_PORT)
 *
 *   SCREENSHOT_APP_PORT (3390) · SCREENSHOT_EMULATOR_PORT (4195; not 4190, which fetch refuses as a "bad port") · NEXT_DIST_DIR (.next-screenshot) · SCREENSHOT_OUT
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
const out = resolve(ROOT, process.env.SCREENSHOT_OUT ?? 'docs/security-page.png');
const appURL = `http://localhost:${appPort}`;
const dataDir = resolve(ROOT, '.data/screenshot');
const credentials = localCredentials('screenshot');
const USER = { email: 'ada@example.com', password: DEMO_PASSWORD };

async function signIn(browser, deviceName, ip) {
  // Profiles name their own browser; only the context options apply to the one Chromium launched here.
  const profile = { ...devices[deviceName] };
  delete profile.defaultBrowserType;
  const context = await browser.newContext({ ...profile, baseURL: appURL, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
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
  const env = appEnvironment({ credentials, appOrigin: appURL, emulatorPort, distDir, databasePath: resolve(dataDir, 'app.sqlite') });
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

async function screenshot() {
  const browser = await launchEngine('chromium');
  try {
    // The oldest first, so "Signed in" times differ; the laptop last, as the device looking at the page.
    const old = await signIn(browser, 'Desktop Firefox', '192.0.2.200');
    const phone = await signIn(browser, 'iPhone 15', '198.51.100.42');
    const pixel = await signIn(browser, 'Pixel 7', '203.0.113.77');
    const laptop = await signIn(browser, 'Desktop Chrome', '203.0.113.21');
    const { page } = laptop;

    // Sign out the Firefox session from the laptop, so the activity shows a revocation in words.
    await page.reload();
    await page
      .getByRole('list', { name: 'Active sessions' })
      .getByRole('listitem', { name: 'Firefox on Windows', exact: true })
      .getByRole('button', { name: 'Sign out Firefox on Windows' })
      .click();
    await page.getByRole('status').filter({ hasText: 'Signed out Firefox on Windows.' }).waitFor();
    await page.reload();
    await page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem').nth(2).waitFor();

    await page.setViewportSize({ width: 1120, height: 900 });
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`[screenshot] saved ${out}`);
    await Promise.all([old, phone, pixel, laptop].map((d) => d.context.close()));
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
