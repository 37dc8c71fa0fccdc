import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from './schema';

const dir = mkdtempSync(join(tmpdir(), 'schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// audit_log as databases made before entries carried an organization have it.
const AUDIT_LOG_BEFORE_ORGANIZATIONS = `CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,
  actor_type TEXT NOT NULL, actor_id TEXT, actor_session_hash TEXT, actor_label TEXT, target_session_hash TEXT,
  target_label TEXT, reason TEXT, ip_address TEXT, flagged INTEGER NOT NULL DEFAULT 0, details TEXT)`;

describe('migrate', () => {
  it('gives an existing audit_log its organization column, filled from what entries already said, once', () => {
    const file = join(dir, 'old.sqlite');
    const db = new DatabaseSync(file);
    db.exec(AUDIT_LOG_BEFORE_ORGANIZATIONS);
    const insert = db.prepare(
      `INSERT INTO audit_log (at, user_id, kind, actor_type, actor_label, reason, details) VALUES (?, 'user_1', ?, ?, ?, ?, ?)`,
    );
    insert.run(1, 'session_revoked', 'admin', 'Ada Lovelace', 'admin', JSON.stringify({ organizationId: 'org_demo' }));
    insert.run(
      2,
      'session_revoked',
      'policy',
      null,
      'revoked_at_workos',
      JSON.stringify({ organizationId: 'org_other' }),
    );
    insert.run(3, 'sign_in', 'user', 'Chrome on macOS', null, JSON.stringify({ source: 'callback' }));
    insert.run(4, 'password_changed', 'policy', null, 'password_changed', 'not json');

    migrate(db);
    const read = () =>
      db
        .prepare('SELECT at, organization_id AS org FROM audit_log ORDER BY at')
        .all()
        .map((row) => ({ ...row }));
    expect(read()).toEqual([
      { at: 1, org: 'org_demo' },
      { at: 2, org: 'org_other' },
      // Nothing says which organization these belonged to: no administrator is shown them.
      { at: 3, org: null },
      { at: 4, org: null },
    ]);

    // Opened again (every start-up): nothing fails, and nothing written since is rewritten.
    db.prepare("UPDATE audit_log SET organization_id = 'org_later' WHERE at = 1").run();
    migrate(db);
    expect(read()[0]).toEqual({ at: 1, org: 'org_later' });
    const indexes = db
      .prepare("SELECT name FROM pragma_index_list('audit_log')")
      .all()
      .map((row) => row.name);
    expect(indexes).toContain('audit_log_user_organization_at');
    db.close();
  });

  it('makes a new database with the column in one pass, and a second process finds it there', () => {
    const file = join(dir, 'new.sqlite');
    const first = new DatabaseSync(file);
    const second = new DatabaseSync(file);
    migrate(first);
    migrate(second);
    const columns = second
      .prepare("SELECT name FROM pragma_table_info('audit_log')")
      .all()
      .map((row) => row.name);
    expect(columns.filter((name) => name === 'organization_id')).toHaveLength(1);
    first.close();
    second.close();
  });
});
