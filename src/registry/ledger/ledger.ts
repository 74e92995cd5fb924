/**
 * The ledger: appends records to the one hash chain, signs a receipt for each and a checkpoint every N entries.
 *
 * Appends are group-committed. Requests queue in this process; one batch at a time goes to the store, which
 * locks the chain head (across every process on the database), lets the planner below link the batch onto the
 * head, and commits entries, receipts, checkpoints and the new head together. Under load a batch carries many
 * records for the price of one transaction; idle, a batch is one record.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../core/clock.ts';
import { KouanError } from '../../core/errors.ts';
import type { Checkpoint, LedgerEntry } from '../model.ts';
import type { LedgerStore, Planner } from '../storage/ports.ts';
import { checkpointDocument, entryHash, receiptOf, type ChainLink, type Receipt } from './chain.ts';
import type { LedgerSigner } from './signer.ts';

/** A checked record on its way into the chain; `record` is its RFC 8785 text. */
export type AppendRequest = Omit<ChainLink, 'seq' | 'receivedAt'>;

export interface Appended {
  entry: LedgerEntry;
  receipt: { receipt: Receipt; signature: string };
  /** True when the record was already in the chain (the original receipt is returned). */
  duplicate: boolean;
}

export interface LedgerOptions {
  /** A signed checkpoint after every this many entries. */
  checkpointEvery: number;
  /** The most records one append transaction carries. */
  maxBatch: number;
}

/** One caller's records: appended together or not at all. */
interface Pending {
  requests: AppendRequest[];
  /** Whether a refusal names the record by its position (appendAll) or is the record's own (append). */
  indexed: boolean;
  resolve: (appended: Appended[]) => void;
  reject: (error: Error) => void;
}

type Placed = { entry: LedgerEntry; duplicate: boolean };
/** What became of a pending group: every record placed, or the refusal of the first that could not be, by its index in the group. */
type Outcome = Placed[] | { refused: KouanError; index: number };

/** A refusal of one record of a group, naming its position. */
const refusedAt = (error: KouanError, index: number, request: AppendRequest): KouanError =>
  new KouanError(error.code, `record ${index} (${request.recordId}): ${error.message}`, { ...error.details, index });

export const receiptResponse = (entry: LedgerEntry): Appended['receipt'] => ({ receipt: receiptOf(entry), signature: entry.receipt });

export class Ledger extends EventEmitter<{ appended: [LedgerEntry[]] }> {
  readonly #store: LedgerStore;
  readonly #signer: LedgerSigner;
  readonly #clock: Clock;
  readonly #options: LedgerOptions;
  #queue: Pending[] = [];
  #draining: Promise<void> | null = null;
  /** Committed batches whose receipts wait for durability. */
  readonly #flushing = new Set<Promise<void>>();

  constructor(store: LedgerStore, signer: LedgerSigner, clock: Clock, options: LedgerOptions) {
    super();
    if (!Number.isInteger(options.checkpointEvery) || options.checkpointEvery < 1) throw new Error('checkpointEvery must be a positive integer');
    this.#store = store;
    this.#signer = signer;
    this.#clock = clock;
    this.#options = options;
  }

  /**
   * Appends a record, or finds it already in the chain (same id and the same canonical record: the original
   * receipt). A different record under a known id is REGISTRY_RECORD_CONFLICT. Resolves once committed and durable;
   * listeners of 'appended' then see the new entries in chain order (the extension point for views and alerts).
   */
  async append(request: AppendRequest): Promise<Appended> {
    const [appended] = await this.#enqueue([request], false);
    return appended!;
  }

  /**
   * Appends records all or nothing, in order, in one transaction: when one of them is refused (a different record
   * under a known id, or under an id used earlier in `requests`), none is appended and the refusal names it
   * (details.index, its position in `requests`).
   */
  appendAll(requests: readonly AppendRequest[]): Promise<Appended[]> {
    if (requests.length === 0) return Promise.resolve([]);
    return this.#enqueue([...requests], true);
  }

