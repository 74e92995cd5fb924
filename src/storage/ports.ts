/**
 * One port per aggregate. Each is implemented for SQLite (embedded default) and PostgreSQL, and both
 * run the same contract test suite (test/storage/*.contract.ts).
 */
import type { Approval, Asset, ContractAgreement, ContractNegotiation, NegotiationState, Offer, TransferProcess, TransferState } from '../control-plane/model.ts';

export interface AssetStore {
  /** Creates or replaces. */
  put(asset: Asset): Promise<void>;
  get(id: string): Promise<Asset | null>;
  list(page?: { offset?: number; limit?: number }): Promise<Asset[]>;
  delete(id: string): Promise<boolean>;
}

export interface OfferStore {
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
   * so two writers never silently overwrite each other. Releases any lease held by `leaseHolder`.
   */
  save(entity: T, expectedUpdatedAt: string, leaseHolder?: string): Promise<void>;
  get(id: string): Promise<T | null>;
  /** Finds by the protocol process id of either side (consumerPid or providerPid). */
  findByPid(pid: string): Promise<T | null>;
  list(filter?: { state?: S; offset?: number; limit?: number }): Promise<T[]>;
  /**
   * Leases up to `limit` entities in one of `states` not leased by anyone else (or whose lease expired),
   * oldest state change first, for `leaseMs`; returns them.
   */
  leaseNext(states: S[], limit: number, holder: string, leaseMs: number, now: Date): Promise<T[]>;
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
