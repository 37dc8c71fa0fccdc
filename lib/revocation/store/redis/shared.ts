import type { Redis } from 'ioredis';
import type { Message, Payload } from '../codec';

/**
 * The revocations in Redis. Layout (prefix `rev:` by default):
 *   rev:s:<sessionHash>  JSON RevocationRecord, expiring at its expiresAt  (SET … NX PX)
 *   rev:u:<userId>       JSON UserRevocation, expiring at its expiresAt
 *   rev:events           pub/sub channel, one JSON message per new key
 *   rev:populated        set once an instance that knew the whole set has put back what Redis lost
 * Nothing in Redis holds a raw session id.
 */

/** SET the key only if absent and announce it; the first writer wins, later duplicates change nothing. */
const SET_AND_PUBLISH = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('PUBLISH', ARGV[3], ARGV[4])
  return 1
end
return 0`;

const SCAN_BATCH = 1000;

export type Kind = Payload['kind'];

export class SharedRevocations {
  readonly channel: string;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly instanceId: string;

  constructor(redis: Redis, prefix: string, instanceId: string) {
    this.redis = redis;
    this.prefix = prefix;
    this.instanceId = instanceId;
    this.channel = `${prefix}events`;
  }

  /** SET NX PX + PUBLISH atomically. Throws when Redis is unreachable (no offline queue). */
  async write(payload: Payload): Promise<void> {
    const message: Message = { v: 1, from: this.instanceId, ...payload };
    const [key, value, expiresAt] =
      payload.kind === 's'
        ? [this.key('s', payload.record.sessionHash), payload.record, payload.record.expiresAt]
        : [this.key('u', payload.revocation.userId), payload.revocation, payload.revocation.expiresAt];
    const ttl = expiresAt - Date.now();
    if (ttl <= 0) return; // already past its retention: nothing left to enforce anywhere
    const args = [JSON.stringify(value), String(Math.ceil(ttl)), this.channel, JSON.stringify(message)];
    await this.redis.eval(SET_AND_PUBLISH, 1, key, ...args);
  }

  isOwn(message: Pick<Message, 'from'>): boolean {
    return message.from === this.instanceId;
  }

  /** Every key of one kind with its value, a SCAN batch at a time; `id` is what the key names. */
  async *scan(kind: Kind): AsyncGenerator<{ key: string; id: string; value: string | null }[]> {
    const keyPrefix = `${this.prefix}${kind}:`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', SCAN_BATCH);
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.redis.mget(keys);
      yield keys.map((key, i) => ({ key, id: key.slice(keyPrefix.length), value: values[i] ?? null }));
    } while (cursor !== '0');
  }

  /** ms the key has left; null when it is gone, -1 when it has no expiry. */
  async remainingMs(key: string): Promise<number | null> {
    const ttl = await this.redis.pttl(key);
    return ttl === -2 ? null : ttl;
  }

  async markPopulated(): Promise<void> {
    await this.redis.set(`${this.prefix}populated`, this.instanceId);
  }

  async isPopulated(): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}populated`)) === 1;
  }

  private key(kind: Kind, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }
}
