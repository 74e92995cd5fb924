/**
 * PostgreSQL's dialect: $n placeholders, schema-qualified tables, jsonb documents, a list bound as text[],
 * and `FOR UPDATE SKIP LOCKED` so concurrent leasers in several processes pass over each other's rows.
 */
import { Dialect } from '../sql/dialect.ts';
import type { SqlValue } from '../sql/driver.ts';
import type { TableName } from '../sql/tables.ts';

/** A schema name quoted for SQL; callers have checked it against SCHEMA_NAME. */
export const quoteIdentifier = (name: string): string => `"${name}"`;

/** Lower-case identifiers only, so quoting is never needed for escaping. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresDialect extends Dialect {
  constructor(private readonly schema: string) {
    super();
  }

  override param(i: number): string {
    return `$${i}`;
  }

  override table(name: TableName): string {
    return `${quoteIdentifier(this.schema)}.${name}`;
  }

  override document(i: number): string {
    return `$${i}::jsonb`;
  }

  override isOneOf(column: string, i: number): string {
    return `${column} = ANY($${i}::text[])`;
  }

  override eachOf(i: number): string {
    return `unnest($${i}::text[]) AS value`;
  }

  protected override memberText(column: string, member: string): string {
    return `${column}->>'${member}'`;
  }

  override bindList(values: readonly string[]): SqlValue {
    return values;
  }

  override lockCandidates(): string {
    return 'FOR UPDATE SKIP LOCKED';
  }
}
