/**
 * Recomputes the chain from its first entry: every hash, every sequence number, every checkpoint (its position on
 * the chain and its signature, by a key the registry's certificate vouches for), the head row, and the entries after
 * the last checkpoint (their receipts, and that none is older than the unsigned age allowed). A checkpoint that
 * disagrees with the chain sends the walk back over its segment's receipts to name the first rewritten entry.
 * With `receipts` every receipt is checked, with `signatures` also every record's signature against the certificate
 * registered for its participant at the time, in worker threads. Reads pages in seq order, so memory stays the same
 * however long the chain; names the first broken entry, its reason code and why.
 */
import type { X509Certificate } from 'node:crypto';
import { canonicalJson, verifyCanonical } from '../../trust/jws.ts';
import { GENESIS_HASH, type ChainHead, type Checkpoint } from '../model.ts';
import type { ChainedLink, LedgerStore, ParticipantStore } from '../storage/ports.ts';
import { checkpointDocument, entryHash } from './chain.ts';
import { checkReceipt, kidOf, type BrokenCode, type Failure, type KeyVerdict } from './checks.ts';
import { ledgerKeys, registeredCertificates } from './verify-anchor.ts';
import { SignatureWorkers } from './verify-workers.ts';

export interface VerifyOptions {
  /** Entries per read (default 1,000: larger pages cost more in garbage collection than they save in reads). */
  pageSize?: number;
  /** The data-space CA: ledger keys must be bound by a certificate it issued. Without it, any bound key counts. */
  ca?: X509Certificate;
  /**
   * The registry's certificate, from outside the database: only keys bound by a CA-issued certificate of the same
   * participant count, and receipts are checked (after the last checkpoint, and where a checkpoint fails). Without
   * it the keys stored beside the chain vouch for themselves (a database writer could have put them there) and no
   * receipt is checked unless `receipts` asks.
   */
  registryCertificate?: X509Certificate;
  /** The time the unsigned tail (the entries after the last checkpoint) is judged at; without it, its age is not judged. */
  now?: Date;
  /** How old, in seconds, an entry may be without a checkpoint covering it (default 10). */
  maxUnsignedAgeSeconds?: number;
  /** When given, a checkpoint must stand at every multiple of it (the registry's ledger.checkpointEvery). */
  checkpointEvery?: number;
  /** Check every receipt (in worker threads), not only those after the last checkpoint. */
  receipts?: boolean;
  /** Check every record's signature against its participant's registered certificate (needs `ca`; implies receipts). */
  signatures?: { participants: ParticipantStore; workers?: number };
  /** Called now and then on a long walk with the entries walked so far and the head's seq. */
  progress?: (walked: number, head: number) => void;
}

export type VerifyResult =
  | { ok: true; entries: number; head: ChainHead; checkpoints: number; anchored: boolean; receipts: number; signatures: number; unsignedTail: number }
  | { ok: false; seq: number; code: BrokenCode; reason: string; entries: number; also: Failure[] };

/** The first broken place found by the walk itself, thrown inside it and turned into a failure. */
class Broken extends Error {
  constructor(readonly seq: number, readonly code: BrokenCode, reason: string) {
    super(reason);
  }
}

const short = (hash: string): string => `${hash.slice(0, 12)}…`;

/** Which failure at one seq is named first: the chain's own word before the statements about it. */
const ORDER: BrokenCode[] = [
  'LEDGER_CHAIN_BROKEN', 'LEDGER_HEAD_ROW_MISMATCH', 'LEDGER_TRUNCATED', 'LEDGER_RECEIPT_INVALID', 'LEDGER_CHECKPOINT_MISMATCH',
  'LEDGER_CHECKPOINT_SIGNATURE_INVALID', 'LEDGER_CHECKPOINT_MISSING', 'LEDGER_HEAD_NOT_CHECKPOINTED', 'LEDGER_RECORD_SIGNATURE_INVALID',
];
const first = (failures: Failure[]): Failure[] => [...failures].sort((a, b) => a.seq - b.seq || ORDER.indexOf(a.code) - ORDER.indexOf(b.code));

/** Checkpoints in seq order, read a page at a time as the walk reaches them. */
class CheckpointCursor {
  #page: Checkpoint[] = [];
  #after = 0;
  #done = false;
  verified = 0;
  /** The last checkpoint that held, and the one before it. */
  last: Checkpoint | null = null;
  previous: Checkpoint | null = null;

  constructor(private readonly store: LedgerStore, private readonly pageSize: number) {}

