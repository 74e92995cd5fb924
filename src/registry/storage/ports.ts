/** The registry's store ports; one contract suite each (test/registry/storage/contract), run on SQLite and PostgreSQL. */
import type { SignedPolicyBundle } from '../../policy/bundle.ts';
import type { ChainHead, Checkpoint, LedgerEntry, LedgerKey, Participant } from '../model.ts';

/** An entry as verification reads it: all that is hashed, and the hash, but not the receipt. */
export type ChainedLink = Omit<LedgerEntry, 'receipt'>;

export interface ParticipantStore {
  /** Registers a new participant; REGISTRY_PARTICIPANT_EXISTS when the id is taken. */
  create(participant: Participant): Promise<void>;
  /** Replaces a registered participant; NotFoundError when there is none. */
  save(participant: Participant): Promise<void>;
  get(id: string): Promise<Participant | null>;
  /** A page in id order. */
  list(page?: { offset?: number; limit?: number }): Promise<Participant[]>;
}

/** What one append writes, decided under the chain-head lock. */
export interface AppendPlan<T> {
  /** New entries continuing the head: seq head.seq + 1, + 2, ... in order. */
  entries: LedgerEntry[];
  checkpoints: Checkpoint[];
  /** Handed back to the caller of append once the transaction has committed. */
  result: T;
}

/**
 * Decides an append from the current head and the entries that already hold any of the record ids asked about.
 * Runs inside the append transaction, so it must be synchronous and must not touch the store.
 */
export type Planner<T> = (head: ChainHead, existing: ReadonlyMap<string, LedgerEntry>) => AppendPlan<T>;

export interface LedgerStore {
  /**
   * One serialised append, all or nothing: takes the chain-head lock (held until commit, across every process on
   * the database), reads the head and the existing entries of `recordIds`, lets `plan` decide, writes the entries
   * and checkpoints and moves the head to the last new entry.
   */
  append<T>(recordIds: readonly string[], plan: Planner<T>): Promise<T>;
  /**
   * Resolves once every append committed before the call would survive a power cut. Receipts wait for it; the
   * next append need not (SQLite flushes its log off the event loop, PostgreSQL's commit is already durable).
   */
  durable(): Promise<void>;
  head(): Promise<ChainHead>;
  entry(seq: number): Promise<LedgerEntry | null>;
  entryByRecordId(recordId: string): Promise<LedgerEntry | null>;
  /** Up to `limit` entries with seq > afterSeq, in seq order: a cursor for streaming the whole chain. */
  entries(afterSeq: number, limit: number): Promise<LedgerEntry[]>;
  /** As entries, without the receipts: the cursor `kouan ledger verify` streams the chain with. */
  links(afterSeq: number, limit: number): Promise<ChainedLink[]>;
  /** Up to `limit` checkpoints with seq > afterSeq, in seq order. */
  checkpoints(afterSeq: number, limit: number): Promise<Checkpoint[]>;
  latestCheckpoint(): Promise<Checkpoint | null>;
  /**
   * Stores a checkpoint of entries already committed (the registry's timed checkpoint of its head); false when a
   * checkpoint at that seq is already there, which is kept.
   */
  addCheckpoint(checkpoint: Checkpoint): Promise<boolean>;
  /** Keeps a signing key's binding; a kid already stored keeps its first binding. */
  addKey(key: LedgerKey): Promise<void>;
  keys(): Promise<LedgerKey[]>;
}

/** The signed policy-data bundles the operator published, kept for good (docs/policy/bundles.md). */
export interface PolicyBundleStore {
  /**
   * Stores the next bundle: `build` is given the next version (the latest + 1, or 1) and returns the bundle,
   * signed, synchronously. Registries sharing a database never assign one version twice.
   */
  publish(build: (version: number) => SignedPolicyBundle): Promise<SignedPolicyBundle>;
  latest(): Promise<SignedPolicyBundle | null>;
  /** The latest version, or null: what a reader that keeps the bundle in force asks before reading it again. */
  latestVersion(): Promise<number | null>;
  get(version: number): Promise<SignedPolicyBundle | null>;
}

export interface RegistryStores {
  participants: ParticipantStore;
  ledger: LedgerStore;
  policyBundles: PolicyBundleStore;
  /** Closes the database once, however often it is called. */
  close(): Promise<void>;
}

/** The most entries or checkpoints one read returns. */
export const MAX_READ = 50_000;
