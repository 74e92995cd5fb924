/** better-sqlite3 behind the shared SqlDriver. Calls are synchronous; the promises only match the port. */
import type { Database, Statement } from 'better-sqlite3';
import { asViolation, statementOf, type ConstraintViolation, type SqlDriver, type SqlRow, type SqlStep, type SqlValue } from '../sql/driver.ts';

const violations: Record<string, ConstraintViolation['kind']> = {
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
};

/** The statements use named placeholders @p1, @p2, ... (see SqliteDialect). */
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
  const changes = (sql: string, params: readonly SqlValue[]): number => statement(sql).run(named(params)).changes;
  const runSteps = (steps: readonly SqlStep[]): number[] => {
    const changed: number[] = [];
    for (const step of steps) {
      const s = statementOf(step, changed);
      changed.push(s === null ? 0 : changes(s.sql, s.params));
    }
    return changed;
  };
  /** Runs `work` with the driver's error turned into a ConstraintViolation where it is one. */
  const translated = async <R>(work: () => R): Promise<R> => {
    try {
      return work();
    } catch (error) {
      throw asViolation(error, violations);
    }
  };
  return {
    all: (sql, params) => translated(() => statement(sql).all(named(params)) as SqlRow[]),
    run: (sql, params) => translated(() => changes(sql, params)),
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads first could not upgrade
    // its lock while another connection writes, and would fail with SQLITE_BUSY instead of waiting.
    runAtomically: (steps) => translated(() => db.transaction(() => runSteps(steps)).immediate()),
    async close() {
      if (db.open) db.close();
    },
  };
}
