/**
 * The registry's embedded default: one SQLite file in WAL mode. Appends take the database's write lock
 * (BEGIN IMMEDIATE), so writers in this process and in others take turns. Commits are synchronous (FULL):
 * a receipt is only handed out for an entry that survives a power cut.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../../core/errors.ts';
import { KeyedLock } from '../../../core/keyed-lock.ts';
import { pendingMigrations } from '../../../storage/sql/migrations.ts';
import { SqliteDialect } from '../../../storage/sqlite/dialect.ts';
import { sqliteDriver } from '../../../storage/sqlite/driver.ts';
import type { RegistryStores } from '../ports.ts';
import type { RegistryDialect } from '../sql/dialect.ts';
import type { TransactionalDriver } from '../sql/driver.ts';
import { REGISTRY_MIGRATIONS_TABLE } from '../sql/migrations.ts';
import { registrySqlStores } from '../sql/stores.ts';
import { sqliteMigrationStatements, sqliteRegistryMigrations } from './migrations.ts';

const BUSY_TIMEOUT_MS = 5000;

const dialect: RegistryDialect = { sql: new SqliteDialect(), table: (name) => name, lockRow: () => '' };

/**
 * better-sqlite3 with an interactive transaction. One connection serves the whole process, so every call takes
 * its turn: a statement issued while an append awaits inside BEGIN IMMEDIATE would otherwise join that transaction.
 */
function transactionalDriver(db: Database.Database): TransactionalDriver {
  const base = sqliteDriver(db);
  const turns = new KeyedLock();
  const inTurn = <T>(task: () => Promise<T>): Promise<T> => turns.run('db', task);
  return {
    all: (sql, params) => inTurn(() => base.all(sql, params)),
    run: (sql, params) => inTurn(() => base.run(sql, params)),
    transaction: (work) =>
      inTurn(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(base);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () => inTurn(() => base.close()),
  };
}

function migrate(db: Database.Database): void {
  const sql = sqliteMigrationStatements;
  db.transaction(() => {
    db.exec(sql.createTable);
    const applied = db.prepare(sql.applied).pluck().all() as number[];
    for (const migration of pendingMigrations(sqliteRegistryMigrations, applied)) {
      db.exec(migration.sql);
      db.prepare(sql.record).run(migration.version, migration.name);
    }
  }).immediate();
}

/** Refuses a file that is not a registry database, or one written by a newer Kouan. */
function checkSchema(db: Database.Database, file: string): void {
  const known = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(REGISTRY_MIGRATIONS_TABLE);
  if (!known) throw new ConfigError(`${file} is not a Kouan registry database`);
  pendingMigrations(sqliteRegistryMigrations, db.prepare(sqliteMigrationStatements.applied).pluck().all() as number[]);
}

export interface SqliteRegistryOptions {
  /** Open an existing file for reading only (ledger verification); never creates or migrates. */
  readOnly?: boolean;
}

/** Opens (creating and migrating if needed) the registry's stores in one SQLite file. */
export function openSqliteRegistryStores(file: string, options: SqliteRegistryOptions = {}): RegistryStores {
  if (!options.readOnly && file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, options.readOnly ? { readonly: true, fileMustExist: true } : {});
  } catch (error) {
    throw new ConfigError(`cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (options.readOnly) checkSchema(db, file);
    else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      migrate(db);
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return registrySqlStores(transactionalDriver(db), dialect);
}
