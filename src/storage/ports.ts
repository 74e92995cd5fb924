/**
 * One port per aggregate. Each is implemented for SQLite (embedded default) and PostgreSQL, and both
 * run the same contract test suite (test/storage/contract/).
 *
 * Lists come in id order; a page without a limit holds 100 entries, and no page more than 1000 (InputError).
 */
import type { Approval, Asset, ContractAgreement, ContractNegotiation, NegotiationState, Offer, TransferProcess, TransferState } from '../control-plane/model.ts';

export interface AssetStore {
  /** Creates or replaces. */
  put(asset: Asset): Promise<void>;
  get(id: string): Promise<Asset | null>;
  list(page?: { offset?: number; limit?: number }): Promise<Asset[]>;
  /** False when there was none; ConflictError while offers still point to it. */
  delete(id: string): Promise<boolean>;
}

export interface OfferStore {
  /** Creates or replaces; NotFoundError when its asset is not stored. */
  put(offer: Offer): Promise<void>;
  get(id: string): Promise<Offer | null>;
  list(page?: { offset?: number; limit?: number }): Promise<Offer[]>;
  listByAsset(assetId: string): Promise<Offer[]>;
  delete(id: string): Promise<boolean>;
}

/** Entities driven by a state machine: the manager leases the ones waiting in a state, one process at a time. */
export interface StatefulStore<T, S extends string> {
  /** Inserts a new entity; ConflictError when the id exists. */
  create(entity: T): Promise<void>;
  /**
   * Saves a changed entity. Optimistic: `expectedUpdatedAt` must match what is stored, else ConflictError,
   * so two writers never silently overwrite each other. `updatedAt` is the version, so `entity.updatedAt`
   * must differ from `expectedUpdatedAt` (InputError otherwise). NotFoundError when it was never created.
   * Releases any lease held by `leaseHolder`.
   */
  save(entity: T, expectedUpdatedAt: string, leaseHolder?: string): Promise<void>;
  get(id: string): Promise<T | null>;
  /** Finds by the protocol process id of either side (consumerPid or providerPid). */
  findByPid(pid: string): Promise<T | null>;
  list(filter?: { state?: S; offset?: number; limit?: number }): Promise<T[]>;
  /**
   * Leases up to `limit` entities in one of `states` not under a live lease (no one holds it, or the lease
   * expired), oldest state change first, for `leaseMs`; returns them. A live lease excludes its own holder
   * too, so two loops under one holder name never share an entity. The holder's save ends the lease.
   */
  leaseNext(states: S[], limit: number, holder: string, leaseMs: number, now: Date): Promise<T[]>;
  /** Ends `holder`'s lease on the entity without changing it (nothing to do in its state yet). */
  release(id: string, holder: string): Promise<void>;
}

export type NegotiationStore = StatefulStore<ContractNegotiation, NegotiationState>;
export type TransferStore = StatefulStore<TransferProcess, TransferState>;

export interface AgreementStore {
  create(agreement: ContractAgreement): Promise<void>;
  save(agreement: ContractAgreement): Promise<void>;
  get(id: string): Promise<ContractAgreement | null>;
  list(page?: { offset?: number; limit?: number }): Promise<ContractAgreement[]>;
}

export interface ApprovalStore {
  put(approval: Approval): Promise<void>;
  get(id: string): Promise<Approval | null>;
  list(kind?: Approval['kind']): Promise<Approval[]>;
  delete(id: string): Promise<boolean>;
}

/** Everything the control plane persists, opened from one state directory or one database. */
export interface ControlPlaneStores {
  assets: AssetStore;
  offers: OfferStore;
  negotiations: NegotiationStore;
  agreements: AgreementStore;
  transfers: TransferStore;
  approvals: ApprovalStore;
  close(): Promise<void>;
}

/** Usage under one agreement so far (the contract policy's `usage`). */
export interface AgreementUsage {
  requests: number;
  records: number;
  subjects: number;
}

/**
 * What the data plane counts. Data subjects are kept only as keyed hashes (never raw ids): per exporter
 * and calendar year (Beijing time) for the export thresholds, and per agreement for its own limits.
 */
