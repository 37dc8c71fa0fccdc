import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Clock } from './clock.ts';

/**
 * `Idempotency-Key` on POSTs, as WorkOS documents it (spec, `POST /audit_logs/events`): "Each subsequent request
 * matching this unique string will return the same response", and "Idempotency keys expire after 24 hours". The
 * Node SDK puts one key on every POST it may retry and keeps it across its retries (`withIdempotencyKey`), so a
 * request retried after a lost response gets the first answer instead of being applied twice.
 *
 * Scope: the key alone, in the emulator's one environment (WorkOS: "matching this unique string"). An answer is kept
 * only once the route ran to an answer below 500 and other than 429: a server error or a rate limit is retryable,
 * and a fault injected before the route (`/_emulator/faults`) is not an answer of the route. A second request with
 * the key while the first is still running waits for the first one's answer. Kept in memory (a restart forgets
 * them) and cleared by `POST /_emulator/reset`; expiry follows the emulator's clock.
 */

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

interface KeptAnswer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  at: number;
}

export class IdempotencyKeys {
  private readonly answers = new Map<string, KeptAnswer>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(clock: Clock, ttlMs = IDEMPOTENCY_TTL_MS) {
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  clear(): void {
    this.answers.clear();
  }

  /**
   * Replays the answer kept for `key` and returns true; otherwise records the answer `res` is about to give and
   * returns false (the caller then runs the request).
   */
  async replayOrRecord(key: string, res: ServerResponse): Promise<boolean> {
    for (;;) {
      const kept = this.answers.get(key);
      if (kept && this.clock.now() - kept.at < this.ttlMs) {
        res.writeHead(kept.status, kept.headers);
        res.end(kept.body);
        return true;
      }
      if (kept) this.answers.delete(key);
      const running = this.running.get(key);
      if (!running) break;
      await running;
    }
    this.record(key, res);
    return false;
  }

  private record(key: string, res: ServerResponse): void {
    let status = 0;
    let headers: OutgoingHttpHeaders = {};
    const chunks: Buffer[] = [];
    const toBuffer = (chunk: unknown) =>
      Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : null;

    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((code: number, ...rest: unknown[]) => {
      status = code;
      const given = rest.find((arg) => arg !== null && typeof arg === 'object') as OutgoingHttpHeaders | undefined;
      headers = { ...res.getHeaders(), ...given };
      return writeHead(code, ...rest);
    }) as ServerResponse['writeHead'];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      const buffer = toBuffer(chunk);
      if (buffer) chunks.push(buffer);
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      const buffer = typeof chunk === 'function' ? null : toBuffer(chunk);
      if (buffer) chunks.push(buffer);
      return end(chunk, ...rest);
    }) as ServerResponse['end'];

    let settle: () => void = () => {};
    this.running.set(
      key,
      new Promise<void>((resolve) => {
        settle = resolve;
      }),
    );
    const done = (finished: boolean) => {
      if (this.running.has(key)) {
        const code = status || res.statusCode;
        if (finished && code < 500 && code !== 429) {
          this.answers.set(key, { status: code, headers, body: Buffer.concat(chunks), at: this.clock.now() });
        }
        this.running.delete(key);
        settle();
      }
    };
    res.once('finish', () => done(true));
    res.once('close', () => done(false));
  }
}