  #enqueue(requests: AppendRequest[], indexed: boolean): Promise<Appended[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ requests, indexed, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves when every append queued so far has been written and answered (or refused). */
  async settled(): Promise<void> {
    while (this.#draining || this.#flushing.size > 0) await Promise.all([this.#draining, ...this.#flushing]);
  }

  async #drain(): Promise<void> {
    try {
      do {
        // Let the requests that arrived meanwhile (the poll phase) join this batch.
        await new Promise((resolve) => setImmediate(resolve));
        await this.#write(this.#queue.splice(0, this.#groups()));
      } while (this.#queue.length > 0);
    } finally {
      // Cleared in the same turn as the last look at the queue: an append made after it starts a new drain.
      this.#draining = null;
    }
  }

  /** How many queued groups the next transaction takes: whole groups up to maxBatch records, and at least one. */
  #groups(): number {
    let records = 0;
    let groups = 0;
    for (const pending of this.#queue) {
      if (groups > 0 && records + pending.requests.length > this.#options.maxBatch) break;
      records += pending.requests.length;
      groups += 1;
    }
    return groups;
  }

  /** Commits a batch; its receipts go out once the commit is durable, while the next batch is already being written. */
  async #write(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.#store.append(batch.flatMap((p) => p.requests.map((r) => r.recordId)), this.#planner(batch));
    } catch (error) {
      for (const pending of batch) pending.reject(error as Error);
      return;
    }
    const receipts = this.#store.durable().then(
      () => {
        const appended: LedgerEntry[] = [];
        batch.forEach((pending, i) => {
          const outcome = outcomes[i]!;
          if (!Array.isArray(outcome)) return pending.reject(pending.indexed ? refusedAt(outcome.refused, outcome.index, pending.requests[outcome.index]!) : outcome.refused);
          for (const placed of outcome) if (!placed.duplicate) appended.push(placed.entry);
          pending.resolve(outcome.map((placed) => ({ ...placed, receipt: receiptResponse(placed.entry) })));
        });
        if (appended.length > 0) setImmediate(() => this.emit('appended', appended));
      },
      (error: Error) => batch.forEach((pending) => pending.reject(error)),
    );
    this.#flushing.add(receipts);
    void receipts.finally(() => this.#flushing.delete(receipts));
  }

  /** Links a batch onto the head it is given; runs under the head lock, so it is synchronous and pure but for signing. */
  #planner(batch: readonly Pending[]): Planner<Outcome[]> {
    return (head, existing) => {
      const receivedAt = this.#clock.now().toISOString();
      const known = new Map(existing);
      const entries: LedgerEntry[] = [];
      const checkpoints: Checkpoint[] = [];
      let { seq, hash } = head;
      const outcomes = batch.map(({ requests }): Outcome => {
        // A group that meets a refusal leaves no trace: the chain, the known ids and the checkpoints go back to
        // where they stood before it.
        const before = { seq, hash, entries: entries.length, checkpoints: checkpoints.length };
        const placed: Placed[] = [];
        for (const [index, request] of requests.entries()) {
          const prior = known.get(request.recordId);
          if (prior !== undefined) {
            if (prior.record === request.record) {
              placed.push({ entry: prior, duplicate: true });
              continue;
            }
            const why = prior.seq > before.seq ? `comes twice in one batch with different content` : `is already in the ledger (seq ${prior.seq}) with other content`;
            for (const e of entries.splice(before.entries)) known.delete(e.recordId);
            checkpoints.splice(before.checkpoints);
            ({ seq, hash } = before);
            return { refused: new KouanError('REGISTRY_RECORD_CONFLICT', `record ${request.recordId} ${why}`), index };
          }
          seq += 1;
          const link: ChainLink = { ...request, seq, receivedAt };
          hash = entryHash(hash, link);
          const entry: LedgerEntry = { ...link, hash, receipt: '' };
          entry.receipt = this.#signer.sign(receiptOf(entry));
          entries.push(entry);
          known.set(entry.recordId, entry);
          if (seq % this.#options.checkpointEvery === 0) checkpoints.push(this.#checkpoint(seq, hash, receivedAt));
          placed.push({ entry, duplicate: false });
        }
        return placed;
      });
      return { entries, checkpoints, result: outcomes };
    };
  }

  #checkpoint(seq: number, hash: string, at: string): Checkpoint {
    return { seq, hash, at, signature: this.#signer.sign(checkpointDocument({ seq, hash, at })) };
  }
}
