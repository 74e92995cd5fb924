/**
 * A state-machine store (negotiations, transfers): optimistic saves keyed on updatedAt, and leases so that
 * one manager at a time works on an entity, however many processes share the database.
 */
import { ConflictError, InputError, NotFoundError } from '../../core/errors.ts';
import type { StatefulStore } from '../ports.ts';
import type { DocumentTable } from './document-table.ts';
import { inLeaseOrder, leaseTerms } from './leases.ts';
import { page } from './paging.ts';
import { epochMs, rowValues, type StatefulEntity } from './tables.ts';

export class SqlStatefulStore<T extends StatefulEntity<S>, S extends string> implements StatefulStore<T, S> {
  constructor(private readonly table: DocumentTable<T>) {}

  async create(entity: T): Promise<void> {
    await this.table.insert(entity);
  }

  async save(entity: T, expectedUpdatedAt: string, leaseHolder?: string): Promise<void> {
    if (entity.updatedAt === expectedUpdatedAt) {
      throw new InputError(`${this.noun} ${entity.id}: a save must change updatedAt, its version (if the clock has not moved, add 1 ms)`, { updatedAt: entity.updatedAt });
    }
    const { spec, sql, driver } = this.table;
    const changed = await this.table.write(sql.saveIfUnchanged(spec), [...rowValues(spec, entity), leaseHolder ?? null, expectedUpdatedAt], {});
    if (changed > 0) return;
    const [stored] = await driver.all(sql.selectUpdatedAt(spec), [entity.id]);
    if (stored === undefined) throw new NotFoundError(`${this.noun} ${entity.id} not found`);
    throw new ConflictError(`${this.noun} ${entity.id} was changed by another writer (expected version ${expectedUpdatedAt}, stored ${String(stored['updated_at'])})`);
  }

  async get(id: string): Promise<T | null> {
    return this.table.get(id);
  }

  async findByPid(pid: string): Promise<T | null> {
    return this.table.first(await this.table.driver.all(this.table.sql.selectByPid(this.table.spec), [pid]));
  }

  async list(filter: { state?: S; offset?: number; limit?: number } = {}): Promise<T[]> {
    const { state, ...request } = filter;
    return this.table.page(page(request), state === undefined ? undefined : { column: 'state', value: state });
  }

  async leaseNext(states: S[], limit: number, holder: string, leaseMs: number, now: Date): Promise<T[]> {
    const terms = leaseTerms(limit, holder, leaseMs, now);
    if (states.length === 0) return [];
    const { spec, sql, driver } = this.table;
    const rows = await driver.all(sql.leaseNext(spec), [...terms, sql.dialect.bindList(states)]);
    return inLeaseOrder(this.table.documents(rows), (e) => ({ at: epochMs(e.stateTimestamp, 'stateTimestamp'), id: e.id }));
  }

  async release(id: string, holder: string): Promise<void> {
    await this.table.driver.run(this.table.sql.release(this.table.spec), [id, holder]);
  }

  private get noun(): string {
    return this.table.spec.noun;
  }
}
