/**
 * The registry's embedded default: one SQLite file in WAL mode. Appends take the database's write lock
 * (BEGIN IMMEDIATE), so writers in this process and in others take turns. A receipt is only handed out for an
 * entry that survives a power cut: commits do not flush (synchronous=NORMAL), but receipts wait until the log
 * has been flushed by `durable()`, on libuv's thread pool, while the next batch is already being appended.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, InputError } from '../../../core/errors.ts';
import { KeyedLock } from '../../../core/keyed-lock.ts';
import { pendingMigrations } from '../../../storage/sql/migrations.ts';
import { SqliteDialect } from '../../../storage/sqlite/dialect.ts';
import { sqliteDriver } from '../../../storage/sqlite/driver.ts';
import type { LedgerEntry } from '../../model.ts';
import { MAX_READ, type LedgerStore, type RegistryStores } from '../ports.ts';
import type { RegistryDialect } from '../sql/dialect.ts';
import type { TransactionalDriver } from '../sql/driver.ts';
import { REGISTRY_MIGRATIONS_TABLE } from '../sql/migrations.ts';
import { ENTRY_COLUMNS } from '../sql/statements.ts';
import { registrySqlStores } from '../sql/stores.ts';
import { migrationStatements } from '../../../storage/sqlite/migrations.ts';
import { sqliteRegistryMigrations } from './migrations.ts';

const BUSY_TIMEOUT_MS = 5000;

/** Pages kept in memory: the record-id index of a long ledger is read at random. */
const CACHE_KIB = 64 * 1024;

const dialect: RegistryDialect = { sql: new SqliteDialect(), table: (name) => name, lockRow: () => '', rowsPerInsert: 1 };

/**
 * fsync of the write-ahead log, coalesced: a caller waits for a flush that started after its call, sharing it
 * with everyone else who called meanwhile. fsync flushes the file (its inode), whichever descriptor wrote it.
 */
function walFlusher(file: string): { flush(): Promise<void>; close(): Promise<void> } {
  let handle: Promise<FileHandle> | null = null;
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const start = (): Promise<void> => {
    running = (async () => {
      handle ??= open(`${file}-wal`, 'r');
      await (await handle).sync();
    })().finally(() => (running = null));
    return running;
  };
  const again = (): Promise<void> => {
    next = null;
    return start();
  };
  return {
    flush: () => (file === ':memory:' ? Promise.resolve() : running === null ? start() : (next ??= running.then(again, again))),
    async close() {
      await running?.catch(() => undefined);
      await (await handle?.catch(() => null))?.close();
    },
  };
}

/**
 * Every call on a file takes its turn with every other call on that file in this process, whichever connection
 * makes it: a statement issued while an append awaits inside BEGIN IMMEDIATE would otherwise join that transaction
 * (same connection) or wait synchronously for its lock, stalling the very thread that holds it (another connection).
 * Other processes wait for the file lock (busy_timeout).
 */
const turns = new KeyedLock();

/** better-sqlite3 with an interactive transaction. */
function transactionalDriver(db: Database.Database, file: string): TransactionalDriver {
  const base = sqliteDriver(db);
  const wal = walFlusher(file);
  const lockKey = file === ':memory:' ? `:memory: ${randomUUID()}` : resolve(file);
  const inTurn = <T>(task: () => Promise<T>): Promise<T> => turns.run(lockKey, task);
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
    durable: () => wal.flush(),
    close: () =>
      inTurn(async () => {
        await wal.close();
        await base.close();
      }),
  };
}

function migrate(db: Database.Database): void {
  const sql = migrationStatements(REGISTRY_MIGRATIONS_TABLE);
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
  pendingMigrations(sqliteRegistryMigrations, db.prepare(migrationStatements(REGISTRY_MIGRATIONS_TABLE).applied).pluck().all() as number[]);
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
      db.pragma('synchronous = NORMAL');
      db.pragma(`cache_size = -${CACHE_KIB}`);
      migrate(db);
    }
  } catch (error) {
    db.close();
    const code = String((error as { code?: unknown }).code ?? '');
    throw code.startsWith('SQLITE_') ? new ConfigError(`cannot use ${file}: ${(error as Error).message}`) : error;
  }
  const stores = registrySqlStores(transactionalDriver(db, file), dialect);
  if (options.readOnly) stores.ledger.links = rawLinks(db);
  return stores;
}

/**
 * The chain as `kouan ledger verify` streams it from a read-only connection, in row arrays rather than objects: a
 * fifth of the walk's CPU over a long chain. Nothing else runs on that connection, so it needs no turn.
 */
function rawLinks(db: Database.Database): LedgerStore['links'] {
  const statement = db.prepare(`SELECT ${ENTRY_COLUMNS.filter((c) => c !== 'receipt').join(', ')} FROM ${dialect.table('ledger_entries')} WHERE seq > ? ORDER BY seq LIMIT ?`).raw(true);
  return async (afterSeq, limit) => {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0 || !Number.isInteger(limit) || limit < 1 || limit > MAX_READ) throw new InputError('after must be a whole number from 0, limit from 1 to the most one read returns', { afterSeq, limit });
    return (statement.all(afterSeq, limit) as Array<[number, string, LedgerEntry['kind'], string, string, string, string, string]>).map(([seq, recordId, kind, participant, record, signature, receivedAt, hash]) => ({ seq, recordId, kind, participant, record, signature, receivedAt, hash }));
  };
}
