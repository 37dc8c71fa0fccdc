/**
 * A real multi-instance deployment on loopback, for the multi-instance tests and the benchmark:
 *   redis-server (started here, own port) ─┬─ app instance A (next start, :3500, own SQLite)
 *                                          └─ app instance B (next start, :3501, own SQLite)
 *   WorkOS emulator (:4150), webhooks delivered to instance A only.
 * Both instances run ONE production build (NEXT_DIST_DIR=.next-multi), built only when sources changed.
 *
 * Erasable TypeScript with `.ts` imports: Node 24 runs it directly (bench/multi-instance.mjs), Playwright too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { startRedisServer, waitForPort, type RedisServer } from './redis.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;
const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next');

export const MULTI = {
  appPorts: [Number(process.env.MULTI_APP_PORT_A ?? 3500), Number(process.env.MULTI_APP_PORT_B ?? 3501)] as const,
  emulatorPort: Number(process.env.MULTI_EMULATOR_PORT ?? 4150),
  redisPortFrom: Number(process.env.MULTI_REDIS_PORT_FROM ?? 6391),
  distDir: '.next-multi',
  dataDir: join(ROOT, '.data/multi'),
  // Local-only credentials: the emulator accepts whatever it is started with.
  apiKey: 'sk_test_multi_local_emulator_only',
  clientId: 'client_multi_local_emulator',
  cookiePassword: 'multi-instance-cookie-password-local-only-0123456789',
  webhookSecret: 'whsec_multi_local_emulator_only',
} as const;

/** Sign-in always returns to A's callback (as behind a load balancer: one public callback URL). Cookies are per
 * host, not per port, so a browser signed in through A presents the same session cookie to B. */
export const PUBLIC_ORIGIN = `http://127.0.0.1:${MULTI.appPorts[0]}`;

function appEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_DIST_DIR: MULTI.distDir,
    WORKOS_API_KEY: MULTI.apiKey,
    WORKOS_CLIENT_ID: MULTI.clientId,
    WORKOS_COOKIE_PASSWORD: MULTI.cookiePassword,
    WORKOS_WEBHOOK_SECRET: MULTI.webhookSecret,
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: `${PUBLIC_ORIGIN}/callback`,
    WORKOS_API_HOSTNAME: '127.0.0.1',
    WORKOS_API_PORT: String(MULTI.emulatorPort),
    WORKOS_API_HTTPS: 'false',
    REVOCATION_SIGNALS: 'webhooks',
    ...extra,
  };
}

