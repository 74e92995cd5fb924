/** What differs between SQLite and PostgreSQL for the registry's statements (./statements.ts), and only that. */
import type { Dialect } from '../../../storage/sql/dialect.ts';

export type RegistryTable = 'participants' | 'ledger_head' | 'ledger_entries' | 'ledger_checkpoints' | 'ledger_keys' | 'policy_bundles';

export interface RegistryDialect {
  /** Placeholders and list binding, as the connector's stores write them. */
  sql: Pick<Dialect, 'param' | 'isOneOf' | 'bindList'>;
  /** A table's name as statements write it (schema-qualified where the dialect has schemas). */
  table(name: RegistryTable): string;
  /**
   * Appended to the read of the chain head in an append: the row lock that makes appenders in every process
   * take turns. Empty in SQLite, where BEGIN IMMEDIATE already holds the database's only write lock.
   */
  lockRow(): string;
  /** Entries per INSERT: many where a statement is a network round trip, one where it is a function call. */
  rowsPerInsert: number;
}
