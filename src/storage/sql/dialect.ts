/**
 * What differs between the SQL dialects, and only that: placeholders, table names, binding a list, JSON
 * documents and row locks. Every statement is written once against this (./statements.ts, ./usage.ts,
 * ./outbox.ts), as EDC's BaseSqlDialectStatements / PostgresDialectStatements split them.
 */
import type { SqlValue } from './driver.ts';
import type { TableName } from './tables.ts';

export abstract class Dialect {
  /** The placeholder of the i-th bound parameter, counting from 1. */
  abstract param(i: number): string;
  /** A table's name as statements write it (schema-qualified where the dialect has schemas). */
  abstract table(name: TableName): string;
  /** A condition: `column` is one of the strings bound as one parameter at `i` (see bindList). */
  abstract isOneOf(column: string, i: number): string;
  /** A FROM item: the strings bound as one parameter at `i` (see bindList), a row each, in a column `value`. */
  abstract eachOf(i: number): string;
  /** Binds a list of strings as the one parameter isOneOf and eachOf expect. */
  abstract bindList(values: readonly string[]): SqlValue;

  /**
   * The text of a top-level string member of a stored JSON document column, e.g. `t.document`'s agreementId. The
   * member name goes into the SQL text: a constant identifier only (checked), never a value from outside.
   */
  documentText(column: string, member: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(member)) throw new Error(`not a document member name: ${member}`);
    return this.memberText(column, member);
  }

  protected abstract memberText(column: string, member: string): string;

  /** The placeholder of a JSON document parameter. */
  document(i: number): string {
    return this.param(i);
  }

  /** Appended to lease candidates so concurrent leasers skip each other's rows; SQLite serialises writers. */
  lockCandidates(): string {
    return '';
  }
}
