/**
 * Starts a throw-away `redis-server` for tests (no persistence, loopback only). Fails loudly when redis-server is
 * not installed: `scripts/test.sh` installs it, so a missing binary is a broken environment, not a reason to skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from './ports.ts';

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server (SIGTERM) and waits for the process to exit. Data is lost: it runs without persistence. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty). */
  restart(): Promise<void>;
}

export function redisServerBinary(): string {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `redis-server is required for the Redis backend and multi-instance tests but "${bin}" could not be run ` +
        `(${probe.error?.message ?? probe.stderr}). Install it: apt-get install -y redis-server ` +
        '(scripts/test.sh does this), or set REDIS_SERVER_BIN.',
    );
  }
  return bin;
}

export async function startRedisServer(options: { port?: number; portFrom?: number } = {}): Promise<RedisServer> {
  const bin = redisServerBinary();
  const port = options.port ?? (await freePort(options.portFrom ?? 6390));
  let child: ChildProcess | null = null;
  let output = '';

  const launch = async () => {
    output = '';
    child = spawn(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`redis-server exited (${code}) on port ${port}:\n${output}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForPort(port), exited]);
  };

  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