export interface UsageStore {
  /** Counts one more data-plane request under the agreement; returns the usage including it. */
  countRequest(agreementId: string): Promise<AgreementUsage>;
  /** Adds forwarded records to the agreement's count. */
  addRecords(agreementId: string, records: number): Promise<void>;
  /** Which of these subject hashes the exporter has already provided in that year (sensitive or not). */
  knownSubjects(exporterId: string, year: number, hashes: string[]): Promise<{ known: Set<string>; knownSensitive: Set<string> }>;
  /** Which of these subject hashes the agreement has already reached. */
  linkedSubjects(agreementId: string, hashes: string[]): Promise<Set<string>>;
  /**
   * Records subject hashes as provided by the exporter in that year (and under the agreement); a hash already
   * recorded is not counted again, but a known non-sensitive subject becomes sensitive when `sensitive` is true.
   * Returns how many were new to the exporter's year (all / sensitive); a known subject that became sensitive
   * counts in `newSensitive` only. Exact however many writers share the database: summed over all calls, the
   * returned counts equal `cumulative`.
   */
  addSubjects(exporterId: string, year: number, agreementId: string, hashes: string[], sensitive: boolean): Promise<{ newSubjects: number; newSensitive: number }>;
  /** Distinct subjects the exporter provided in that year. */
  cumulative(exporterId: string, year: number): Promise<{ subjects: number; sensitiveSubjects: number }>;
  agreementUsage(agreementId: string): Promise<AgreementUsage>;
}

/** A signed record on its way to the registry (filing, usage or denial). */
export interface OutboxRecord {
  /** Idempotency key: the registry stores a record id once. */
  id: string;
  kind: 'filing' | 'usage' | 'denial';
  /** The record as signed (canonical JSON is what the signature covers). */
  record: Record<string, unknown>;
  /** Detached JWS over the record's RFC 8785 form. */
  signature: string;
  createdAt: string;
}

/** Durable at-least-once delivery: nothing enqueued is lost, whatever happens to the registry or this process. */
export interface Outbox {
  /** Stores the record; enqueuing the same id twice keeps the first. */
  enqueue(record: OutboxRecord): Promise<void>;
  /** Up to `limit` undelivered records, oldest first, leased to `holder` for `leaseMs` (not handed to others meanwhile). */
  leaseBatch(limit: number, holder: string, leaseMs: number, now: Date): Promise<OutboxRecord[]>;
  /**
   * Marks a record delivered, keeping the registry's receipt, and ends its lease. Idempotent: marking a delivered
   * record again keeps the first receipt. NotFoundError for an id never enqueued.
   */
  markDelivered(id: string, receipt: Record<string, unknown>, now: Date): Promise<void>;
  /** Gives up the lease after a failed attempt; counts the attempt (none once delivered). NotFoundError for an id never enqueued. */
  markFailed(id: string, error: string, now: Date): Promise<void>;
  /** Records not yet delivered. */
  backlog(): Promise<number>;
  /** The record as enqueued, with its delivery so far; `attempts` counts the failed ones. */
  get(id: string): Promise<(OutboxRecord & { deliveredAt: string | null; receipt: Record<string, unknown> | null; attempts: number }) | null>;
}

/** A transfer with the agreement it runs under and that agreement's asset, as stored when read. */
export interface TransferTerms {
  transfer: TransferProcess;
  /** Null when the transfer's agreement is not stored (the asset is then null too). */
  agreement: ContractAgreement | null;
  /** Null when the agreement's asset is not stored. */
  asset: Asset | null;
}

/** The gateway's read on every request: the three rows at once, never cached. */
export interface TransferTermsStore {
  /** The transfer with its agreement and asset; null when no such transfer is stored. */
  get(transferId: string): Promise<TransferTerms | null>;
}

/**
 * Capped budgets taken as reservations before the data they cover leaves (records of an agreement, distinct
 * persons of an agreement, an exporter's persons in a year). Shared by every stream and every gateway process
 * on the database; a reservation is never undone by a crash, only by an explicit release of unused units.
 */
export interface BudgetStore {
  /**
   * Takes up to `want` units of budget `key`, never taking its total past `cap`, and returns how many it took
   * (0 when the cap is reached). `seed` gives the units already used when the budget is first reserved from.
   */
  reserve(key: string, want: number, cap: number, seed: () => Promise<number>): Promise<number>;
  /** Gives back units that were reserved and not used. */
  release(key: string, unused: number): Promise<void>;
  /** The units a budget holds taken, or null when nothing was ever reserved from it. */
  reserved(key: string): Promise<number | null>;
}

/** Everything the data plane persists, beside the control plane's stores (same database). */
export interface DataPlaneStores {
  transferTerms: TransferTermsStore;
  usage: UsageStore;
  budgets: BudgetStore;
  outbox: Outbox;
}

/** What `openSqliteStores` and `openPostgresStores` return: both planes' stores on one database; close() closes it once. */
export type Stores = ControlPlaneStores & DataPlaneStores;
