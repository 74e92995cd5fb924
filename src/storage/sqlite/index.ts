/**
 * The embedded default: one SQLite file in WAL mode. Several connections (or processes) may open the same
 * file; SQLite serialises their writes and every lease or optimistic save is a single statement.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { pendingMigrations } from '../sql/migrations.ts';
import { sqlStores } from '../sql/stores.ts';
import type { Stores } from '../ports.ts';
import { SqliteDialect } from './dialect.ts';
import { sqliteDriver } from './driver.ts';
import { migrationStatements, sqliteMigrations } from './migrations.ts';

/** How long a connection waits for another's write lock before giving up with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Applies the missing migrations in one IMMEDIATE transaction, so two processes starting at once take turns;
 * all of them, or those up to `upTo` (how tests make a database as an older build left it).
 */
export function migrate(db: Database.Database, upTo?: number): void {
  db.transaction(() => {
    db.exec(migrationStatements().createTable);
    const applied = db.prepare(migrationStatements().applied).pluck().all() as number[];
    for (const migration of pendingMigrations(sqliteMigrations.slice(0, upTo), applied)) {
      db.exec(migration.sql);
      db.prepare(migrationStatements().record).run(migration.version, migration.name);
    }
  }).immediate();
}

/** Opens (creating if needed) the stores in one SQLite file; its directory is created too. */
export function openSqliteStores(file: string): Stores {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return sqlStores(sqliteDriver(db), new SqliteDialect());
}
