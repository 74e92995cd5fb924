import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { SqliteDialect } from '../../src/storage/sqlite/dialect.ts';
import { sqliteDriver } from '../../src/storage/sqlite/driver.ts';
import { migrate, openSqliteStores } from '../../src/storage/sqlite/index.ts';
import { describeStoreContracts, type Connection, type NewDatabase } from './contract/index.ts';
import { at, negotiation } from './contract/fixtures.ts';
import { expectTotalsMatchRows } from './contract/usage.ts';

const run = promisify(execFile);
/** Runs one of the worker scripts beside this file in a process of its own; returns what it printed, parsed. */
async function worker<T>(script: string, ...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args]);
  return JSON.parse(stdout) as T;
}

const root = mkdtempSync(join(tmpdir(), 'kouan-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let databases = 0;
/** A file in a directory that does not exist yet: opening must create it. */
const newFile = (): string => join(root, `state-${(databases += 1)}`, 'control-plane.db');

/** A connection of its own to the file (made, with its directory, if need be), waiting its turn to write. */
function connectTo(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  return db;
}

const connection = (file: string): Connection => ({ driver: sqliteDriver(connectTo(file)), dialect: new SqliteDialect() });

/** Each database is a new file; each open is a separate connection to it. */
const newDatabase: NewDatabase = async (schemaVersion) => {
  const file = newFile();
  if (schemaVersion !== undefined) {
    const db = connectTo(file);
    try {
      migrate(db, schemaVersion);
    } finally {
      db.close();
    }
  }
  return { open: async () => openSqliteStores(file), connect: async () => connection(file) };
};

function inspect<T>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('SQLite stores', () => {
  describeStoreContracts(newDatabase);

  it('creates its directory, writes ahead to a log and records each migration once', async () => {
    const file = newFile();
    await openSqliteStores(file).close();
    await openSqliteStores(file).close();
    expect(inspect<{ journal_mode: string }>(file, 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(inspect<{ version: number }>(file, 'SELECT version FROM kouan_control_plane_migrations')).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
  });

  it('refuses a file written by a newer Kouan', async () => {
    const file = newFile();
    await openSqliteStores(file).close();
    const db = new Database(file);
    db.prepare("INSERT INTO kouan_control_plane_migrations (version, name) VALUES (99, 'from the future')").run();
    db.close();
    expect(() => openSqliteStores(file)).toThrow(ConfigError);
  });

  it('never hands the same entity to two processes leasing from one file at once', async () => {
    const file = newFile();
    const stores = openSqliteStores(file);
    const count = 200;
    for (let i = 0; i < count; i += 1) await stores.negotiations.create(negotiation(`n${String(i).padStart(3, '0')}`, { stateTimestamp: at(i % 13) }));
    await stores.close();
    const lease = (holder: string): Promise<string[]> => worker('lease-worker.ts', file, holder, at(600));
    const [a, b] = await Promise.all([lease('process-a'), lease('process-b')]);
    const all = [...a, ...b];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(count);
  });

  it('never counts a subject twice when two processes add overlapping batches to one file at once', async () => {
    const file = newFile();
    await openSqliteStores(file).close();
    type Added = { newSubjects: number; newSensitive: number; began: number; ended: number };
    // Process a adds batches 0..39 and b batches 20..59, both from the same moment: subjects 0..15749, of
    // which the even batches make 0..15499 sensitive.
    const startAt = String(Date.now() + 2000);
    const [a, b] = await Promise.all(['0', '20'].map((first) => worker<Added>('subjects-worker.ts', file, first, startAt)));
    expect(a!.began < b!.ended && b!.began < a!.ended).toBe(true);
    const stores = openSqliteStores(file);
    const rows = connection(file);
    try {
      const totals = await stores.usage.cumulative('ningbo-terminal', 2026);
      expect(totals).toEqual({ subjects: 15_750, sensitiveSubjects: 15_500 });
      expect(a!.newSubjects + b!.newSubjects).toBe(totals.subjects);
      expect(a!.newSensitive + b!.newSensitive).toBe(totals.sensitiveSubjects);
      await expectTotalsMatchRows(stores.usage, rows, [['ningbo-terminal', 2026]], ['ag-0', 'ag-1', 'ag-2']);
    } finally {
      await Promise.all([stores.close(), rows.driver.close()]);
    }
  });
});
