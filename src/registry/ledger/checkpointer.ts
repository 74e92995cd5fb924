/**
 * The timed checkpoint: every few seconds, when the chain's head has moved since the last checkpoint, the registry
 * signs a checkpoint of it, so no entry stays unsigned for longer than that (the ledger itself signs one every N
 * entries, inside the append). Before it signs, it walks the entries since the last checkpoint: each must link onto
 * the one before and carry a receipt the registry signed (its own appends it knows already; another replica's it
 * checks with that replica's bound key). An entry written behind the registry's back is refused, not signed.
 * Replicas on one database may checkpoint the same head: the first checkpoint at a seq stays, the others are dropped.
 */
import type { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { canonicalJson, verifyCanonical } from '../../trust/jws.ts';
import { GENESIS_HASH, type Checkpoint, type LedgerEntry } from '../model.ts';
import type { LedgerStore } from '../storage/ports.ts';
import { checkpointDocument, entryHash } from './chain.ts';
import { checkReceipt, kidOf, type Failure, type KeyVerdict } from './checks.ts';
import type { Ledger } from './ledger.ts';
import type { LedgerSigner } from './signer.ts';
import { ledgerKeys } from './verify-anchor.ts';

export interface CheckpointerOptions {
  /** Seconds between looks at the head. */
  everySeconds: number;
  /** The data-space CA and the registry's certificate: another replica's key counts when they vouch for it. */
  ca: X509Certificate;
  certificate: X509Certificate;
  log: Logger;
}

const PAGE = 1000;

export class Checkpointer {
  readonly #store: LedgerStore;
  readonly #signer: LedgerSigner;
  readonly #clock: Clock;
  readonly #options: CheckpointerOptions;
  /** This process's own appends since the last checkpoint: seq → hash and receipt. */
  readonly #own = new Map<number, string>();
  #keys: Map<string, KeyVerdict> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  /** The last refusal logged, so a forged entry is reported once, not every tick. */
  #refused = '';

  constructor(store: LedgerStore, signer: LedgerSigner, clock: Clock, ledger: Ledger, options: CheckpointerOptions) {
    this.#store = store;
    this.#signer = signer;
    this.#clock = clock;
    this.#options = options;
    ledger.on('appended', (entries: LedgerEntry[]) => {
      for (const e of entries) this.#own.set(e.seq, `${e.hash} ${e.receipt}`);
    });
  }

  start(): void {
    this.#timer = setInterval(() => void this.checkpoint(), this.#options.everySeconds * 1000);
    this.#timer.unref();
  }

  /** Stops the timer and checkpoints the head one last time (after the ledger has settled). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.checkpoint();
  }

  /** Checkpoints the head if it moved since the last checkpoint (one run at a time; a call during a run joins it). */
  checkpoint(): Promise<void> {
    this.#running ??= this.#run().finally(() => (this.#running = null));
    return this.#running;
  }

  async #run(): Promise<void> {
    try {
      const [head, latest] = await Promise.all([this.#store.head(), this.#store.latestCheckpoint()]);
      const from = latest?.seq ?? 0;
      for (const seq of this.#own.keys()) if (seq <= from) this.#own.delete(seq);
      if (head.seq <= from) return;
      const refusal = (latest && (await this.#forged(latest))) ?? (await this.#unsigned(from, latest?.hash ?? GENESIS_HASH, head));
      if (refusal) {
        const said = `${refusal.seq} ${refusal.code}`;
        if (said !== this.#refused) this.#options.log.error({ seq: refusal.seq, code: refusal.code }, `ledger: not checkpointing the head at seq ${head.seq}: ${refusal.reason}`);
        this.#refused = said;
        return;
      }
      const at = this.#clock.now().toISOString();
      const signature = this.#signer.sign(checkpointDocument({ seq: head.seq, hash: head.hash, at }));
      await this.#store.addCheckpoint({ seq: head.seq, hash: head.hash, at, signature });
      for (const seq of this.#own.keys()) if (seq <= head.seq) this.#own.delete(seq);
    } catch (error) {
      this.#options.log.error({ err: error }, 'ledger: the timed checkpoint failed');
    }
  }

  /** The first entry in (from, head] that does not link or carries no receipt of the registry's; null when all hold. */
  async #unsigned(from: number, hash: string, head: { seq: number; hash: string }): Promise<Failure | null> {
    let previous = hash;
    for (let after = from; after < head.seq; ) {
      const page = await this.#store.entries(after, Math.min(PAGE, head.seq - after));
      if (page.length === 0) break;
      for (const entry of page) {
        if (entry.seq !== after + 1) return { seq: after + 1, code: 'LEDGER_CHAIN_BROKEN', reason: `the entry after seq ${after} is seq ${entry.seq}` };
        if (entryHash(previous, entry) !== entry.hash) return { seq: entry.seq, code: 'LEDGER_CHAIN_BROKEN', reason: `the hash of seq ${entry.seq} does not recompute` };
        if (this.#own.get(entry.seq) !== `${entry.hash} ${entry.receipt}`) {
          const failure = checkReceipt(entry, await this.#keysFor(kidOf(entry.receipt)));
          if (failure) return failure;
        }
        previous = entry.hash;
        after = entry.seq;
      }
    }
    return previous === head.hash ? null : { seq: head.seq, code: 'LEDGER_HEAD_ROW_MISMATCH', reason: 'the head row is not the chain\'s last entry' };
  }

  /** Why the latest checkpoint, which the walk starts from, is not the registry's; null when it is. */
  async #forged(c: Checkpoint): Promise<Failure | null> {
    const kid = kidOf(c.signature);
    const key = (await this.#keysFor(kid)).get(kid);
    try {
      if (key === undefined || key instanceof Error) throw new Error('no key of the registry');
      verifyCanonical(canonicalJson(checkpointDocument(c)), c.signature, key);
      return null;
    } catch {
      return { seq: c.seq, code: 'LEDGER_CHECKPOINT_SIGNATURE_INVALID', reason: `the latest checkpoint (seq ${c.seq}) is not signed by a key of the registry's` };
    }
  }

  /** The keys the registry's certificate vouches for, read again when a receipt names one not seen yet (a new replica). */
  async #keysFor(kid: string): Promise<ReadonlyMap<string, KeyVerdict>> {
    if (this.#keys === null || !this.#keys.has(kid)) this.#keys = await ledgerKeys(this.#store, this.#options.ca, this.#options.certificate);
    return this.#keys;
  }
}
