/**
 * Helpers shared by the benchmarks: the single-instance stack of bench/run.mjs and bench/refresh-soak.mjs (started
 * with tools/stack), sign-in through the hosted page, process figures, statistics. Loopback only; everything
 * started here is stopped here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrate } from '../lib/db/schema.ts';
import { REVOCATION_COLUMNS } from '../lib/revocation/store/rows.ts';
import { buildApp, hasBuild, startApp as startNextApp, startEmulator as startStackEmulator } from '../tools/stack/app.ts';
import { launchEngine } from '../tools/stack/browsers.ts';
import { DEMO_PASSWORD } from '../tools/stack/emulator-client.ts';
import { appEnvironment, localCredentials } from '../tools/stack/environment.ts';
import { signInOverHttp } from '../tools/stack/http-client.ts';
import { ROOT } from '../tools/stack/processes.ts';

const env = process.env;

export const CONFIG = {
  appPort: Number(env.BENCH_APP_PORT ?? 3200),
  emulatorPort: Number(env.BENCH_EMULATOR_PORT ?? 4120),
  distDir: env.BENCH_DIST_DIR ?? '.next-bench',
  databasePath: env.BENCH_DATABASE_PATH ?? '.data/bench/app.sqlite',
  ...localCredentials('bench'),
};
export const APP = `http://localhost:${CONFIG.appPort}`;
export const EMULATOR = `http://127.0.0.1:${CONFIG.emulatorPort}`;

/** Bearer token of /api/health/detail on the benches' app instances. */
const OPS_TOKEN = 'bench-ops-token-local-only-0123456789abcdef';

/** What every app instance of a bench runs with (the single one here, both of a cluster). */
export const BENCH_APP_ENV = {
  OPS_TOKEN,
  // The benches drive the app far faster than a person does (hundreds of sign-ins in seconds from this one
  // machine, one session's pages rendered thousands of times a second, revocations clicked back to back): they
  // measure revocation and the proxy, not the rate limits (lib/rate-limit), which would refuse them in a minute.
  RATE_LIMIT_PAGES_PER_SESSION: '500000',
  RATE_LIMIT_PAGES_PER_USER: '1000000',
  RATE_LIMIT_ACTIONS_PER_SESSION: '500000',
  RATE_LIMIT_ACTIONS_PER_USER: '1000000',
  RATE_LIMIT_SIGN_IN_PER_IP: '1000000',
  RATE_LIMIT_CALLBACK_PER_IP: '1000000',
};

/** GET /api/health/detail: the registry's health, the outboxes, the refresh counters. */
export async function healthDetail(origin) {
  const response = await fetch(`${origin}/api/health/detail`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  if (!response.ok) throw new Error(`${origin}/api/health/detail → ${response.status}`);
  return response.json();
}

function appEnv(extra = {}) {
  return {
    ...appEnvironment({
      credentials: CONFIG,
      appOrigin: APP,
      emulatorPort: CONFIG.emulatorPort,
      distDir: CONFIG.distDir,
      databasePath: CONFIG.databasePath,
    }),
    // The SSE fan-out bench opens BENCH_SSE_CLIENTS streams of ONE session (the default caps: 32 per session, 64
    // per user).
    SSE_MAX_STREAMS_PER_SESSION: String(Number(env.BENCH_SSE_CLIENTS ?? 1000) + 16),
    SSE_MAX_STREAMS_PER_USER: String(Number(env.BENCH_SSE_CLIENTS ?? 1000) + 16),
    ...BENCH_APP_ENV,
    ...extra,
  };
}

export async function buildIfNeeded() {
  if (hasBuild(appEnv()) && env.BENCH_BUILD !== '1') return false;
  console.error(`building into ${CONFIG.distDir} …`);
  await buildApp({ env: appEnv(), output: 'echo' });
  return true;
}

export function startEmulator() {
  return startStackEmulator({ credentials: CONFIG, port: CONFIG.emulatorPort, appOrigin: APP, accessTokenTtlSeconds: 3600 });
}

/**
 * The environment of the proxy-cost bench's stock run: authkit's stock proxy, which does NOT enforce revocation.
 * lib/env.ts refuses PROXY_MODE=stock unless BENCH_ALLOW_STOCK_PROXY=true is set with it.
 */
export const STOCK_PROXY_ENV = Object.freeze({ PROXY_MODE: 'stock', BENCH_ALLOW_STOCK_PROXY: 'true' });

/** `next start` of the bench build on `port` (default BENCH_APP_PORT); a second instance on another port. */
export function startApp(extraEnv = {}, { port = CONFIG.appPort } = {}) {
  // PROXY_MODE=stock is only ever the bench's own comparison run: allow it here, and only here.
  const stock = extraEnv.PROXY_MODE === 'stock' ? STOCK_PROXY_ENV : {};
  return startNextApp({ name: `app-${port}`, port, host: 'localhost', env: appEnv({ ...extraEnv, ...stock }) });
}

/** A process and all its descendants (`next start` serves from a child process). */
function processTree(pid) {
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
  return tree;
}

/** Sums `read(pid)` over the process tree of `pid`; NaN without a pid. */
function sumOverTree(pid, read) {
  if (!pid) return NaN;
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += read(p);
    } catch {
      // gone
    }
  }
  return total;
}

/** RSS of a process tree, in bytes. */
export function treeRss(pid) {
  return sumOverTree(pid, (p) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024);
}

/** CPU time (user + system, ms) of a process tree: what work costs, independent of CPU contention. */
export function treeCpuMs(pid) {
  return sumOverTree(pid, (p) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
  });
}

export function launchBrowser() {
  return launchEngine('chromium');
}

