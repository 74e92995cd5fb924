/**
 * The walk `kouan ledger verify` makes over a span of the chain, on the main thread or in a worker: each entry's
 * seq and hash, each checkpoint's position, signature and timeliness; and the receipts of a span, read again to
 * name the entry a failing checkpoint stands for.
 */
import { canonicalJson, verifyCanonical } from '../../trust/jws.ts';
import type { ChainHead, Checkpoint, LedgerEntry } from '../model.ts';
import type { ChainedLink, LedgerStore } from '../storage/ports.ts';
import { checkpointDocument, entryHash } from './chain.ts';
import { checkReceipt, kidOf, type BrokenCode, type Failure, type KeyVerdict } from './checks.ts';

/** What the walk's rules of time and count take. */
export interface WalkRules {
  /** How old, in seconds, an entry may be without a checkpoint covering it (default 10). */
  maxUnsignedAgeSeconds?: number;
  /** When given, a checkpoint must stand at every multiple of it. */
  checkpointEvery?: number;
}

/** The first broken place found by the walk itself, thrown inside it and turned into a failure. */
export class Broken extends Error {
  constructor(readonly seq: number, readonly code: BrokenCode, reason: string) {
    super(reason);
  }
}

export const short = (hash: string): string => `${hash.slice(0, 12)}…`;

/** Checkpoints in seq order after `after`, read a page at a time as the walk reaches them. */
export class CheckpointCursor {
  #page: Checkpoint[] = [];
  #after: number;
  #done = false;
  verified = 0;
  /** The last checkpoint that held. */
  last: Checkpoint | null = null;

  constructor(private readonly store: LedgerStore, private readonly pageSize: number, after = 0) {
    this.#after = after;
  }

  async peek(): Promise<Checkpoint | undefined> {
    if (this.#page.length === 0 && !this.#done) {
      this.#page = await this.store.checkpoints(this.#after, this.pageSize);
      this.#done = this.#page.length === 0;
      this.#after = this.#page.at(-1)?.seq ?? this.#after;
    }
    return this.#page[0];
  }

  take(): void {
    this.last = this.#page.shift() ?? null;
    this.verified += 1;
  }
}

/** Where a walk stands: its last entry, and the first entry after the last checkpoint that held (null: none). */
export interface WalkState {
  last: ChainHead;
  uncovered: { seq: number; at: string } | null;
}

export class Walk {
  /** The seq of the next checkpoint to check (Infinity when none is left); entries before it need no read. */
  next = 0;

  constructor(readonly checkpoints: CheckpointCursor, private readonly keys: ReadonlyMap<string, KeyVerdict>, private readonly rules: WalkRules, public state: WalkState) {}

  get last(): ChainHead {
    return this.state.last;
  }

  link(entry: ChainedLink): void {
    const expected = this.state.last.seq + 1;
    if (entry.seq !== expected) throw new Broken(expected, 'LEDGER_CHAIN_BROKEN', `missing: the entry after seq ${this.state.last.seq} is seq ${entry.seq}`);
    const recomputed = entryHash(this.state.last.hash, entry);
    if (recomputed !== entry.hash) {
      throw new Broken(entry.seq, 'LEDGER_CHAIN_BROKEN', `hash mismatch: stored ${short(entry.hash)}, recomputed ${short(recomputed)} from the previous hash and the entry (changed, moved or inserted)`);
    }
    this.state.last = { seq: entry.seq, hash: entry.hash };
    this.state.uncovered ??= { seq: entry.seq, at: entry.receivedAt };
    const every = this.rules.checkpointEvery;
    if (every !== undefined && entry.seq % every === 0 && entry.seq < this.next) {
      throw new Broken(entry.seq, 'LEDGER_CHECKPOINT_MISSING', `no checkpoint at seq ${entry.seq}, a multiple of ${every} (deleted?)`);
    }
  }

  /** Checks the checkpoints at or before `seq`; one before it stands where no entry was. */
  async checkpointsUpTo(seq: number): Promise<void> {
    for (let c = await this.checkpoints.peek(); c !== undefined && c.seq <= seq; c = await this.checkpoints.peek()) {
      if (c.seq !== seq) throw new Broken(c.seq, 'LEDGER_CHECKPOINT_MISMATCH', `checkpoint at seq ${c.seq} stands where the chain has no entry`);
      if (c.hash !== this.state.last.hash) throw new Broken(c.seq, 'LEDGER_CHECKPOINT_MISMATCH', `checkpoint says head ${short(c.hash)}, the chain has ${short(this.state.last.hash)}`);
      this.checkSignature(c);
      const allowed = (this.rules.maxUnsignedAgeSeconds ?? 10) * 1000;
      const uncovered = this.state.uncovered;
      if (uncovered !== null && Date.parse(c.at) - Date.parse(uncovered.at) > allowed) {
        throw new Broken(uncovered.seq, 'LEDGER_CHECKPOINT_MISSING', `seq ${uncovered.seq} was appended at ${uncovered.at}; the first checkpoint over it (seq ${c.seq}) came only at ${c.at}, later than the ${allowed / 1000} s allowed (deleted checkpoints?)`);
      }
      this.state.uncovered = null;
      this.checkpoints.take();
    }
    this.next = (await this.checkpoints.peek())?.seq ?? Infinity;
  }

