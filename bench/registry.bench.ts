/**
 * The proxy's revocation gate in isolation (run by bench/run.mjs and bench/scale.mjs through `vitest bench`):
 * `check()` against a registry holding BENCH_REGISTRY_REVOKED (100,000) revoked sessions, for a live session (the
 * common case) and a revoked one. The rows are written as the SQLite backend writes them and loaded by `ready()`.
 */
import { DatabaseSync } from 'node:sqlite';
import { bench, describe } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { createRevocationRegistry } from '@/lib/revocation/registry';
import { revocationValues, upsertRevocationSql } from '@/lib/revocation/store/rows';
import { createSqliteBackend } from '@/lib/revocation/store/sqlite';
import { hashSessionId } from '@/lib/security/hash';

const REVOKED = Number(process.env.BENCH_REGISTRY_REVOKED ?? 100_000);
const RETENTION_MS = 86_400_000;
const db = new DatabaseSync(':memory:');
migrate(db);
const insert = db.prepare(upsertRevocationSql(false));
const now = Date.now();
db.exec('BEGIN');
for (let i = 0; i < REVOKED; i++) {
  insert.run(
    ...revocationValues({
      sessionHash: hashSessionId(`session_revoked_${i}`),
      userId: `user_${i % 1000}`,
      revokedAt: now,
      expiresAt: now + RETENTION_MS,
      reason: 'signed_out_elsewhere',
      source: 'action',
      actor: { type: 'user', id: null, sessionHash: null },
      note: null,
    }),
  );
}
db.exec('COMMIT');
const registry = createRevocationRegistry({
  kind: 'sqlite',
  retentionMs: RETENTION_MS,
  backend: createSqliteBackend({ db, retentionMs: RETENTION_MS, pollIntervalMs: 0 }),
});
await registry.ready();
let n = 0;

describe(`registry.check with ${REVOKED.toLocaleString('en')} revoked sessions`, () => {
  bench('live session (same id each request: hash cached)', () => {
    if (registry.check('session_live', 'user_live')) throw new Error('should be live');
  });
  bench('live session (a new id each time: SHA-256 computed)', () => {
    if (registry.check(`session_new_${n++}`, 'user_live')) throw new Error('should be live');
  });
  bench('revoked session', () => {
    if (!registry.check('session_revoked_4242', 'user_242')) throw new Error('should be revoked');
  });
});
