/**
 * How each aggregate maps to a row: the whole entity as a JSON document, plus the columns it is queried by,
 * read from the entity on every write so they never drift from the document.
 */
import { InputError } from '../../core/errors.ts';
import type { Approval, Asset, ContractAgreement, ContractNegotiation, Offer, TransferProcess } from '../../control-plane/model.ts';

/** The control plane's document tables, then the data plane's (./usage.ts, ./outbox.ts). */
export type TableName = 'assets' | 'offers' | 'negotiations' | 'agreements' | 'transfers' | 'approvals'
  | 'agreement_usage' | 'exporter_usage' | 'exporter_subjects' | 'agreement_subjects' | 'outbox' | 'budgets';
export type ColumnValue = string | number | null;

export interface Column<T> {
  name: string;
  value: (entity: T) => ColumnValue;
}

export interface TableSpec<T extends { id: string }> {
  name: TableName;
  /** What messages call one row ("asset", "negotiation"). */
  noun: string;
  /** The queried columns besides `id` and `document`, in a fixed order. */
  columns: readonly Column<T>[];
}

/** What the state-machine stores rely on; lease_holder and lease_until belong to the store, not the entity. */
export interface StatefulEntity<S extends string> {
  id: string;
  state: S;
  consumerPid: string;
  providerPid: string | null;
  stateTimestamp: string;
  updatedAt: string;
}

/** Milliseconds since the epoch, so the oldest-first order does not depend on how a timestamp was written. */
export function epochMs(iso: string, field: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new InputError(`${field} is not an ISO 8601 timestamp: ${JSON.stringify(iso)}`);
  return ms;
}

function statefulColumns<E extends StatefulEntity<string>>(): readonly Column<E>[] {
  return [
    { name: 'state', value: (e) => e.state },
    { name: 'consumer_pid', value: (e) => e.consumerPid },
    { name: 'provider_pid', value: (e) => e.providerPid },
    { name: 'state_timestamp', value: (e) => epochMs(e.stateTimestamp, 'stateTimestamp') },
    { name: 'updated_at', value: (e) => e.updatedAt },
  ];
}

export const tables: {
  assets: TableSpec<Asset>;
  offers: TableSpec<Offer>;
  negotiations: TableSpec<ContractNegotiation>;
  agreements: TableSpec<ContractAgreement>;
  transfers: TableSpec<TransferProcess>;
  approvals: TableSpec<Approval>;
} = {
  assets: { name: 'assets', noun: 'asset', columns: [] },
  offers: { name: 'offers', noun: 'offer', columns: [{ name: 'asset_id', value: (o) => o.assetId }] },
  negotiations: { name: 'negotiations', noun: 'negotiation', columns: statefulColumns() },
  agreements: { name: 'agreements', noun: 'agreement', columns: [{ name: 'asset_id', value: (a) => a.assetId }] },
  transfers: { name: 'transfers', noun: 'transfer process', columns: statefulColumns() },
  approvals: { name: 'approvals', noun: 'approval', columns: [{ name: 'kind', value: (a) => a.kind }] },
};

/** The values bound for a row, in the order the statements expect: id, document, then the columns. */
export function rowValues<T extends { id: string }>(spec: TableSpec<T>, entity: T): ColumnValue[] {
  return [entity.id, JSON.stringify(entity), ...spec.columns.map((c) => c.value(entity))];
}

/** A stored document back as the entity: SQLite hands back text, PostgreSQL's jsonb arrives parsed. */
export function fromDocument<T>(raw: unknown): T {
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as T;
}
