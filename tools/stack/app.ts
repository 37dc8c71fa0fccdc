/**
 * Starting the WorkOS emulator and the app (`next build`, `next start`) of a local stack.
 * Erasable TypeScript with `.ts` imports: Node 24 runs it directly, Playwright too.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorEnvironment, type EmulatorEnvironmentOptions } from './environment.ts';
import { NEXT_BIN, ROOT, runNode, startNode, waitForHealth, type HealthOptions, type ProcessOptions, type StackProcess } from './processes.ts';

/** `node emulator/main.ts`, answering /health. */
export async function startEmulator(
  options: EmulatorEnvironmentOptions & Omit<ProcessOptions, 'env'> & { env?: Record<string, string> },
): Promise<StackProcess> {
  const emulator = startNode('emulator', ['emulator/main.ts'], {
    ...options,
    env: { ...emulatorEnvironment(options), ...options.env },
  });
  await answering(emulator, `http://127.0.0.1:${options.port}/health`, { timeoutMs: 30_000 });
  return emulator;
}

export interface AppOptions extends ProcessOptions {
  port: number;
  /** `next start -H`; default: every interface, checked through localhost. */
  host?: string;
  /** Default 'app'; names its log. */
  name?: string;
  /** When it counts as started (default: /api/health 2xx) and how long that may take (default 60 s). */
  accept?: HealthOptions['accept'];
  timeoutMs?: number;
}

/** `next start` of the build in env.NEXT_DIST_DIR, answering /api/health. */
export async function startApp(options: AppOptions): Promise<StackProcess> {
  const { port, host } = options;
  const app = startNode(options.name ?? 'app', [NEXT_BIN, 'start', '-p', String(port), ...(host ? ['-H', host] : [])], options);
  await answering(app, `http://${host ?? 'localhost'}:${port}/api/health`, { timeoutMs: options.timeoutMs ?? 60_000, accept: options.accept });
  return app;
}

async function answering(proc: StackProcess, url: string, options: HealthOptions): Promise<void> {
  try {
    await waitForHealth(url, { ...options, process: proc });
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

// The redirect URI (NEXT_PUBLIC_*) is inlined at build time: a build answers for the origin it was made for only.
const BUILT_FOR = 'stack-built-for';

function distDir(env: Record<string, string | undefined>): string {
  return join(ROOT, env.NEXT_DIST_DIR ?? '.next');
}

/** `next build` into env.NEXT_DIST_DIR. */
export async function buildApp(options: ProcessOptions & { env: Record<string, string> }): Promise<void> {
  await runNode('next build', [NEXT_BIN, 'build'], options);
  writeFileSync(join(distDir(options.env), BUILT_FOR), `${options.env.NEXT_PUBLIC_WORKOS_REDIRECT_URI ?? ''}\n`);
}

const SOURCE_PATHS = ['app', 'lib', 'components', 'hooks', 'proxy.ts', 'instrumentation.ts', 'next.config.ts', 'package-lock.json', 'postcss.config.mjs'];

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

/**
 * Is there a build in env.NEXT_DIST_DIR? With `sameOrigin`: made by buildApp for env's redirect URI. With
 * `newerThanSources`: newer than every source file.
 */
export function hasBuild(env: Record<string, string>, check: { sameOrigin?: boolean; newerThanSources?: boolean } = {}): boolean {
  const buildId = join(distDir(env), 'BUILD_ID');
  if (!existsSync(buildId)) return false;
  if (check.newerThanSources && statSync(buildId).mtimeMs <= Math.max(...SOURCE_PATHS.map((p) => newestMtime(join(ROOT, p))))) {
    return false;
  }
  if (!check.sameOrigin) return true;
  const stamp = join(distDir(env), BUILT_FOR);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === env.NEXT_PUBLIC_WORKOS_REDIRECT_URI;
}