const SOURCE_PATHS = [
  'app',
  'lib',
  'components',
  'hooks',
  'proxy.ts',
  'instrumentation.ts',
  'next.config.ts',
  'package-lock.json',
  'postcss.config.mjs',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** `next build` into .next-multi unless a build newer than every source file is already there. */
export function ensureBuild(options: { force?: boolean; log?: (line: string) => void } = {}): void {
  const log = options.log ?? ((line: string) => console.log(line));
  const buildId = join(ROOT, MULTI.distDir, 'BUILD_ID');
  const sources = Math.max(...SOURCE_PATHS.map((p) => newestMtime(join(ROOT, p))));
  if (!options.force && existsSync(buildId) && process.env.MULTI_REUSE_BUILD === '1') {
    log(`[multi] MULTI_REUSE_BUILD=1: reusing the production build in ${MULTI.distDir}`);
    return;
  }
  if (!options.force && existsSync(buildId) && statSync(buildId).mtimeMs > sources) {
    log(`[multi] reusing the production build in ${MULTI.distDir} (newer than every source file)`);
    return;
  }
  log(`[multi] next build → ${MULTI.distDir} (once; both instances share it)`);
  const result = spawnSync(NODE, [NEXT_BIN, 'build'], {
    cwd: ROOT,
    env: appEnv({ DATABASE_PATH: join(MULTI.dataDir, 'build.sqlite') }),
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
}

interface Proc {
  child: ChildProcess;
  log: WriteStream;
  exited: Promise<number | null>;
}

function launch(name: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  mkdirSync(join(MULTI.dataDir, 'logs'), { recursive: true });
  const log = createWriteStream(join(MULTI.dataDir, 'logs', `${name}.log`), { flags: 'a' });
  log.write(`\n==== ${new Date().toISOString()} start ${name}\n`);
  const child = spawn(NODE, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, log, exited };
}

async function stopProc(proc: Proc): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
    await proc.exited;
    clearTimeout(timer);
  }
  proc.log.end();
}

async function waitForHttp(
  url: string,
  proc: Proc,
  timeoutMs: number,
  ready: (status: number) => boolean = (status) => status >= 200 && status < 300,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  proc.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${url}: the process exited (${exitCode}) before it answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (ready(response.status)) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Instance {
  name: 'a' | 'b';
  port: number;
  origin: string;
  databasePath: string;
  pid(): number | undefined;
  /**
   * Starts it and waits until it is ready (health 200). `{ ready: false }`: only until it answers at all — an
   * instance that cannot load the revocation set answers 503, as it must.
   */
  start(options?: { ready?: boolean }): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** GET /api/health as JSON (public: no detail; that is in the instance's log, see `logSinceStart`). */
  health(): Promise<{ status: string; revocation?: { backend: string; status: string; starting?: boolean } }>;
  /** What this instance has logged since it was last started. */
  logSinceStart(): string;
}

export interface Cluster {
  redis: RedisServer;
  a: Instance;
  b: Instance;
  emulatorURL: string;
  stop(): Promise<void>;
}

function instance(name: 'a' | 'b', port: number, redisUrl: string, extraEnv: Record<string, string>): Instance {
  const databasePath = join(MULTI.dataDir, `${name}.sqlite`);
  let proc: Proc | null = null;
  const origin = `http://127.0.0.1:${port}`;
  const self: Instance = {
    name,
    port,
    origin,
    databasePath,
    pid: () => proc?.child.pid,
    async start({ ready = true }: { ready?: boolean } = {}) {
      if (proc) throw new Error(`instance ${name} already running`);
      proc = launch(`app-${name}`, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
        ...appEnv({ REDIS_URL: redisUrl, DATABASE_PATH: databasePath, ...extraEnv }),
        // Faster reconnection than production's 2 s cap keeps the outage tests short; defaults otherwise.
        REDIS_STARTUP_TIMEOUT_MS: '3000',
      });
      await waitForHttp(`http://127.0.0.1:${port}/api/health`, proc, 60_000, ready ? undefined : (status) => status > 0);
      // /api/health answers 200 while the registry is still starting (its first request creates it): wait until
      // the backend's start() has settled — in sync with Redis, or degraded after REDIS_STARTUP_TIMEOUT_MS.
      const deadline = Date.now() + 30_000;
      while ((await self.health()).revocation?.starting) {
        if (Date.now() > deadline) throw new Error(`instance ${name}: the revocation registry did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const p = proc;
      proc = null;
      if (p) await stopProc(p);
    },
    async restart() {
      await self.stop();
      await self.start();
    },
    async health() {
      const response = await fetch(`http://127.0.0.1:${port}/api/health`);
      return (await response.json()) as Awaited<ReturnType<Instance['health']>>;
    },
    logSinceStart() {
      let text = '';
      try {
        text = readFileSync(join(MULTI.dataDir, 'logs', `app-${name}.log`), 'utf8');
      } catch {
        return '';
      }
      const marker = text.lastIndexOf(`start app-${name}\n`);
      return marker === -1 ? text : text.slice(marker);
    },
  };
  return self;
}

/**
 * Starts redis, the emulator and both instances (fresh databases). Build first with `ensureBuild()`.
 * `appEnv` adds settings to both instances (the bench raises SSE_MAX_STREAMS_PER_SESSION).
 */
export async function startCluster(options: { appEnv?: Record<string, string> } = {}): Promise<Cluster> {
  if (!existsSync(join(ROOT, MULTI.distDir, 'BUILD_ID'))) {
    throw new Error(`no production build in ${MULTI.distDir}: call ensureBuild() (npm run test:multi does)`);
  }
  mkdirSync(MULTI.dataDir, { recursive: true });
  for (const name of ['a', 'b']) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(MULTI.dataDir, `${name}.sqlite${suffix}`), { force: true });
  }
  const redis = await startRedisServer({ portFrom: MULTI.redisPortFrom });
  const [portA, portB] = MULTI.appPorts;
  const emulator = launch('emulator', ['emulator/main.ts'], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EMULATOR_HOST: '127.0.0.1',
    EMULATOR_PORT: String(MULTI.emulatorPort),
    WORKOS_API_KEY: MULTI.apiKey,
    WORKOS_CLIENT_ID: MULTI.clientId,
    WORKOS_WEBHOOK_SECRET: MULTI.webhookSecret,
    EMULATOR_REDIRECT_URIS: `${PUBLIC_ORIGIN}/callback`,
    // Webhooks reach instance A only: a revocation signalled by WorkOS lands on A and must travel to B via Redis.
    EMULATOR_WEBHOOK_URL: `http://127.0.0.1:${portA}/api/webhooks/workos`,
    // WorkOS's default; the refresh scenarios shorten it themselves.
    EMULATOR_ACCESS_TOKEN_TTL_SECONDS: '300',
    NODE_ENV: 'production',
  });
  const emulatorURL = `http://127.0.0.1:${MULTI.emulatorPort}`;
  const a = instance('a', portA, redis.url, options.appEnv ?? {});
  const b = instance('b', portB, redis.url, options.appEnv ?? {});
  try {
    await waitForHttp(`${emulatorURL}/health`, emulator, 30_000);
    await Promise.all([a.start(), b.start()]);
  } catch (error) {
    await Promise.allSettled([a.stop(), b.stop(), stopProc(emulator), redis.stop()]);
    throw error;
  }
  return {
    redis,
    a,
    b,
    emulatorURL,
    async stop() {
      await Promise.allSettled([a.stop(), b.stop(), stopProc(emulator)]);
      await redis.stop();
    },
  };
}

export { waitForPort };
