import 'server-only';
import type {
  BackendHealth,
  BackendListener,
  HealthPhase,
  RevocationBackend,
  RevocationRecord,
  UserRevocation,
} from '../../types';
import { parseMessage, type Payload } from '../codec';
import { healthOf } from '../health';
import { createRetention, type Retention } from '../retention';
import { LastKnownCache } from './cache';
import { RedisConnection, type ConnectionPhase } from './connection';
import { describeError, resolveRedisOptions, type RedisBackendOptions, type ResolvedRedisOptions } from './options';
import { RevocationOutbox } from './outbox';
import { SharedRevocations } from './shared';
import { RedisSync } from './sync';

export { redisBackendOptions, type RedisBackendOptions } from './options';

/**
 * Revocations shared by several app instances through Redis (issue 6); the layout is in shared.ts.
 *
 * Guarantees:
 * - `persist` writes the record to the local SQLite outbox first (durable before anything else happens), hands it
 *   to the local listener at once, then writes it to Redis (SET NX + PUBLISH in one script). If Redis is
 *   unreachable the call still resolves — the record stays in the outbox and is flushed when Redis returns.
 * - Every record this instance has seen is also kept in its local tables (cache.ts), so an instance restarted while
 *   Redis is down still enforces everything it knew.
 * - On every (re)connect: subscribe first, then flush the outbox, reload every key and put back any live record
 *   Redis lost (sync.ts). Only then is the backend healthy again (connection.ts has the phases).
 */
export function createRedisBackend(options: RedisBackendOptions): RedisRevocationBackend {
  return new RedisRevocationBackend(options);
}

const PRUNE_EVERY_MS = 3_600_000;

export class RedisRevocationBackend implements RevocationBackend {
  readonly kind = 'redis' as const;
  private readonly options: ResolvedRedisOptions;
  private readonly retention: Retention;
  private readonly connection: RedisConnection;
  private readonly shared: SharedRevocations;
  private readonly cache: LastKnownCache;
  private readonly outbox: RevocationOutbox;
  private readonly sync: RedisSync;
  private listener: BackendListener | null = null;
  private readonly inSyncWaiters = new Set<() => void>();
  private timers: NodeJS.Timeout[] = [];
  private lastStatus: string | null = null;
  private unreadableLoggedAt = 0;

  constructor(options: RedisBackendOptions) {
    this.options = resolveRedisOptions(options);
    this.retention = createRetention(this.options.retentionSeconds * 1000);
    const { db, keyPrefix, instanceId } = this.options;
    this.connection = new RedisConnection(this.options, `${keyPrefix}events`, (phase) => this.onPhase(phase));
    this.shared = new SharedRevocations(this.connection.command, keyPrefix, instanceId);
    this.cache = new LastKnownCache(db);
    this.outbox = new RevocationOutbox(db, this.shared, this.retention, {
      onWriteFailed: (error) => {
        this.connection.lastError = describeError(error);
        this.options.log('warn', `revocation queued in the local outbox, Redis write failed: ${this.connection.lastError}`);
      },
      onChange: () => this.emitStatus(),
      log: this.options.log,
    });
    this.sync = new RedisSync({
      options: this.options,
      retention: this.retention,
      connection: this.connection,
      shared: this.shared,
      outbox: this.outbox,
      cache: this.cache,
      accept: (record) => this.accept(record),
      acceptUser: (revocation) => this.acceptUser(revocation),
      onSettled: () => this.emitStatus(),
    });
  }

