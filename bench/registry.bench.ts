/**
 * The proxy's revocation gate in isolation (run by bench/run.mjs through `vitest bench`): `check()` against a
 * registry holding 100,000 revoked sessions, for a live session (the common case) and a revoked one.
 */
import { DatabaseSync } from 'node:sqlite';
import { bench, describe } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { createRevocationRegistry } from '@/lib/revocation/registry';
import { createSqliteBackend } from '@/lib/revocation/store/sqlite';

const REVOKED = 100_000;
const db = new DatabaseSync(':memory:');
migrate(db);
const registry = createRevocationRegistry({
  kind: 'sqlite',
  retentionMs: 86_400_000,
  backend: createSqliteBackend({ db, retentionMs: 86_400_000, pollIntervalMs: 0 }),
});
await registry.ready();
for (let i = 0; i < REVOKED; i++) {
  await registry.revoke({
    sessionId: `session_revoked_${i}`,
    userId: `user_${i % 1000}`,
    reason: 'signed_out_elsewhere',
    source: 'action',
    actor: { type: 'user' },
  });
}
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
