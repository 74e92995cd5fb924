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