  async start(listener: BackendListener): Promise<void> {
    if (this.listener) throw new Error('RedisRevocationBackend.start() called twice');
    this.listener = listener;

    // What this instance already knew (survives a restart while Redis is down).
    const now = Date.now();
    this.cache.prune(now);
    for (const record of this.cache.records(now)) listener.onRecord(record);
    for (const revocation of this.cache.users(now)) listener.onUserRevoked(revocation);

    this.connection.open((text) => this.onMessage(text));
    this.timers.push(setInterval(() => this.retryFlush(), this.options.flushIntervalMs));
    this.timers.push(setInterval(() => this.cache.prune(Date.now()), PRUNE_EVERY_MS));
    for (const t of this.timers) t.unref();
    this.emitStatus();

    // Wait (bounded) for the first full sync; after that the instance serves, degraded if Redis is away.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.options.startupTimeoutMs);
      timer.unref();
      const waiters = this.inSyncWaiters;
      waiters.add(done);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
    });
    if (this.connection.phase.kind !== 'in_sync') {
      const why = this.connection.lastError ?? 'no reply';
      this.options.log(
        'warn',
        this.knowsRevocations()
          ? `Redis not reachable at start-up (${why}); running degraded on the last known revocations`
          : `Redis not reachable at start-up (${why}) and this instance has never loaded the revocations: refusing signed-in requests until it can`,
      );
    }
  }

  async persist(record: RevocationRecord): Promise<void> {
    await this.queue({ kind: 's', record }, () => this.accept(record));
  }

  async persistUser(revocation: UserRevocation): Promise<void> {
    await this.queue({ kind: 'u', revocation }, () => this.acceptUser(revocation));
  }

  health(): BackendHealth {
    return healthOf('redis', this.phase(), this.outbox.pending);
  }

  knowsRevocations(): boolean {
    return this.sync.knowsSet();
  }

  async close(): Promise<void> {
    if (this.connection.phase.kind === 'closed') return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const closing = this.connection.close();
    for (const wake of [...this.inSyncWaiters]) wake();
    await closing;
  }

  /** Durable in the outbox, applied here at once, then sent to Redis (or left queued). */
  private async queue(payload: Payload, apply: () => void): Promise<void> {
    const id = this.outbox.enqueue(payload);
    apply();
    await this.outbox.send(id, payload);
  }

  private accept(record: RevocationRecord): void {
    this.cache.record(record);
    this.listener?.onRecord(record);
  }

  private acceptUser(revocation: UserRevocation): void {
    this.cache.user(revocation);
    this.listener?.onUserRevoked(revocation);
  }

  private phase(): HealthPhase {
    const phase = this.connection.phase;
    switch (phase.kind) {
      case 'connecting':
        if (this.connection.lastError === null) return { phase: 'connecting' };
        return { phase: 'unreachable', since: phase.since, error: this.connection.lastError };
      case 'down':
        return { phase: 'unreachable', since: phase.since, error: this.connection.lastError };
      case 'loading':
        return { phase: 'resyncing' };
      case 'in_sync':
        return { phase: 'serving' };
      case 'closed':
        return { phase: 'closed' };
    }
  }

  private onPhase(phase: ConnectionPhase): void {
    if (phase.kind === 'closed') return;
    if (phase.kind === 'loading') this.sync.request();
    if (phase.kind === 'in_sync') for (const wake of [...this.inSyncWaiters]) wake();
    this.emitStatus();
  }

  private onMessage(text: string): void {
    try {
      const message = parseMessage(text, this.retention);
      if (!message) {
        // Untrusted: not acted on, and not dropped either — the keys in Redis decide (sync.ts `holdUnreadable`).
        if (Date.now() - this.unreadableLoggedAt > 10_000) {
          this.unreadableLoggedAt = Date.now();
          this.options.log('warn', 'unreadable message on the revocation channel; reloading the revocations from Redis');
        }
        this.sync.request();
        return;
      }
      if (this.shared.isOwn(message)) return; // already delivered locally by persist()
      if (message.kind === 's') this.accept(message.record);
      else this.acceptUser(message.revocation);
    } catch (error) {
      this.options.log('error', `a revocation message could not be applied: ${describeError(error)}`);
    }
  }

  private retryFlush(): void {
    if (this.connection.phase.kind !== 'in_sync' || this.outbox.pending === 0 || this.outbox.isFlushing()) return;
    this.outbox.flush().then(
      () => this.emitStatus(),
      (error: unknown) => {
        this.connection.lastError = describeError(error);
      },
    );
  }

  /** Tells the listener when the health changes (its phase, or the queued count). */
  private emitStatus(): void {
    const health = this.health();
    const key = JSON.stringify(health);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.listener?.onStatus?.(health);
  }
}
