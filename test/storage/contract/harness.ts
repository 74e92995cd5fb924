/**
 * How a contract suite reaches an adapter. `NewDatabase` makes an empty database (a file, a schema) and
 * returns an opener for it; each call of the opener is a separate connection or pool on that database,
 * which is what the reopen and concurrency contracts need. Beside the stores, a suite may connect to the
 * database directly, to check what the stores keep against the rows they wrote.
 */
import { afterEach } from 'vitest';
import type { Stores } from '../../../src/storage/ports.ts';
import type { Dialect } from '../../../src/storage/sql/dialect.ts';
import type { SqlDriver } from '../../../src/storage/sql/driver.ts';
import type { TableName } from '../../../src/storage/sql/tables.ts';

export type OpenStores = () => Promise<Stores>;

/** A connection of its own to the database, and the dialect to write statements for it with. */
export interface Connection {
  driver: SqlDriver;
  dialect: Dialect;
}

export interface TestDatabase {
  /** Opens the stores on the database, migrating it to this build's schema. */
  open: OpenStores;
  /** Connects beside the stores, without migrating. */
  connect(): Promise<Connection>;
}

/** An empty database; with `schemaVersion`, migrated that far (as an older build would have left it). */
export type NewDatabase = (schemaVersion?: number) => Promise<TestDatabase>;

/** Opens stores for one test and closes every instance and connection it opened when the test ends. */
export function storesFor(newDatabase: NewDatabase): {
  database(schemaVersion?: number): Promise<{ reopen: OpenStores; connect(): Promise<Connection> }>;
  open(): Promise<{ stores: Stores; reopen: OpenStores; connect(): Promise<Connection> }>;
} {
  const opened: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const database = async (schemaVersion?: number): Promise<{ reopen: OpenStores; connect(): Promise<Connection> }> => {
    const db = await newDatabase(schemaVersion);
    return {
      async reopen() {
        const stores = await db.open();
        opened.push(stores);
        return stores;
      },
      async connect() {
        const connection = await db.connect();
        opened.push(connection.driver);
        return connection;
      },
    };
  };
  return {
    database,
    async open() {
      const db = await database();
      return { ...db, stores: await db.reopen() };
    },
  };
}

/** `SELECT count(*) FROM table WHERE column = value AND ...`, straight from the rows. */
export async function countRows(connection: Connection, table: TableName, where: Readonly<Record<string, string | number>>): Promise<number> {
  const { driver, dialect } = connection;
  const conditions = Object.keys(where).map((column, i) => `${column} = ${dialect.param(i + 1)}`);
  const [row] = await driver.all(`SELECT count(*) AS n FROM ${dialect.table(table)} WHERE ${['true', ...conditions].join(' AND ')}`, Object.values(where));
  return Number(row?.['n']);
}
