import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Database } from '@/lib/db';
import { parseStored } from '@/lib/redis/parse-stored';
import type { ReceiptClaim } from './token';

/** A revoked session's open page said it was told, at `toldAt` (ms, this server's clock when the word came). */
export interface Receipt extends ReceiptClaim {
  toldAt: number;
}

export interface ReceiptStore {
  /** Keeps the first word about a revocation; later ones (other tabs, retries) change nothing. */
  record(receipt: Receipt): Promise<void>;
  /** The receipts known for these sessions, by session hash. */
  find(sessionHashes: readonly string[]): Promise<Map<string, Receipt>>;
}

interface ReceiptRow {
  session_hash: string;
  user_id: string;
  revoked_at: number;
  told_at: number;
}

const fromRow = (row: ReceiptRow): Receipt => ({
  sessionHash: row.session_hash,
  userId: row.user_id,
  revokedAt: row.revoked_at,
  toldAt: row.told_at,
});

/** Receipts in the instance's SQLite file (table `revocation_receipts`), next to the audit entries they belong to. */
export function createSqliteReceipts(db: Database): ReceiptStore {
  const insert = db.prepare(
    `INSERT INTO revocation_receipts (session_hash, user_id, revoked_at, told_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (session_hash) DO NOTHING`,
  );
  return {
    async record(receipt) {
      insert.run(receipt.sessionHash, receipt.userId, receipt.revokedAt, receipt.toldAt);
    },
    async find(sessionHashes) {
      if (sessionHashes.length === 0) return new Map();
      const rows = db
        .prepare(`SELECT * FROM revocation_receipts WHERE session_hash IN (${sessionHashes.map(() => '?').join(', ')})`)
        .all(...sessionHashes) as unknown as ReceiptRow[];
      return new Map(rows.map((row) => [row.session_hash, fromRow(row)]));
    },
  };
}

const sharedSchema = z.object({
  userId: z.string().min(1).max(200),
  revokedAt: z.number().int().positive(),
  toldAt: z.number().int().positive(),
});

/**
 * How long Redis keeps a receipt for the other instances. Each instance that reads one keeps its own copy with its
 * audit entries, so this only needs to outlast the time until someone looks (and bounds what Redis holds).
 */
export const SHARED_RECEIPT_TTL_MS = 7 * 24 * 3600_000;

/**
 * Receipts every instance sees: the page that was told may have posted to any instance, the revoker asks another.
 * Written to the local store and to Redis (`<prefix>rcpt:<sessionHash>`, SET NX PX, first word wins); read locally
 * first, then from Redis for what this instance has not heard of (kept locally once read). With Redis down, the
 * local store alone answers: a receipt is then shown by the instance that took it, never lost from there.
 */
export function createSharedReceipts(
  local: ReceiptStore,
  redis: Pick<Redis, 'set' | 'mget'>,
  options: { keyPrefix: string; log: (message: string) => void },
): ReceiptStore {
  const keyOf = (sessionHash: string) => `${options.keyPrefix}rcpt:${sessionHash}`;
  return {
    async record(receipt) {
      await local.record(receipt);
      const { userId, revokedAt, toldAt } = receipt;
      try {
        await redis.set(keyOf(receipt.sessionHash), JSON.stringify({ userId, revokedAt, toldAt }), 'PX', SHARED_RECEIPT_TTL_MS, 'NX');
      } catch (error) {
        options.log(`a receipt is kept on this instance only: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    async find(sessionHashes) {
      const found = await local.find(sessionHashes);
      const missing = sessionHashes.filter((hash) => !found.has(hash));
      if (missing.length === 0) return found;
      let values: (string | null)[];
      try {
        values = await redis.mget(...missing.map(keyOf));
      } catch (error) {
        options.log(`receipts read from this instance only: ${error instanceof Error ? error.message : String(error)}`);
        return found;
      }
      for (const [index, sessionHash] of missing.entries()) {
        const shared = parseStored(sharedSchema, values[index] ?? null);
        if (!shared) continue;
        const receipt = { sessionHash, ...shared };
        await local.record(receipt);
        found.set(sessionHash, receipt);
      }
      return found;
    },
  };
}
