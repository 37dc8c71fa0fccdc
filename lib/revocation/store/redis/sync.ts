import type { RevocationRecord, UserRevocation } from '../../types';
import { parseJson, parseRecord, parseUserRevocation, SESSION_HASH, userIdSchema } from '../codec';
import type { Retention } from '../retention';
import type { LastKnownCache } from './cache';
import type { RedisConnection } from './connection';
import { describeError, type ResolvedRedisOptions } from './options';
import type { RevocationOutbox } from './outbox';
import type { Kind, SharedRevocations } from './shared';

export interface SyncParts {
  options: ResolvedRedisOptions;
  retention: Retention;
  connection: RedisConnection;
  shared: SharedRevocations;
  outbox: RevocationOutbox;
  cache: LastKnownCache;
  /** Hands a loaded revocation to the cache and the registry. */
  accept(record: RevocationRecord): void;
  acceptUser(revocation: UserRevocation): void;
  /** After every load, in sync or not. */
  onSettled(): void;
}

const SYNCED_MARK = 'revocations_synced';

/**
 * The full load, run whenever both links come up (subscribed first, so no message is missed): flush what this
 * instance queued, load every key (SCAN + MGET), and put back any live record Redis lost (a Redis restart without
 * persistence). Only then is the backend in sync. One load at a time; a request during one runs another after it.
 */
export class RedisSync {
  private readonly parts: SyncParts;
  /** A full load completed, in this run or an earlier one of this instance (its database says so). */
  private loadedOnce: boolean;
  private running = false;
  private requestedAgain = false;

  constructor(parts: SyncParts) {
    this.parts = parts;
    this.loadedOnce =
      parts.options.db.prepare('SELECT 1 FROM cursors WHERE name = ?').get(SYNCED_MARK) !== undefined;
  }

  /**
   * IMPORTANT: whether this instance holds the revocation set at all. One that has never loaded it (an empty database
   * and Redis unreachable since it started) knows of no revocation, so it must not serve signed-in requests.
   */
  knowsSet(): boolean {
    return this.loadedOnce;
  }

  request(): void {
    const { connection, options } = this.parts;
    const from = connection.phase;
    if (from.kind !== 'loading' && from.kind !== 'in_sync') return;
    if (this.running) {
      this.requestedAgain = true;
      return;
    }
    this.running = true;
    this.load()
      .then(
        () => {
          if (connection.phase !== from || from.kind !== 'loading') return;
          // Known before anyone hears of the new phase.
          if (!this.loadedOnce) this.rememberLoaded();
          connection.loaded(from);
          options.log('info', `in sync with Redis (${this.parts.outbox.pending} queued)`);
        },
        (error: unknown) => {
          connection.lastError = `sync failed: ${describeError(error)}`;
          options.log('warn', connection.lastError);
        },
      )
      .finally(() => {
        this.running = false;
        this.parts.onSettled();
        const phase = connection.phase.kind;
        if (this.requestedAgain || phase === 'loading') {
          this.requestedAgain = false;
          // A failed load with both links up is retried after a short pause (not in a tight loop).
          setTimeout(() => this.request(), phase === 'in_sync' ? 0 : 250).unref();
        }
      });
  }

  private async load(): Promise<void> {
    const { shared, cache, outbox } = this.parts;
    await outbox.flush();

    const seen = { s: new Set<string>(), u: new Set<string>() };
    const unreadable: { kind: Kind; key: string; id: string }[] = [];
    for (const kind of ['s', 'u'] as const) {
      for await (const batch of shared.scan(kind)) {
        cache.inTransaction(() => {
          for (const { key, id, value } of batch) {
            if (this.acceptLoaded(kind, id, parseJson(value))) seen[kind].add(id);
            else unreadable.push({ kind, key, id });
          }
        });
      }
    }
    for (const entry of unreadable) {
      if (await this.holdUnreadable(entry)) seen[entry.kind].add(entry.id);
    }

    // Anti-entropy: a Redis restarted without persistence comes back empty; every instance puts back what it knows.
    const liveAfter = Date.now() + 1000;
    let restored = 0;
    for (const record of cache.records(liveAfter)) {
      if (seen.s.has(record.sessionHash)) continue;
      await shared.write({ kind: 's', record });
      restored++;
    }
    for (const revocation of cache.users(liveAfter)) {
      if (seen.u.has(revocation.userId)) continue;
      await shared.write({ kind: 'u', revocation });
      restored++;
    }
    if (restored > 0) this.parts.options.log('warn', `restored ${restored} revocation(s) that Redis no longer had`);
    await this.awaitPopulated();
  }

