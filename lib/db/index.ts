import 'server-only';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync as DatabaseSyncType } from 'node:sqlite';
import { getEnv } from '@/lib/env';
import { migrate } from './schema';

export type Database = DatabaseSyncType;

// `process.getBuiltinModule` keeps the bundler away from `node:sqlite` (Node ≥ 22.13, no addon to build).
const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');

const key = Symbol.for('soe.db');
type Holder = { [key]?: Map<string, Database> };

/** Open (once per process, shared by the proxy and route handlers) and migrate a SQLite file. */
export function openDatabase(path: string): Database {
  const holder = globalThis as Holder;
  const cache = (holder[key] ??= new Map());
  const absolute = path === ':memory:' ? path : resolve(path);
  let db = cache.get(absolute);
  if (!db) {
    if (absolute !== ':memory:') mkdirSync(dirname(absolute), { recursive: true });
    db = new DatabaseSync(absolute);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    migrate(db);
    cache.set(absolute, db);
  }
  return db;
}

/** The app's embedded database (DATABASE_PATH). */
export function getDb(): Database {
  return openDatabase(getEnv().DATABASE_PATH);
}
