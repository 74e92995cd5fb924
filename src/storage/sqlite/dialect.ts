/** SQLite's dialect: named placeholders, a list bound as JSON, no row locks (SQLite serialises writers). */
import type { SqlValue } from '../sql/driver.ts';
import { BaseStatements } from '../sql/statements.ts';
import type { TableName } from '../sql/tables.ts';

export class SqliteStatements extends BaseStatements {
  protected override param(i: number): string {
    return `@p${i}`;
  }

  protected override table(name: TableName): string {
    return name;
  }

  protected override isOneOf(column: string, i: number): string {
    return `${column} IN (SELECT value FROM json_each(${this.param(i)}))`;
  }

  override bindList(values: readonly string[]): SqlValue {
    return JSON.stringify(values);
  }
}
