/**
 * The operations every aggregate shares (insert, upsert, replace, get, list, delete), over one driver and
 * one dialect, with database refusals turned into domain errors.
 */
import { ConflictError, type KouanError } from '../../core/errors.ts';
import { ConstraintViolation, type SqlDriver, type SqlRow, type SqlValue } from './driver.ts';
import type { Page } from './paging.ts';
import type { DocumentStatements } from './statements.ts';
import { fromDocument, rowValues, type TableSpec } from './tables.ts';

/** What to throw instead of a given constraint violation. */
export type Refusals = Partial<Record<ConstraintViolation['kind'], () => KouanError>>;

export class DocumentTable<T extends { id: string }> {
  constructor(
    readonly driver: SqlDriver,
    readonly sql: DocumentStatements,
    readonly spec: TableSpec<T>,
  ) {}

  /** Inserts a new row; ConflictError when the id exists. */
  async insert(entity: T): Promise<void> {
    const exists = (): KouanError => new ConflictError(`${this.spec.noun} ${entity.id} already exists`);
    await this.write(this.sql.insert(this.spec), rowValues(this.spec, entity), { unique: exists });
  }

  async upsert(entity: T, refusals: Refusals = {}): Promise<void> {
    await this.write(this.sql.upsert(this.spec), rowValues(this.spec, entity), refusals);
  }

  /** Replaces the row with the entity's id; false when there is none. */
  async replace(entity: T): Promise<boolean> {
    return (await this.write(this.sql.update(this.spec), rowValues(this.spec, entity), {})) > 0;
  }

  async get(id: string): Promise<T | null> {
    return this.first(await this.driver.all(this.sql.selectById(this.spec), [id]));
  }

  /** A page in id order, optionally only the rows whose `column` equals `value`. */
  async page(page: Page, filter?: { column: string; value: string }): Promise<T[]> {
    const params: SqlValue[] = filter === undefined ? [page.limit, page.offset] : [filter.value, page.limit, page.offset];
    return this.documents(await this.driver.all(this.sql.selectPage(this.spec, filter?.column), params));
  }

  /** Every row, or every row whose `column` equals `value`, in id order. */
  async all(filter?: { column: string; value: string }): Promise<T[]> {
    const sql = this.sql.selectAll(this.spec, filter?.column);
    return this.documents(await this.driver.all(sql, filter === undefined ? [] : [filter.value]));
  }

  async delete(id: string, refusals: Refusals = {}): Promise<boolean> {
    return (await this.write(this.sql.deleteById(this.spec), [id], refusals)) > 0;
  }

  /** Runs a write, turning a constraint violation into the caller's domain error. */
  async write(sql: string, params: readonly SqlValue[], refusals: Refusals): Promise<number> {
    try {
      return await this.driver.run(sql, params);
    } catch (error) {
      const refuse = error instanceof ConstraintViolation ? refusals[error.kind] : undefined;
      throw refuse === undefined ? error : refuse();
    }
  }

  documents(rows: SqlRow[]): T[] {
    return rows.map((row) => fromDocument<T>(row['document']));
  }

  first(rows: SqlRow[]): T | null {
    return rows[0] === undefined ? null : fromDocument<T>(rows[0]['document']);
  }
}
