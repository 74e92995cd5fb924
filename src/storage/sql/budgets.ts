/**
 * Budgets as reservations: each capped quantity (records of an agreement, its distinct persons, an exporter's
 * persons and sensitive persons in a year) is one row holding the units already taken. A stream takes units in
 * one statement before the data they cover leaves, never past the cap, however many streams and gateway
 * processes share the database: the row's write lock (PostgreSQL) or the single writer (SQLite) orders the
 * takers, and each statement sees what the others took. Units a stream took and did not use are given back;
 * a process that dies between taking and giving back keeps them taken (conservative: budget that may already
 * have been used is never handed out twice).
 */
import { InputError } from '../../core/errors.ts';
import type { BudgetStore } from '../ports.ts';
import type { Dialect } from './dialect.ts';
import type { SqlDriver } from './driver.ts';

function budgetStatements(d: Dialect) {
  const p = (i: number): string => d.param(i);
  const t = d.table('budgets');
  /** What a taker gets: nothing at or over the cap, else what it asks for up to the cap. Parameters 2: want, 3: cap. */
  const take = `CASE WHEN reserved >= ${p(3)} THEN 0 WHEN ${p(3)} - reserved < ${p(2)} THEN ${p(3)} - reserved ELSE ${p(2)} END`;
  return {
    /** Parameters: key, seed. A budget starts at what was already counted before it was first reserved from. */
    open: `INSERT INTO ${t} (key, reserved) VALUES (${p(1)}, ${p(2)}) ON CONFLICT (key) DO NOTHING`,
    /** Parameters: key, want, cap. Both right-hand sides read the row as it was before this statement. */
    reserve: `UPDATE ${t} SET granted = ${take}, reserved = reserved + ${take} WHERE key = ${p(1)} RETURNING granted`,
    /** Parameters: key, units. */
    release: `UPDATE ${t} SET reserved = reserved - ${p(2)} WHERE key = ${p(1)}`,
    /** Parameter: key. */
    reserved: `SELECT reserved FROM ${t} WHERE key = ${p(1)}`,
  };
}

const units = (value: number, name: string): void => {
  if (!Number.isSafeInteger(value) || value < 0) throw new InputError(`${name} must be a non-negative integer`, { [name]: value });
};

export class SqlBudgetStore implements BudgetStore {
  private readonly sql: ReturnType<typeof budgetStatements>;

  constructor(
    private readonly driver: SqlDriver,
    dialect: Dialect,
  ) {
    this.sql = budgetStatements(dialect);
  }

  async reserve(key: string, want: number, cap: number, seed: () => Promise<number>): Promise<number> {
    units(want, 'want');
    units(cap, 'cap');
    if (want === 0) return 0;
    let rows = await this.driver.all(this.sql.reserve, [key, want, cap]);
    if (rows.length === 0) {
      await this.driver.run(this.sql.open, [key, await seed()]);
      rows = await this.driver.all(this.sql.reserve, [key, want, cap]);
    }
    return Number(rows[0]?.['granted'] ?? 0);
  }

  async release(key: string, unused: number): Promise<void> {
    units(unused, 'unused');
    if (unused > 0) await this.driver.run(this.sql.release, [key, unused]);
  }

  async reserved(key: string): Promise<number | null> {
    const [row] = await this.driver.all(this.sql.reserved, [key]);
    return row === undefined ? null : Number(row['reserved']);
  }
}
