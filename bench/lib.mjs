/**
 * Helpers for the issue-4 benchmarks (bench/run.mjs): processes, the app's environment, sign-in through the
 * hosted page, statistics. Loopback only; everything started here is stopped here.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
const env = process.env;

export const CONFIG = {
  appPort: Number(env.BENCH_APP_PORT ?? 3200),
  emulatorPort: Number(env.BENCH_EMULATOR_PORT ?? 4120),
  distDir: env.BENCH_DIST_DIR ?? '.next-bench',
  databasePath: env.BENCH_DATABASE_PATH ?? '.data/bench/app.sqlite',
  apiKey: 'sk_test_bench_local_emulator_only',
  clientId: 'client_bench_local_emulator',
  cookiePassword: 'bench-cookie-password-local-only-0123456789abcdef',
  webhookSecret: 'whsec_bench_local_emulator_only',
  password: 'demo-password',
};
export const APP = `http://localhost:${CONFIG.appPort}`;
export const EMULATOR = `http://127.0.0.1:${CONFIG.emulatorPort}`;

const NODE = existsSync(resolve(ROOT, 'node_modules/.bin/node')) ? resolve(ROOT, 'node_modules/.bin/node') : process.execPath;
const NEXT = resolve(ROOT, 'node_modules/next/dist/bin/next');

/**
 * The benches drive the app far faster than a person does (hundreds of sign-ins in seconds from this one machine,
 * one session's pages rendered thousands of times a second, revocations clicked back to back): they measure
 * revocation and the proxy, not the rate limits (lib/rate-limit), which would refuse them after a minute's worth.
 */
export const BENCH_RATE_LIMITS = {
  RATE_LIMIT_PAGES_PER_SESSION: '500000',
  RATE_LIMIT_PAGES_PER_USER: '1000000',
  RATE_LIMIT_ACTIONS_PER_SESSION: '500000',
  RATE_LIMIT_ACTIONS_PER_USER: '1000000',
  RATE_LIMIT_SIGN_IN_PER_IP: '1000000',
  RATE_LIMIT_CALLBACK_PER_IP: '1000000',
};

export function appEnv(extra = {}) {
  return {
    PATH: env.PATH,
    HOME: env.HOME,
    NODE_ENV: 'production',
    WORKOS_API_KEY: CONFIG.apiKey,
    WORKOS_CLIENT_ID: CONFIG.clientId,
    WORKOS_COOKIE_PASSWORD: CONFIG.cookiePassword,
    WORKOS_WEBHOOK_SECRET: CONFIG.webhookSecret,
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: `${APP}/callback`,
    WORKOS_API_HOSTNAME: '127.0.0.1',
    WORKOS_API_PORT: String(CONFIG.emulatorPort),
    WORKOS_API_HTTPS: 'false',
    NEXT_DIST_DIR: CONFIG.distDir,
    DATABASE_PATH: CONFIG.databasePath,
    NEXT_TELEMETRY_DISABLED: '1',
    // The SSE fan-out bench opens BENCH_SSE_CLIENTS streams of ONE session (the default caps: 32 per session, 64
    // per user).
    SSE_MAX_STREAMS_PER_SESSION: String(Number(env.BENCH_SSE_CLIENTS ?? 1000) + 16),
    SSE_MAX_STREAMS_PER_USER: String(Number(env.BENCH_SSE_CLIENTS ?? 1000) + 16),
    ...BENCH_RATE_LIMITS,
    ...extra,
  };
}

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});

