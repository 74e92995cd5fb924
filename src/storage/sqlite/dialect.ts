/** SQLite's dialect: named placeholders, a list bound as JSON, no row locks (SQLite serialises writers). */
import { Dialect } from '../sql/dialect.ts';
import type { SqlValue } from '../sql/driver.ts';
import type { TableName } from '../sql/tables.ts';

export class SqliteDialect extends Dialect {
  override param(i: number): string {
    return `@p${i}`;
  }

  override table(name: TableName): string {
    return name;
  }

  override isOneOf(column: string, i: number): string {
    return `${column} IN (SELECT value FROM ${this.eachOf(i)})`;
  }

  override eachOf(i: number): string {
    return `json_each(${this.param(i)})`;
  }

  protected override memberText(column: string, member: string): string {
    return `json_extract(${column}, '$.${member}')`;
  }

  override bindList(values: readonly string[]): SqlValue {
    return JSON.stringify(values);
  }
}
