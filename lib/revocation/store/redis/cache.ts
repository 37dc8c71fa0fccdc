import type { DatabaseSync } from 'node:sqlite';
import type { RevocationRecord, UserRevocation } from '../../types';
import * as rows from '../rows';

/**
 * Every revocation this instance has seen, in its local `revocations` / `revoked_users` tables, so that an
 * instance restarted while Redis is down still enforces everything it knew, and can put back what Redis lost.
 */
export class LastKnownCache {
  private readonly db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** One SQLite transaction for a batch of cache writes (synchronous: nothing else runs in between). */
  inTransaction(fn: () => void): void {
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  record(record: RevocationRecord): void {
    this.db.prepare(rows.upsertRevocationSql(false)).run(...rows.revocationValues(record));
  }

  user(revocation: UserRevocation): void {
    this.db.prepare(rows.upsertUserSql(false)).run(...rows.userRevocationValues(revocation));
  }

  /** Records still live after `liveAfter`. */
  records(liveAfter: number): RevocationRecord[] {
    const cached = this.db
      .prepare('SELECT * FROM revocations WHERE expires_at > ?')
      .all(liveAfter) as unknown as rows.RevocationRow[];
    return cached.map(rows.recordFromRow);
  }

  users(liveAfter: number): UserRevocation[] {
    const cached = this.db
      .prepare('SELECT * FROM revoked_users WHERE expires_at > ?')
      .all(liveAfter) as unknown as rows.UserRow[];
    return cached.map(rows.userRevocationFromRow);
  }

  prune(now: number): void {
    this.db.prepare('DELETE FROM revocations WHERE expires_at <= ?').run(now);
    this.db.prepare('DELETE FROM revoked_users WHERE expires_at <= ?').run(now);
  }
}
