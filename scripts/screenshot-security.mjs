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
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, devices } from '@playwright/test';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const appPort = Number(process.env.SCREENSHOT_APP_PORT ?? 3390);
const emulatorPort = Number(process.env.SCREENSHOT_EMULATOR_PORT ?? 4195);
const distDir = process.env.NEXT_DIST_DIR ?? '.next-screenshot';
const forceBuild = process.argv.includes('--build');
const skipBuild = process.argv.includes('--no-build');
const out = resolve(root, process.env.SCREENSHOT_OUT ?? 'docs/security-page.png');
const appURL = `http://localhost:${appPort}`;
const emulatorURL = `http://127.0.0.1:${emulatorPort}`;
const dataDir = resolve(root, '.data/screenshot');
const localNode = resolve(root, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
const nextBin = resolve(root, 'node_modules/next/dist/bin/next');

// Local-only secrets for a throwaway emulator: not credentials for anything real.
const secrets = {
  WORKOS_API_KEY: 'sk_test_screenshot_local_emulator_only',
  WORKOS_CLIENT_ID: 'client_screenshot_local_emulator',
  WORKOS_COOKIE_PASSWORD: 'screenshot-cookie-password-local-only-0123456789',
  WORKOS_WEBHOOK_SECRET: 'whsec_screenshot_local_emulator_only',
};
const USER = { email: 'ada@example.com', password: 'demo-password' };

const children = [];

function start(name, args, env) {
  const child = spawn(node, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-8_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code) => {
    if (code && !stopping) console.error(`[screenshot] ${name} exited with code ${code}\n${log}`);
  });
  children.push(child);
  return child;
}

function run(args, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${args.join(' ')} failed (${code})`))));
  });
}

let stopping = false;
function stop() {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});

async function waitFor(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (code ${child.exitCode})`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
}

function chromiumOptions() {
  try {
    if (existsSync(chromium.executablePath())) return {};
  } catch {
    // Playwright's own browser is not installed
  }
  return existsSync('/usr/bin/chromium') ? { executablePath: '/usr/bin/chromium' } : {};
}

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
  const appEnv = {
    ...secrets,
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: `${appURL}/callback`,
    WORKOS_API_HOSTNAME: '127.0.0.1',
    WORKOS_API_PORT: String(emulatorPort),
    WORKOS_API_HTTPS: 'false',
    NEXT_DIST_DIR: distDir,
    DATABASE_PATH: resolve(dataDir, 'app.sqlite'),
    NEXT_TELEMETRY_DISABLED: '1',
  };

  const emulator = start('emulator', ['emulator/main.ts'], {
    EMULATOR_HOST: '127.0.0.1',
    EMULATOR_PORT: String(emulatorPort),
    WORKOS_API_KEY: secrets.WORKOS_API_KEY,
    WORKOS_CLIENT_ID: secrets.WORKOS_CLIENT_ID,
    WORKOS_WEBHOOK_SECRET: secrets.WORKOS_WEBHOOK_SECRET,
    EMULATOR_REDIRECT_URIS: `${appURL}/callback`,
    EMULATOR_WEBHOOK_URL: `http://127.0.0.1:${appPort}/api/webhooks/workos`,
  });
  await waitFor(`${emulatorURL}/health`, emulator, 30_000);

  // NEXT_PUBLIC_* (the redirect URI, hence the port) is inlined at build time: a build for another port won't do.
  const marker = resolve(root, distDir, 'screenshot-app-url');
  const builtFor = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null;
  if (!skipBuild && (forceBuild || builtFor !== appURL || !existsSync(resolve(root, distDir, 'BUILD_ID')))) {
    console.log(`[screenshot] building into ${distDir} for ${appURL}`);
    await run([nextBin, 'build'], appEnv);
    writeFileSync(marker, `${appURL}\n`);
  }
  const app = start('app', [nextBin, 'start', '-p', String(appPort)], appEnv);
  await waitFor(`${appURL}/api/health`, app, 120_000);

  const browser = await chromium.launch({ ...chromiumOptions(), args: ['--no-sandbox', '--disable-gpu'] });
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
    stop();
  }
}

main().catch((error) => {
  console.error('[screenshot] failed:', error);
  stop();
  process.exit(1);
});