  checkSignature(c: Checkpoint): void {
    const kid = kidOf(c.signature);
    const key = this.keys.get(kid);
    if (key === undefined) throw new Broken(c.seq, 'LEDGER_CHECKPOINT_SIGNATURE_INVALID', `checkpoint signed with unknown key '${kid}'`);
    if (key instanceof Error) throw new Broken(c.seq, 'LEDGER_CHECKPOINT_SIGNATURE_INVALID', `checkpoint signed with a key that is not vouched for: ${key.message}`);
    try {
      verifyCanonical(canonicalJson(checkpointDocument(c)), c.signature, key);
    } catch {
      throw new Broken(c.seq, 'LEDGER_CHECKPOINT_SIGNATURE_INVALID', `checkpoint signature does not verify with key ${kid}`);
    }
  }
}

export interface SpanOptions {
  pageSize: number;
  /** The head row as read before the walk: the entry at its seq must have its hash. */
  before: ChainHead;
  /** Read entries with their receipts and hand each page over before it is walked (to the signature workers). */
  onPage?: (page: LedgerEntry[]) => Promise<void>;
  /** After each page. */
  progress?: () => void;
}

/** Walks the entries after `walk.last` up to seq `to` (Infinity: to the end); throws Broken at the first fault. */
export async function walkSpan(store: LedgerStore, walk: Walk, to: number, { pageSize, before, onPage, progress }: SpanOptions): Promise<void> {
  for (;;) {
    const limit = Math.min(pageSize, to - walk.last.seq);
    if (limit <= 0) return;
    const page = onPage ? await store.entries(walk.last.seq, limit) : await store.links(walk.last.seq, limit);
    if (onPage && page.length > 0) await onPage(page as LedgerEntry[]);
    for (const entry of page) {
      walk.link(entry);
      if (entry.seq >= walk.next) await walk.checkpointsUpTo(entry.seq);
      if (entry.seq === before.seq && entry.hash !== before.hash) throw new Broken(entry.seq, 'LEDGER_HEAD_ROW_MISMATCH', `the head row says hash ${short(before.hash)}, the chain has ${short(entry.hash)}`);
    }
    progress?.();
    if (page.length < limit) return;
  }
}

/** The receipts of the entries in (after, to]: the failures, in seq order. */
export async function receiptFailures(store: LedgerStore, keys: ReadonlyMap<string, KeyVerdict>, after: number, to: number, pageSize: number): Promise<{ failures: Failure[]; checked: number }> {
  const failures: Failure[] = [];
  let checked = 0;
  for (let seq = after; seq < to; ) {
    const page = await store.entries(seq, Math.min(pageSize, to - seq));
    if (page.length === 0) break;
    for (const entry of page) {
      const failure = checkReceipt(entry, keys);
      if (failure) failures.push(failure);
    }
    checked += page.length;
    seq = page.at(-1)!.seq;
  }
  return { failures, checked };
}

/**
 * The failures a Broken stands for: itself and, when a checkpoint or the head row disagrees with a chain that
 * recomputes (someone rewrote an entry and every hash after it), the receipts of the segment since the last
 * checkpoint that held, which only the registry can sign: the first that fails names the rewritten entry.
 */
export async function failuresOf(error: Broken, store: LedgerStore, keys: ReadonlyMap<string, KeyVerdict>, from: number, lastWalked: number, pageSize: number, receipts: boolean): Promise<Failure[]> {
  const failures: Failure[] = [{ seq: error.seq, code: error.code, reason: error.message }];
  if (receipts && (error.code === 'LEDGER_CHECKPOINT_MISMATCH' || error.code === 'LEDGER_HEAD_ROW_MISMATCH' || error.code === 'LEDGER_TRUNCATED')) {
    failures.push(...(await receiptFailures(store, keys, from, Math.min(error.seq, lastWalked), pageSize)).failures);
  }
  return failures;
}
