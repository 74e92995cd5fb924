/** node-postgres (a pool) behind the shared SqlDriver. */
import type pg from 'pg';
import { asViolation, type ConstraintViolation, type SqlDriver, type SqlRow } from '../sql/driver.ts';

/** SQLSTATE classes 23505 unique_violation and 23503 foreign_key_violation. */
const violations: Record<string, ConstraintViolation['kind']> = { '23505': 'unique', '23503': 'foreign_key' };

const translate = (error: unknown): unknown => asViolation(error, violations);

export function postgresDriver(pool: pg.Pool): SqlDriver {
  let closed: Promise<void> | null = null;
  const query = async (sql: string, params: readonly unknown[]): Promise<pg.QueryResult<SqlRow>> => {
    try {
      return await pool.query<SqlRow>(sql, params as unknown[]);
    } catch (error) {
      throw translate(error);
    }
  };
  return {
    all: async (sql, params) => (await query(sql, params)).rows,
    run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
    close: () => (closed ??= pool.end()),
  };
}