/**
 * A browser context for one "device", signed in through /sign-in and the emulator's hosted page; `ip` (sent as
 * X-Forwarded-For) is the address WorkOS records for its session.
 */
export async function signedInDevice(browser, email, ip, baseURL = APP) {
  const context = await browser.newContext({ baseURL, ...(ip ? { extraHTTPHeaders: { 'X-Forwarded-For': ip } } : {}) });
  const page = await context.newPage();
  await page.goto('/sign-in?returnTo=%2Fhome');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/home');
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  return { context, page, ip, cookie };
}

/** `fn` over `items`, at most `concurrency` at a time; the results in order. */
export async function pool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/**
 * `count` sessions of one user, signed in over HTTP through `origin` (6 at a time), each with its own user agent
 * `${tag}/${i}` and address `ip(i)`, and with its WorkOS session id.
 */
export async function signInSessions(emulator, origin, { email, userId, tag, count, ip }) {
  const sessions = await pool(Array.from({ length: count }, (_, i) => i), 6, async (i) => {
    const session = { email, userId, userAgent: `${tag}/${i}`, ip: ip(i) };
    const { cookie } = await signInOverHttp(origin, email, { userAgent: session.userAgent, ip: session.ip });
    return { ...session, cookie };
  });
  const active = await emulator.sessions(userId);
  const ids = new Map(active.filter((s) => s.status === 'active').map((s) => [s.user_agent, s.id]));
  return sessions.map((session) => {
    const id = ids.get(session.userAgent);
    if (!id) throw new Error(`no active session for ${session.userAgent}`);
    return { ...session, id };
  });
}

/**
 * On `admin`'s security page, signs out the session whose row shows `ip`. Resolves with when (ms since epoch)
 * the server action's request left the browser and when its response came back: "the revoke's return".
 */
export async function revokeFromSecurityPage(admin, ip) {
  await admin.page.goto('/account/security');
  // The session's own row: sessions of one browser are grouped under an item holding a list of their rows.
  const row = admin.page
    .getByRole('list', { name: 'Active sessions' })
    .getByRole('listitem')
    .filter({ hasText: ip, hasNot: admin.page.getByRole('list') });
  const isAction = (request) => request.method() === 'POST' && request.headers()['next-action'] !== undefined;
  const requested = admin.page.waitForRequest(isAction).then(() => Date.now());
  const returned = admin.page.waitForResponse((r) => isAction(r.request())).then((response) => {
    const at = Date.now();
    if (response.status() !== 200) throw new Error(`revoke answered ${response.status()}`);
    return at;
  });
  // Handled before the click: if the click fails, these must not reject unhandled once the browser closes.
  const both = Promise.all([requested, returned]);
  both.catch(() => {});
  await row.getByRole('button', { name: /^Sign out/ }).click();
  const [requestedAt, returnedAt] = await both;
  await admin.page.getByRole('status').getByText(/^Signed out/).waitFor();
  return { requestedAt, returnedAt };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(values) {
  const r = (n) => Math.round(n * 10) / 10;
  return { n: values.length, p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), max: r(Math.max(...values)) };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The machine a run was made on, for its results. */
export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export function describeMachine(m) {
  return `${m.cores} × ${m.cpu}, ${m.memoryGb} GB, Node ${m.node}, load ${m.loadavg.join(' ')}`;
}

/** bench/registry.bench.ts (`vitest bench`): the gate's in-memory check, without HTTP, with `revoked` in the set. */
export function gateBench(revoked) {
  const out = join(ROOT, 'bench/results/registry-bench.json');
  mkdirSync(dirname(out), { recursive: true });
  const run = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'bench', '--run', 'bench/registry.bench.ts', '--outputJson', out],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000, env: { ...process.env, BENCH_REGISTRY_REVOKED: String(revoked) } },
  );
  if (run.status !== 0) throw new Error('vitest bench failed');
  const group = JSON.parse(readFileSync(out, 'utf8')).files[0].groups[0];
  return {
    group: group.fullName.split(' > ').pop(),
    cases: group.benchmarks.map((b) => ({ name: b.name, opsPerSecond: Math.round(b.hz), meanNs: Math.round(b.mean * 1e6) })),
  };
}

/**
 * A database file with `count` live revocations, inserted as the app stores them (its own schema and columns), with
 * revocation times spread over the retention window as a steady rate would leave them.
 */
export function seedRevocations(file, count) {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  migrate(db);
  const insert = db.prepare(
    `INSERT INTO revocations (${REVOCATION_COLUMNS}) VALUES (?, ?, ?, ?, 'user', ?, NULL, 'signed_out', 'action')`,
  );
  const now = Date.now();
  const retentionMs = 86_400_000;
  db.exec('BEGIN');
  for (let i = 0; i < count; i++) {
    const revokedAt = now - Math.floor((i / count) * (retentionMs - 600_000));
    const user = `user_seed_${i % 200_000}`;
    insert.run(randomBytes(16).toString('hex'), user, revokedAt, revokedAt + retentionMs, user);
  }
  db.exec('COMMIT');
  db.close();
}

/** Writes bench/results/<name> (JSON); returns its path. */
export function writeResults(name, results) {
  const file = join(ROOT, 'bench/results', name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/**
 * Runs a bench's main to its end and exits: 1 on an error, else the code main set; with `maxSeconds`, 2 when it is
 * still running after that long.
 */
export function runBench(name, main, { maxSeconds } = {}) {
  if (maxSeconds) {
    setTimeout(() => {
      console.error(`${name}: over BENCH_MAX_SECONDS (${maxSeconds} s); stopping`);
      process.exit(2);
    }, maxSeconds * 1000).unref();
  }
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