export function start(name, args, childEnv, { quiet = true } = {}) {
  const child = spawn(NODE, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-4000);
    if (!quiet) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  return {
    child,
    tail: () => tail,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitForOk(url, timeoutMs, proc) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (proc && proc.child.exitCode !== null) throw new Error(`${url}: process exited\n${proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms\n${proc?.tail() ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function buildIfNeeded() {
  const built = existsSync(resolve(ROOT, CONFIG.distDir, 'BUILD_ID'));
  if (built && env.BENCH_BUILD !== '1') return Promise.resolve(false);
  console.error(`building into ${CONFIG.distDir} …`);
  const proc = start('build', [NEXT, 'build'], appEnv({ NODE_ENV: 'production' }), { quiet: false });
  return new Promise((resolvePromise, reject) =>
    proc.child.once('exit', (code) => (code === 0 ? resolvePromise(true) : reject(new Error(`next build failed (${code})`)))),
  );
}

export async function startEmulator() {
  const proc = start(
    'emulator',
    ['emulator/main.ts'],
    {
      PATH: env.PATH,
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_PORT: String(CONFIG.emulatorPort),
      WORKOS_API_KEY: CONFIG.apiKey,
      WORKOS_CLIENT_ID: CONFIG.clientId,
      WORKOS_WEBHOOK_SECRET: CONFIG.webhookSecret,
      EMULATOR_REDIRECT_URIS: `${APP}/callback`,
      EMULATOR_WEBHOOK_URL: `${APP}/api/webhooks/workos`,
      EMULATOR_ACCESS_TOKEN_TTL_SECONDS: '3600',
    },
  );
  await waitForOk(`${EMULATOR}/health`, 30_000, proc);
  return proc;
}

/**
 * The environment of the proxy-cost bench's stock run: authkit's stock proxy, which does NOT enforce revocation.
 * lib/env.ts refuses PROXY_MODE=stock unless BENCH_ALLOW_STOCK_PROXY=true is set with it.
 */
export const STOCK_PROXY_ENV = Object.freeze({ PROXY_MODE: 'stock', BENCH_ALLOW_STOCK_PROXY: 'true' });

export async function startApp(extraEnv = {}) {
  // PROXY_MODE=stock is only ever the bench's own comparison run: allow it here, and only here.
  const stock = extraEnv.PROXY_MODE === 'stock' ? STOCK_PROXY_ENV : {};
  const proc = start('app', [NEXT, 'start', '-p', String(CONFIG.appPort), '-H', 'localhost'], appEnv({ ...extraEnv, ...stock }));
  await waitForOk(`${APP}/api/health`, 60_000, proc);
  return proc;
}

/** RSS of a process and all its descendants, in bytes (`next start` serves from a child process). */
export function treeRss(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone
    }
  }
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of parents) {
      if (tree.has(pp) && !tree.has(p)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const p of tree) {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

export async function launchBrowser() {
  const { chromium } = await import('@playwright/test');
  let own = false;
  try {
    own = existsSync(chromium.executablePath());
  } catch {
    own = false;
  }
  return chromium.launch({
    ...(own ? {} : { executablePath: '/usr/bin/chromium' }),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
}

/** A browser context for one "device", signed in through /sign-in and the emulator's hosted page. */
export async function signedInDevice(browser, email, ip) {
  const context = await browser.newContext({ baseURL: APP, extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  const page = await context.newPage();
  await page.goto('/sign-in?returnTo=%2Fhome');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(CONFIG.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/home');
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  return { context, page, ip, cookie };
}

/**
 * On `admin`'s security page, signs out the session whose row shows `ip`. Resolves with when (ms since epoch)
 * the server action's request left the browser and when its response came back: "the revoke's return".
 */
export async function revokeFromSecurityPage(admin, ip) {
  await admin.page.goto('/account/security');
  const row = admin.page.getByRole('list', { name: 'Active sessions' }).getByRole('listitem').filter({ hasText: ip });
  const isAction = (request) => request.method() === 'POST' && request.headers()['next-action'] !== undefined;
  const requested = admin.page.waitForRequest(isAction).then(() => Date.now());
  const returned = admin.page.waitForResponse((r) => isAction(r.request())).then((response) => {
    const at = Date.now();
    if (response.status() !== 200) throw new Error(`revoke answered ${response.status()}`);
    return at;
  });
  await row.getByRole('button', { name: /^Sign out/ }).click();
  const [requestedAt, returnedAt] = await Promise.all([requested, returned]);
  await admin.page.getByRole('status').getByText(/^Signed out/).waitFor();
  return { requestedAt, returnedAt };
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(values) {
  const r = (n) => Math.round(n * 10) / 10;
  return { n: values.length, p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), max: r(Math.max(...values)) };
}
