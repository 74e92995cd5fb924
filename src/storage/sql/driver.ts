/**
 * What the shared store code needs from a database: run a statement, get rows or a change count.
 * One adapter per driver (better-sqlite3, pg); everything above this line is the same for both.
 */

/** A bound parameter. Arrays are for dialects that bind a list as one value (PostgreSQL `= ANY($n)`). */
export type SqlValue = string | number | null | readonly string[];
export type SqlRow = Record<string, unknown>;

export interface SqlStatement {
  sql: string;
  params: readonly SqlValue[];
}

/**
 * One step of runAtomically: a statement, or a function making it from how many rows each earlier step changed
 * (so a counter moves by what an insert really inserted); a function returning null runs nothing and changes 0.
 */
export type SqlStep = SqlStatement | ((changed: readonly number[]) => SqlStatement | null);

export interface SqlDriver {
  /** Runs a query (or a write with RETURNING) and returns its rows. */
  all(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs a write and returns how many rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** Runs writes in order in one transaction, all or nothing, and returns how many rows each changed. */
  runAtomically(steps: readonly SqlStep[]): Promise<number[]>;
  close(): Promise<void>;
}

/** The statement a step runs, given how many rows the steps before it changed; null when it runs none. */
export function statementOf(step: SqlStep, changed: readonly number[]): SqlStatement | null {
  return typeof step === 'function' ? step(changed) : step;
}

/** A constraint the database refused, in driver-neutral terms; the stores turn it into a domain error. */
export class ConstraintViolation extends Error {
  readonly kind: 'unique' | 'foreign_key';

  constructor(kind: 'unique' | 'foreign_key', cause: unknown) {
    super(`database refused the write: ${kind} constraint`, { cause });
    this.name = 'ConstraintViolation';
    this.kind = kind;
  }
}

/** The driver's error as a ConstraintViolation when its code is one of `codes`, else unchanged. */
export function asViolation(error: unknown, codes: Readonly<Record<string, ConstraintViolation['kind']>>): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(codes, code) ? new ConstraintViolation(codes[code]!, error) : error;
}
