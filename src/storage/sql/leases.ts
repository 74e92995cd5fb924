/**
 * Leases, as the state-machine stores and the outbox take them: one statement marks a batch of free rows as
 * held until a time, so that one worker at a time has each row, however many processes share the database.
 */
import { InputError } from '../../core/errors.ts';
import type { Dialect } from './dialect.ts';
import { batchSize } from './paging.ts';
import { epochMs, type TableName } from './tables.ts';

/** A checked lease request: the bound values leaseRows expects first (holder, until, now, limit). */
export function leaseTerms(limit: number, holder: string, leaseMs: number, now: Date): [string, number, number, number] {
  batchSize(limit);
  if (!Number.isInteger(leaseMs) || leaseMs <= 0) throw new InputError('leaseMs must be a positive integer', { leaseMs });
  if (holder === '') throw new InputError('a lease needs a holder');
  const at = epochMs(now.toISOString(), 'now');
  return [holder, at + leaseMs, at, limit];
}

/**
 * Leases up to a limit of rows matching `where` and not under a live lease, first in `order`; returns them
 * (in no order). Parameters: holder, lease_until (ms), now (ms), limit, then those of `where` from 5.
 */
export function leaseRows(d: Dialect, name: TableName, rows: { where: string; order: string; returning: string }): string {
  const t = d.table(name);
  const candidates = `SELECT id FROM ${t} WHERE ${rows.where}`
    + ` AND (lease_holder IS NULL OR lease_until <= ${d.param(3)})`
    + ` ORDER BY ${rows.order} LIMIT ${d.param(4)} ${d.lockCandidates()}`;
  return `UPDATE ${t} SET lease_holder = ${d.param(1)}, lease_until = ${d.param(2)} WHERE id IN (${candidates.trimEnd()}) RETURNING ${rows.returning}`;
}

/** RETURNING carries no order: puts a leased batch back in the order it was chosen in (oldest first, then id). */
export function inLeaseOrder<T>(batch: T[], key: (item: T) => { at: number; id: string }): T[] {
  const keyed = batch.map((item) => ({ item, ...key(item) }));
  return keyed.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)).map((k) => k.item);
}
