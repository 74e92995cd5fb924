/** better-sqlite3 behind the shared SqlDriver. Calls are synchronous; the promises only match the port. */
import type { Database, Statement } from 'better-sqlite3';
import { asViolation, type ConstraintViolation, type SqlDriver, type SqlRow, type SqlValue } from '../sql/driver.ts';

const violations: Record<string, ConstraintViolation['kind']> = {
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
};

const translate = (error: unknown): unknown => asViolation(error, violations);

/** The statements use named placeholders @p1, @p2, ... (see SqliteStatements). */
function named(params: readonly SqlValue[]): Record<string, SqlValue> {
  return Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]));
}

export function sqliteDriver(db: Database): SqlDriver {
  const prepared = new Map<string, Statement>();
  const statement = (sql: string): Statement => {
    let found = prepared.get(sql);
    if (found === undefined) {
      found = db.prepare(sql);
      prepared.set(sql, found);
    }
    return found;
  };
  return {
    async all(sql, params) {
      try {
        return statement(sql).all(named(params)) as SqlRow[];
      } catch (error) {
        throw translate(error);
      }
    },
    async run(sql, params) {
      try {
        return statement(sql).run(named(params)).changes;
      } catch (error) {
        throw translate(error);
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
