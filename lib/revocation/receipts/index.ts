import 'server-only';
import { getDb } from '@/lib/db';
import { getEnv, type Env } from '@/lib/env';
import { secretBox, type SecretBox } from '@/lib/security/aead';
import type { RevocationRecord } from '../types';
import { createSharedReceipts, createSqliteReceipts, type Receipt, type ReceiptStore } from './store';
import { openReceipt, sealReceipt } from './token';

/**
 * Revocation receipts: proof that a revoked session's open page heard of it. The `event: revoked` frame carries a
 * sealed token (receiptTokenFor); the page posts it back (acknowledgeReceipt); the security and admin pages show
 * "told at …" from the store (findReceipts), or "not online" when no word came.
 */
export type { Receipt } from './store';

let box: { secret: string; box: SecretBox } | null = null;

/** Derived once per secret: every revoked session's frame and every answer needs it, and HKDF is not free. */
function receiptBox(): SecretBox {
  const secret = getEnv().WORKOS_COOKIE_PASSWORD;
  if (box?.secret !== secret) box = { secret, box: secretBox(secret, 'revocation-receipt/v1') };
  return box.box;
}

export function receiptTokenFor(record: Pick<RevocationRecord, 'sessionHash' | 'userId' | 'revokedAt'>): string {
  return sealReceipt(receiptBox(), record);
}

const key = Symbol.for('soe.revocation.receipts');
type Holder = { [key]?: Promise<ReceiptStore> };

async function createStore(env: Env): Promise<ReceiptStore> {
  const local = createSqliteReceipts(getDb());
  if (!env.REDIS_URL) return local;
  // Imported only when REDIS_URL is set: ioredis stays out of processes that do not use Redis.
  const { createFailFastRedis } = await import('@/lib/redis/fail-fast');
  const { redis, ready } = createFailFastRedis({
    url: env.REDIS_URL,
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
  });
  await ready();
  const log = (message: string) => console.warn(`[revocation/receipts] ${message}`);
  return createSharedReceipts(local, redis, { keyPrefix: env.REDIS_KEY_PREFIX, log });
}

function getReceiptStore(): Promise<ReceiptStore> {
  const holder = globalThis as Holder;
  holder[key] ??= createStore(getEnv());
  return holder[key];
}

export type Acknowledgment = { status: 'recorded'; receipt: Receipt } | { status: 'invalid' | 'expired' };

/**
 * Records that the page holding `token` was told, now. A token this app did not seal is `invalid`; one older than
 * the revocation retention (the registry no longer tells anyone of it) is `expired`. Both change nothing.
 */
export async function acknowledgeReceipt(token: string, now = Date.now()): Promise<Acknowledgment> {
  const claim = openReceipt(receiptBox(), token);
  if (!claim) return { status: 'invalid' };
  if (now - claim.revokedAt > getEnv().REVOCATION_RETENTION_SECONDS * 1000) return { status: 'expired' };
  const receipt = { ...claim, toldAt: Math.max(now, claim.revokedAt) };
  await (await getReceiptStore()).record(receipt);
  return { status: 'recorded', receipt };
}

export async function findReceipts(sessionHashes: readonly string[]): Promise<Map<string, Receipt>> {
  return (await getReceiptStore()).find(sessionHashes);
}
