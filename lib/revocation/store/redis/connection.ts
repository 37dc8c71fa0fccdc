import { Redis, type RedisOptions } from 'ioredis';
import { describeError, type ResolvedRedisOptions } from './options';

export type Link = 'command' | 'subscriber';

/**
 * Where the backend stands with Redis. A link is up once its connection is ready (the subscriber: once subscribed).
 *   connecting  not both links up, and never in sync since the process started
 *   down        not both links up, after having been in sync (`since`: when it went down)
 *   loading     both links up; the full load of this phase has not finished (`first`: never in sync before)
 *   in_sync     loaded; the subscription keeps the mirror current
 *   closed
 * Every change is a new object: a load counts only if the phase it started in is still the current one.
 */
export type ConnectionPhase =
  | { kind: 'connecting' | 'down'; since: number; up: ReadonlySet<Link> }
  | { kind: 'loading'; since: number; first: boolean }
  | { kind: 'in_sync' }
  | { kind: 'closed' };

export type ConnectionEvent =
  | { type: 'ready' | 'lost'; link: Link; at: number }
  | { type: 'loaded'; from: ConnectionPhase }
  | { type: 'close' };

const BOTH: ReadonlySet<Link> = new Set(['command', 'subscriber']);

export function nextPhase(phase: ConnectionPhase, event: ConnectionEvent): ConnectionPhase {
  if (phase.kind === 'closed') return phase;
  if (event.type === 'close') return { kind: 'closed' };
  if (event.type === 'loaded') return event.from === phase && phase.kind === 'loading' ? { kind: 'in_sync' } : phase;
  const without = (up: ReadonlySet<Link>) => new Set([...up].filter((link) => link !== event.link));
  switch (phase.kind) {
    case 'connecting':
    case 'down': {
      if (event.type === 'lost') return { ...phase, up: without(phase.up) };
      const up = new Set([...phase.up, event.link]);
      if (up.size < BOTH.size) return { ...phase, up };
      return { kind: 'loading', since: phase.since, first: phase.kind === 'connecting' };
    }
    case 'loading':
      if (event.type === 'ready') return phase;
      return { kind: phase.first ? 'connecting' : 'down', since: phase.since, up: without(BOTH) };
    case 'in_sync':
      if (event.type === 'ready') return phase;
      return { kind: 'down', since: event.at, up: without(BOTH) };
  }
}

/**
 * The two connections to Redis (commands; the subscription to `channel`) and the phase they put the backend in.
 * Fails fast: no offline queue, bounded connect/command timeouts, so a dead Redis never stalls a request.
 */
export class RedisConnection {
  readonly command: Redis;
  private readonly subscriber: Redis;
  private readonly options: ResolvedRedisOptions;
  private readonly channel: string;
  private readonly onPhase: (phase: ConnectionPhase) => void;
  private current: ConnectionPhase = { kind: 'connecting', since: Date.now(), up: new Set() };
  private heartbeat: NodeJS.Timeout | null = null;
  /** The last error seen, until the next full sync; only for health and logs. */
  lastError: string | null = null;

  constructor(options: ResolvedRedisOptions, channel: string, onPhase: (phase: ConnectionPhase) => void) {
    this.options = options;
    this.channel = channel;
    this.onPhase = onPhase;
    const retryStrategy = (times: number) => {
      const base = Math.min(options.retryMaxDelayMs, 100 * 2 ** Math.min(times - 1, 10));
      return Math.round(base * (0.75 + Math.random() * 0.25));
    };
    const common: RedisOptions = {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      enableReadyCheck: true,
      autoResubscribe: false, // we subscribe ourselves, then reload, so no message is missed in between
      autoResendUnfulfilledCommands: false, // unacknowledged writes are retried from the outbox instead
      keepAlive: 10_000,
      retryStrategy,
    };
    this.command = new Redis(options.url, { ...common, connectionName: 'soe-revocation' });
    this.subscriber = new Redis(options.url, { ...common, connectionName: 'soe-revocation-sub' });
  }

  get phase(): ConnectionPhase {
    return this.current;
  }

  /** Connects both links; `onMessage` receives every message on the channel. */
  open(onMessage: (text: string) => void): void {
    this.command.on('ready', () => this.apply({ type: 'ready', link: 'command', at: Date.now() }));
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).then(
        () => this.apply({ type: 'ready', link: 'subscriber', at: Date.now() }),
        (error: unknown) => {
          this.lastError = `subscribe failed: ${describeError(error)}`;
          this.subscriber.disconnect(true);
        },
      );
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) onMessage(message);
    });
    for (const [conn, link] of [
      [this.command, 'command'],
      [this.subscriber, 'subscriber'],
    ] as const) {
      conn.on('error', (error: unknown) => {
        this.lastError = describeError(error);
      });
      conn.on('close', () => this.apply({ type: 'lost', link, at: Date.now() }));
    }
    this.heartbeat = setInterval(() => this.ping(), this.options.heartbeatMs);
    this.heartbeat.unref();
    this.command.connect().catch(() => {});
    this.subscriber.connect().catch(() => {});
  }

  /** The full load that started in `from` finished: in sync, unless the phase changed meanwhile. */
  loaded(from: ConnectionPhase): void {
    if (from === this.current) this.lastError = null;
    this.apply({ type: 'loaded', from });
  }

  async close(): Promise<void> {
    this.apply({ type: 'close' });
    if (this.heartbeat) clearInterval(this.heartbeat);
    await Promise.all(
      [this.command, this.subscriber].map(async (conn) => {
        if (conn.status === 'ready') await conn.quit().catch(() => conn.disconnect());
        else conn.disconnect();
      }),
    );
  }

  private apply(event: ConnectionEvent): void {
    const previous = this.current;
    this.current = nextPhase(previous, event);
    if (this.current === previous) return;
    if (previous.kind === 'in_sync' && event.type === 'lost') {
      this.options.log(
        'warn',
        `lost the ${event.link} connection to Redis (${this.lastError ?? 'closed'}); enforcing known revocations, queueing new ones`,
      );
    }
    this.onPhase(this.current);
  }

  /** PING on both connections, to notice a silently dead one. */
  private ping(): void {
    for (const conn of [this.command, this.subscriber]) {
      if (conn.status !== 'ready') continue;
      conn.ping().catch((error: unknown) => {
        this.lastError = `no PING reply: ${describeError(error)}`;
        conn.disconnect(true); // reconnect; the close handler marks the backend degraded
      });
    }
  }
}
