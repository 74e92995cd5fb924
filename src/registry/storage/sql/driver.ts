/**
 * The registry's driver: the connector stores' SqlDriver (src/storage/sql/driver.ts) for single statements, plus
 * an interactive transaction. The ledger needs one: an append reads the chain head under its lock, computes the
 * new hashes in TypeScript and writes them, all before anyone else may append.
 */
import type { SqlRow, SqlValue } from '../../../storage/sql/driver.ts';

export interface SqlSession {
  all(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]>;
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
}

export interface TransactionalDriver extends SqlSession {
  /**
   * Runs `work` in one transaction that holds the database's write lock (SQLite) or a pooled connection
   * (PostgreSQL, where the statements take their own row locks); commits when it resolves, rolls back when it throws.
   */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** Resolves once every transaction committed before the call would survive a power cut. */
  durable(): Promise<void>;
  close(): Promise<void>;
}
