/**
 * A real multi-instance deployment on loopback, for the multi-instance tests and the benchmark:
 *   redis-server (started here, own port) ─┬─ app instance A (next start, :3500, own SQLite)
 *                                          └─ app instance B (next start, :3501, own SQLite)
 *   WorkOS emulator (:4150), webhooks delivered to instance A only.
 * Both instances run ONE production build (NEXT_DIST_DIR=.next-multi), built only when sources changed.
 *
 * Erasable TypeScript with `.ts` imports: Node 24 runs it directly (bench/multi-instance.mjs), Playwright too.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, hasBuild, startApp, startEmulator } from './app.ts';
import { EmulatorClient } from './emulator-client.ts';
import { appEnvironment, localCredentials } from './environment.ts';
import { ROOT, type StackProcess } from './processes.ts';
import { startRedisServer, type RedisServer } from './redis.ts';

export const MULTI = {
  appPorts: [Number(process.env.MULTI_APP_PORT_A ?? 3500), Number(process.env.MULTI_APP_PORT_B ?? 3501)] as const,
  emulatorPort: Number(process.env.MULTI_EMULATOR_PORT ?? 4150),
  redisPortFrom: Number(process.env.MULTI_REDIS_PORT_FROM ?? 6391),
  distDir: '.next-multi',
  dataDir: join(ROOT, '.data/multi'),
  ...localCredentials('multi'),
} as const;

/** Sign-in always returns to A's callback (as behind a load balancer: one public callback URL). Cookies are per
 * host, not per port, so a browser signed in through A presents the same session cookie to B. */
export const PUBLIC_ORIGIN = `http://127.0.0.1:${MULTI.appPorts[0]}`;

function appEnv(extra: Record<string, string>): Record<string, string> {
  return {
    ...appEnvironment({ credentials: MULTI, appOrigin: PUBLIC_ORIGIN, emulatorPort: MULTI.emulatorPort, distDir: MULTI.distDir }),
    REVOCATION_SIGNALS: 'webhooks',
    ...extra,
  };
}

const logFile = (name: string) => join(MULTI.dataDir, 'logs', `${name}.log`);

/** `next build` into .next-multi unless a build newer than every source file is already there. */
export async function ensureBuild(options: { log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const env = appEnv({ DATABASE_PATH: join(MULTI.dataDir, 'build.sqlite') });
  if (process.env.MULTI_REUSE_BUILD === '1' && hasBuild(env)) {
    log(`[multi] MULTI_REUSE_BUILD=1: reusing the production build in ${MULTI.distDir}`);
    return;
  }
  if (hasBuild(env, { newerThanSources: true })) {
    log(`[multi] reusing the production build in ${MULTI.distDir} (newer than every source file)`);
    return;
  }
  log(`[multi] next build → ${MULTI.distDir} (once; both instances share it)`);
  await buildApp({ env, output: 'inherit' });
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
  /** The emulator's control API. */
  emulator: EmulatorClient;
  stop(): Promise<void>;
}

function instance(name: 'a' | 'b', port: number, redisUrl: string, extraEnv: Record<string, string>): Instance {
  const databasePath = join(MULTI.dataDir, `${name}.sqlite`);
  let app: StackProcess | null = null;
  const origin = `http://127.0.0.1:${port}`;
  const self: Instance = {
    name,
    port,
    origin,
    databasePath,
    pid: () => app?.child.pid,
    async start({ ready = true }: { ready?: boolean } = {}) {
      if (app) throw new Error(`instance ${name} already running`);
      app = await startApp({
        name: `app-${name}`,
        port,
        host: '127.0.0.1',
        env: {
          ...appEnv({ REDIS_URL: redisUrl, DATABASE_PATH: databasePath, ...extraEnv }),
          // Faster reconnection than production's 2 s cap keeps the outage tests short; defaults otherwise.
          REDIS_STARTUP_TIMEOUT_MS: '3000',
        },
        output: { file: logFile(`app-${name}`) },
        accept: ready ? undefined : (status) => status > 0,
      });
      // /api/health answers 200 while the registry is still starting (its first request creates it): wait until
      // the backend's start() has settled — in sync with Redis, or degraded after REDIS_STARTUP_TIMEOUT_MS.
      const deadline = Date.now() + 30_000;
      while ((await self.health()).revocation?.starting) {
        if (Date.now() > deadline) throw new Error(`instance ${name}: the revocation registry did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const stopping = app;
      app = null;
      await stopping?.stop();
    },
    async restart() {
      await self.stop();
      await self.start();
    },
    async health() {
      const response = await fetch(`${origin}/api/health`);
      return (await response.json()) as Awaited<ReturnType<Instance['health']>>;
    },
    logSinceStart() {
      let text = '';
      try {
        text = readFileSync(logFile(`app-${name}`), 'utf8');
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
  if (!hasBuild(appEnv({}))) {
    throw new Error(`no production build in ${MULTI.distDir}: call ensureBuild() (npm run test:multi does)`);
  }
  for (const name of ['a', 'b']) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(MULTI.dataDir, `${name}.sqlite${suffix}`), { force: true });
  }
  const redis = await startRedisServer({ portFrom: MULTI.redisPortFrom });
  const [portA, portB] = MULTI.appPorts;
  const a = instance('a', portA, redis.url, options.appEnv ?? {});
  const b = instance('b', portB, redis.url, options.appEnv ?? {});
  let emulator: StackProcess | undefined;
  try {
    emulator = await startEmulator({
      credentials: MULTI,
      port: MULTI.emulatorPort,
      appOrigin: PUBLIC_ORIGIN,
      // Webhooks reach instance A only: a revocation signalled by WorkOS lands on A and must travel to B via Redis.
      webhookOrigin: `http://127.0.0.1:${portA}`,
      output: { file: logFile('emulator') },
    });
    await Promise.all([a.start(), b.start()]);
  } catch (error) {
    await Promise.allSettled([a.stop(), b.stop(), emulator?.stop(), redis.stop()]);
    throw error;
  }
  return {
    redis,
    a,
    b,
    emulator: new EmulatorClient(`http://127.0.0.1:${MULTI.emulatorPort}`, MULTI.apiKey),
    async stop() {
      await Promise.allSettled([a.stop(), b.stop(), emulator?.stop()]);
      await redis.stop();
    },
  };
}