  async peek(): Promise<Checkpoint | undefined> {
    if (this.#page.length === 0 && !this.#done) {
      this.#page = await this.store.checkpoints(this.#after, this.pageSize);
      this.#done = this.#page.length === 0;
      this.#after = this.#page.at(-1)?.seq ?? this.#after;
    }
    return this.#page[0];
  }

  take(): void {
    this.previous = this.last;
    this.last = this.#page.shift() ?? null;
    this.verified += 1;
  }
}

class Walk {
  last: ChainHead = { seq: 0, hash: GENESIS_HASH };
  /** The seq of the next checkpoint to check (Infinity when none is left); entries before it need no read. */
  next = 0;
  /** The first entry after the last checkpoint that held: its seq and when it was appended. */
  uncovered: { seq: number; at: string } | null = null;

  constructor(private readonly checkpoints: CheckpointCursor, private readonly keys: ReadonlyMap<string, KeyVerdict>, private readonly options: VerifyOptions) {}

  link(entry: ChainedLink): void {
    const expected = this.last.seq + 1;
    if (entry.seq !== expected) throw new Broken(expected, 'LEDGER_CHAIN_BROKEN', `missing: the entry after seq ${this.last.seq} is seq ${entry.seq}`);
    const recomputed = entryHash(this.last.hash, entry);
    if (recomputed !== entry.hash) {
      throw new Broken(entry.seq, 'LEDGER_CHAIN_BROKEN', `hash mismatch: stored ${short(entry.hash)}, recomputed ${short(recomputed)} from the previous hash and the entry (changed, moved or inserted)`);
    }
    this.last = { seq: entry.seq, hash: entry.hash };
    this.uncovered ??= { seq: entry.seq, at: entry.receivedAt };
    const every = this.options.checkpointEvery;
    if (every !== undefined && entry.seq % every === 0 && entry.seq < this.next) {
      throw new Broken(entry.seq, 'LEDGER_CHECKPOINT_MISSING', `no checkpoint at seq ${entry.seq}, a multiple of ${every} (deleted?)`);
    }
  }

