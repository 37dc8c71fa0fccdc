/**
 * Child processes of a local stack (emulator, `next build`/`start`/`dev`), and waiting until one answers.
 * Erasable TypeScript with `.ts` imports: Node 24 runs it directly (bench/*.mjs, scripts/*.mjs), Playwright too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
// Node 24 (the `node` devDependency) runs the emulator's TypeScript; PATH may hold an older node.
export const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;
export const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next');

export type Environment = Record<string, string | undefined>;

/**
 * Where a process's output goes: 'inherit' (this terminal), 'keep' (only its last lines, for an error message),
 * 'echo' (kept, and copied to stderr with the process's name), or appended to a log file.
 */
export type Output = 'inherit' | 'keep' | 'echo' | { file: string };

export interface ProcessOptions {
  env?: Environment;
  /**
   * Start from this process's whole environment (`npm run dev`). Otherwise only PATH and HOME: a test stack is the
   * same whatever the shell that starts it has set (REDIS_URL, WORKOS_*…).
   */
  inheritEnv?: boolean;
  output?: Output;
}

export interface StackProcess {
  name: string;
  child: ChildProcess;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The end of what it printed ('keep' and 'echo'). */
  output(): string;
  /** SIGTERM, SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

/** Runs `node <args>` from the repository root. */
export function startNode(name: string, args: string[], options: ProcessOptions = {}): StackProcess {
  const output = options.output ?? 'keep';
  const base: Environment = options.inheritEnv ? process.env : { PATH: process.env.PATH, HOME: process.env.HOME };
  const child: ChildProcess = spawn(NODE, args, {
    cwd: ROOT,
    env: { ...base, ...options.env } as NodeJS.ProcessEnv,
    stdio: output === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolveExit(code);
    }),
  );
  let tail = '';
  let log: ReturnType<typeof createWriteStream> | null = null;
  if (typeof output === 'object') {
    mkdirSync(dirname(output.file), { recursive: true });
    log = createWriteStream(output.file, { flags: 'a' });
    log.write(`\n==== ${new Date().toISOString()} start ${name}\n`);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
  } else if (output !== 'inherit') {
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-8_000);
      if (output === 'echo') process.stderr.write(`[${name}] ${chunk}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }
  return {
    name,
    child,
    exited,
    output: () => tail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      log?.end();
    },
  };
}

/** Runs `node <args>` to its end; throws unless it exits 0. */
export async function runNode(name: string, args: string[], options: ProcessOptions = {}): Promise<void> {
  const proc = startNode(name, args, options);
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${name} failed (${code ?? 'killed'})\n${proc.output()}`);
}

export interface HealthOptions {
  timeoutMs?: number;
  /** Fails at once when it exits before answering. */
  process?: StackProcess;
  /** Which status counts as up; default 2xx. */
  accept?: (status: number) => boolean;
}

/** Resolves once `url` answers with a status `accept`s. */
export async function waitForHealth(url: string, options: HealthOptions = {}): Promise<void> {
  const { timeoutMs = 30_000, process: proc, accept = (status) => status >= 200 && status < 300 } = options;
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void proc?.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${url}: ${proc?.name} exited (${exitCode}) before it answered\n${proc?.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (accept(response.status)) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms\n${proc?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
