/** node-postgres (a pool) behind the shared SqlDriver. */
import type pg from 'pg';
import { asViolation, statementOf, type ConstraintViolation, type SqlDriver, type SqlRow, type SqlStep } from '../sql/driver.ts';

/** SQLSTATE classes 23505 unique_violation and 23503 foreign_key_violation. */
const violations: Record<string, ConstraintViolation['kind']> = { '23505': 'unique', '23503': 'foreign_key' };

const translate = (error: unknown): unknown => asViolation(error, violations);

/** SQLSTATE 40P01: the server broke a lock cycle by aborting this transaction; running it again is safe. */
const DEADLOCK = '40P01';
const ATTEMPTS = 3;

/** Runs `work` on one pooled connection between BEGIN and COMMIT; rolls back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function changes(client: pg.PoolClient, steps: readonly SqlStep[]): Promise<number[]> {
  const changed: number[] = [];
  for (const step of steps) {
    const s = statementOf(step, changed);
    changed.push(s === null ? 0 : (await client.query(s.sql, s.params as unknown[])).rowCount ?? 0);
  }
  return changed;
}

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
    async runAtomically(steps) {
      // Each attempt starts its counts afresh: a step made from them sees only its own transaction's.
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await inTransaction(pool, (client) => changes(client, steps));
        } catch (error) {
          if (attempt < ATTEMPTS && (error as { code?: unknown }).code === DEADLOCK) continue;
          throw translate(error);
        }
      }
    },
    close: () => (closed ??= pool.end()),
  };
}