  /** Checks the checkpoints at or before `seq`; one before it stands where no entry was. */
  async checkpointsUpTo(seq: number): Promise<void> {
    for (let c = await this.checkpoints.peek(); c !== undefined && c.seq <= seq; c = await this.checkpoints.peek()) {
      if (c.seq !== seq) throw new Broken(c.seq, 'LEDGER_CHECKPOINT_MISMATCH', `checkpoint at seq ${c.seq} stands where the chain has no entry`);
      if (c.hash !== this.last.hash) throw new Broken(c.seq, 'LEDGER_CHECKPOINT_MISMATCH', `checkpoint says head ${short(c.hash)}, the chain has ${short(this.last.hash)}`);
      this.checkSignature(c);
      const allowed = (this.options.maxUnsignedAgeSeconds ?? 10) * 1000;
      if (this.uncovered !== null && Date.parse(c.at) - Date.parse(this.uncovered.at) > allowed) {
        throw new Broken(this.uncovered.seq, 'LEDGER_CHECKPOINT_MISSING', `seq ${this.uncovered.seq} was appended at ${this.uncovered.at}; the first checkpoint over it (seq ${c.seq}) came only at ${c.at}, later than the ${allowed / 1000} s allowed (deleted checkpoints?)`);
      }
      this.uncovered = null;
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

/** The receipts of the entries in (after, to]: the failures, in seq order. */
async function receiptFailures(store: LedgerStore, keys: ReadonlyMap<string, KeyVerdict>, after: number, to: number, pageSize: number): Promise<{ failures: Failure[]; checked: number }> {
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

export async function verifyLedger(store: LedgerStore, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 1000;
  const keys = await ledgerKeys(store, options.ca, options.registryCertificate);
  const checkpoints = new CheckpointCursor(store, pageSize);
  const walk = new Walk(checkpoints, keys, options);
  const everyReceipt = options.receipts === true || options.signatures !== undefined;
  let workers: SignatureWorkers | null = null;
  if (everyReceipt) {
    const participants = options.signatures && options.ca ? await registeredCertificates(options.signatures.participants) : [];
    if (options.signatures && !options.ca) throw new Error('checking record signatures needs the data-space CA');
    workers = new SignatureWorkers({ keys, participants, ca: options.ca ?? null, receipts: true, signatures: options.signatures !== undefined }, options.signatures?.workers);
  }
  const failures: Failure[] = [];
  let tailChecked = 0;
  try {
    // The head row moves with every append, in the same transaction. Read before the walk, it must be on the chain
    // (truncation shows here); read after, it must not be behind the last entry read (entries added outside the
    // registry show here). Appends that commit during the walk only move it further on.
    const before = await store.head();
    let reported = performance.now();
    try {
      for (;;) {
        const page = workers ? await store.entries(walk.last.seq, pageSize) : await store.links(walk.last.seq, pageSize);
        if (workers && page.length > 0) await workers.send(page as never);
        for (const entry of page) {
          walk.link(entry);
          if (entry.seq >= walk.next) await walk.checkpointsUpTo(entry.seq);
          if (entry.seq === before.seq && entry.hash !== before.hash) throw new Broken(entry.seq, 'LEDGER_HEAD_ROW_MISMATCH', `the head row says hash ${short(before.hash)}, the chain has ${short(entry.hash)}`);
        }
        if (options.progress && performance.now() - reported > 1000) {
          options.progress(walk.last.seq, before.seq);
          reported = performance.now();
        }
        if (page.length < pageSize) break;
      }
      if (walk.last.seq < before.seq) throw new Broken(walk.last.seq + 1, 'LEDGER_TRUNCATED', `missing: the head row says the chain runs to seq ${before.seq}, it ends at seq ${walk.last.seq}`);
      const after = await store.head();
      if (after.seq < walk.last.seq) throw new Broken(after.seq + 1, 'LEDGER_CHAIN_BROKEN', `beyond the chain head: the head row ends the chain at seq ${after.seq} (appended outside the registry?)`);
      const stray = await checkpoints.peek();
      if (stray !== undefined && stray.seq > after.seq) throw new Broken(walk.last.seq + 1, 'LEDGER_TRUNCATED', `checkpoint at seq ${stray.seq}, but the chain ends at seq ${walk.last.seq} (entries removed from the end)`);
      // The unsigned tail: the registry checkpoints its head within seconds, so an entry that has waited longer
      // than allowed without one was appended behind it, or its checkpoint was deleted.
      const signed = checkpoints.last?.seq ?? 0;
      if (walk.uncovered !== null && options.now !== undefined) {
        const allowed = (options.maxUnsignedAgeSeconds ?? 10) * 1000;
        if (options.now.getTime() - Date.parse(walk.uncovered.at) > allowed) {
          throw new Broken(walk.uncovered.seq, 'LEDGER_HEAD_NOT_CHECKPOINTED', `seq ${walk.uncovered.seq} to ${walk.last.seq} have no checkpoint, and seq ${walk.uncovered.seq} was appended at ${walk.uncovered.at}, more than ${allowed / 1000} s ago (appended behind the registry, or its checkpoint deleted)`);
        }
      }
      if (!workers && options.registryCertificate !== undefined) {
        const tail = await receiptFailures(store, keys, signed, walk.last.seq, pageSize);
        failures.push(...tail.failures);
        tailChecked = tail.checked;
      }
    } catch (error) {
      if (!(error instanceof Broken)) throw error;
      failures.push({ seq: error.seq, code: error.code, reason: error.message });
      // A checkpoint (or the head row) that disagrees with a chain that recomputes: some entry of its segment was
      // rewritten and the chain recomputed after it. Its receipt, which only the registry can sign, names it.
      if (!workers && options.registryCertificate !== undefined && (error.code === 'LEDGER_CHECKPOINT_MISMATCH' || error.code === 'LEDGER_HEAD_ROW_MISMATCH' || error.code === 'LEDGER_TRUNCATED')) {
        const from = checkpoints.last?.seq ?? 0;
        failures.push(...(await receiptFailures(store, keys, from, Math.min(error.seq, walk.last.seq), pageSize)).failures);
      }
    }
    if (workers) failures.push(...(await workers.finish()));
  } finally {
    await workers?.close();
  }
  const ordered = first(failures);
  const [worst] = ordered;
  if (worst !== undefined) {
    return { ok: false, seq: worst.seq, code: worst.code, reason: worst.reason, entries: Math.max(0, worst.seq - 1), also: ordered.slice(1, 5) };
  }
  return {
    ok: true,
    entries: walk.last.seq,
    head: walk.last,
    checkpoints: checkpoints.verified,
    anchored: options.ca !== undefined,
    receipts: workers ? walk.last.seq : tailChecked,
    signatures: options.signatures ? walk.last.seq : 0,
    unsignedTail: walk.last.seq - (checkpoints.last?.seq ?? 0),
  };
}
