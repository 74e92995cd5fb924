/**
 * The SQL of the document tables (the control plane's aggregates), written once over a Dialect.
 * Parameters are numbered from 1 in the order of `rowValues`: id, document, then the table's columns.
 */
import type { Dialect } from './dialect.ts';
import { leaseRows } from './leases.ts';
import type { TableName } from './tables.ts';

/** All a statement needs to know of a table (a TableSpec is one). */
interface Spec {
  name: TableName;
  columns: readonly { name: string }[];
}

export class DocumentStatements {
  constructor(readonly dialect: Dialect) {}

  private param(i: number): string {
    return this.dialect.param(i);
  }

  private table(name: TableName): string {
    return this.dialect.table(name);
  }

  private document(i: number): string {
    return this.dialect.document(i);
  }

  insert(spec: Spec): string {
    const names = ['id', 'document', ...spec.columns.map((c) => c.name)];
    const values = names.map((_, i) => (i === 1 ? this.document(2) : this.param(i + 1)));
    return `INSERT INTO ${this.table(spec.name)} (${names.join(', ')}) VALUES (${values.join(', ')})`;
  }

  /** Inserts or replaces in place (never delete-then-insert, which would trip foreign keys). */
  upsert(spec: Spec): string {
    const set = ['document', ...spec.columns.map((c) => c.name)].map((n) => `${n} = excluded.${n}`);
    return `${this.insert(spec)} ON CONFLICT (id) DO UPDATE SET ${set.join(', ')}`;
  }

  /** Replaces an existing row; same parameters as insert. */
  update(spec: Spec): string {
    return `UPDATE ${this.table(spec.name)} SET ${this.assignments(spec)} WHERE id = ${this.param(1)}`;
  }

  selectById(spec: Spec): string {
    return `SELECT document FROM ${this.table(spec.name)} WHERE id = ${this.param(1)}`;
  }

  /** All rows, or those whose `column` equals parameter 1, in id order. */
  selectAll(spec: Spec, column?: string): string {
    const where = column === undefined ? '' : ` WHERE ${column} = ${this.param(1)}`;
    return `SELECT document FROM ${this.table(spec.name)}${where} ORDER BY id`;
  }

  /** One page in id order: parameters limit, offset (after the filter value when there is a column). */
  selectPage(spec: Spec, column?: string): string {
    const next = column === undefined ? 1 : 2;
    return `${this.selectAll(spec, column)} LIMIT ${this.param(next)} OFFSET ${this.param(next + 1)}`;
  }

  deleteById(spec: Spec): string {
    return `DELETE FROM ${this.table(spec.name)} WHERE id = ${this.param(1)}`;
  }

  selectUpdatedAt(spec: Spec): string {
    return `SELECT updated_at FROM ${this.table(spec.name)} WHERE id = ${this.param(1)}`;
  }

  selectByPid(spec: Spec): string {
    return `SELECT document FROM ${this.table(spec.name)} WHERE consumer_pid = ${this.param(1)} OR provider_pid = ${this.param(1)} ORDER BY id LIMIT 1`;
  }

  /**
   * Optimistic save: the row's parameters, then the lease holder to release (or null), then the expected
   * updated_at. SET reads the row as it was, so both CASEs see the old lease_holder.
   */
  saveIfUnchanged(spec: Spec): string {
    const holder = this.param(spec.columns.length + 3);
    const release = (column: string): string => `${column} = CASE WHEN lease_holder = ${holder} THEN NULL ELSE ${column} END`;
    return `UPDATE ${this.table(spec.name)} SET ${this.assignments(spec)}, ${release('lease_until')}, ${release('lease_holder')}`
      + ` WHERE id = ${this.param(1)} AND updated_at = ${this.param(spec.columns.length + 4)}`;
  }

  /** Parameters: id, holder. Ends that holder's lease, leaving the document alone. */
  release(spec: Spec): string {
    return `UPDATE ${this.table(spec.name)} SET lease_holder = NULL, lease_until = NULL WHERE id = ${this.param(1)} AND lease_holder = ${this.param(2)}`;
  }

  /** Parameters: holder, lease_until (ms), now (ms), limit, states (bindList); see leaseRows. */
  leaseNext(spec: Spec): string {
    return leaseRows(this.dialect, spec.name, { where: this.dialect.isOneOf('state', 5), order: 'state_timestamp, id', returning: 'document' });
  }

  private assignments(spec: Spec): string {
    return [`document = ${this.document(2)}`, ...spec.columns.map((c, i) => `${c.name} = ${this.param(i + 3)}`)].join(', ');
  }
}