  /** A key's value, if it reads as what the key names. */
  private acceptLoaded(kind: Kind, id: string, value: unknown): boolean {
    if (kind === 's') {
      const record = parseRecord(value);
      if (record?.sessionHash !== id) return false;
      this.parts.accept(record);
    } else {
      const revocation = parseUserRevocation(value, this.parts.retention);
      if (revocation?.userId !== id) return false;
      this.parts.acceptUser(revocation);
    }
    return true;
  }

  /**
   * IMPORTANT: fail closed. A key `<prefix>s:<hash>` says that session was revoked (`<prefix>u:<userId>`, that user);
   * a value that cannot be read (corrupt, tampered, or not what its key names) must not make it live again. It is
   * held as revoked, reason `record_unreadable`, for as long as the key lives. A key naming no possible session or
   * user is only reported. Returns whether it is held.
   */
  private async holdUnreadable({ kind, key, id }: { kind: Kind; key: string; id: string }): Promise<boolean> {
    const { log } = this.parts.options;
    const valid = kind === 's' ? SESSION_HASH.test(id) : userIdSchema.safeParse(id).success;
    if (!valid) {
      log('warn', `ignoring ${JSON.stringify(key.slice(0, 100))} in Redis: it names no session or user`);
      return false;
    }
    const remaining = await this.parts.shared.remainingMs(key);
    if (remaining === null) return false; // gone since the scan
    const now = Date.now();
    const { retention } = this.parts;
    const expiresAt = remaining > 0 ? now + remaining : kind === 's' ? retention.sessionExpiry(now) : retention.userExpiry(now);
    const until = new Date(expiresAt).toISOString();
    const unreadable = { revokedAt: now, expiresAt, reason: 'record_unreadable', source: 'policy' } as const;
    if (kind === 's') {
      log('warn', `unreadable revocation record for session ${id} in Redis; holding the session as revoked until ${until}`);
      this.parts.accept({
        ...unreadable,
        sessionHash: id,
        userId: '',
        actor: { type: 'system', id: null, sessionHash: null },
        note: null,
      });
    } else {
      log('warn', `unreadable user revocation in Redis; holding every session of ${id} as revoked until ${until}`);
      this.parts.acceptUser({ ...unreadable, userId: id });
    }
    return true;
  }

  /**
   * Redis is the whole truth only once an instance that knew the set has put back what Redis lost. An instance that
   * knows the set (it just did) says so; one that never loaded it waits for that mark — what is restored meanwhile
   * reaches it through the subscription it opened before loading — or, with no such instance in `restoreGraceMs`,
   * takes Redis as it is (a new deployment) and marks it.
   */
  private async awaitPopulated(): Promise<void> {
    const { shared, connection, options } = this.parts;
    if (this.loadedOnce) return shared.markPopulated();
    const from = connection.phase;
    const until = Date.now() + options.restoreGraceMs;
    while (!(await shared.isPopulated())) {
      if (connection.phase !== from) throw new Error('disconnected while waiting for Redis to be restored');
      if (Date.now() >= until) {
        options.log('warn', 'Redis holds no mark of a full revocation set and no instance restored one; taking it as it is (a new deployment)');
        return shared.markPopulated();
      }
      await new Promise((resolve) => setTimeout(resolve, 200).unref());
    }
  }

  private rememberLoaded(): void {
    this.loadedOnce = true;
    try {
      this.parts.options.db
        .prepare(
          `INSERT INTO cursors (name, value, updated_at) VALUES (?, 'redis', ?)
           ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at`,
        )
        .run(SYNCED_MARK, Date.now());
    } catch (error) {
      this.parts.options.log('warn', `could not record the first full sync: ${describeError(error)}`);
    }
  }
}
