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
import { Worker } from 'node:worker_threads';
import { GENESIS_HASH, type ChainHead, type LedgerEntry } from '../model.ts';
import type { LedgerStore, ParticipantStore } from '../storage/ports.ts';
import { keysToTransfer, type BrokenCode, type Failure } from './checks.ts';
import { ledgerKeys, registeredCertificates } from './verify-anchor.ts';
import type { SpanOutcome, SpanSetup, SpanSource } from './verify-span-worker.ts';
import { Broken, CheckpointCursor, failuresOf, receiptFailures, Walk, walkSpan } from './verify-walk.ts';
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
  /**
   * The database again, for a worker thread that walks the second half of a long chain on its own connection while
   * this thread walks the first (not with `receipts` or `signatures`, whose workers take both cores).
   */
  parallel?: SpanSource & { from?: number };
  /** Called now and then on a long walk with the entries walked so far and the head's seq. */
  progress?: (walked: number, head: number) => void;
}

export type VerifyResult =
  | { ok: true; entries: number; head: ChainHead; checkpoints: number; anchored: boolean; receipts: number; signatures: number; unsignedTail: number }
  | { ok: false; seq: number; code: BrokenCode; reason: string; entries: number; also: Failure[] };

/** Which failure at one seq is named first: the chain's own word before the statements about it. */
const ORDER: BrokenCode[] = [
  'LEDGER_CHAIN_BROKEN', 'LEDGER_HEAD_ROW_MISMATCH', 'LEDGER_TRUNCATED', 'LEDGER_RECEIPT_INVALID', 'LEDGER_CHECKPOINT_MISMATCH',
  'LEDGER_CHECKPOINT_SIGNATURE_INVALID', 'LEDGER_CHECKPOINT_MISSING', 'LEDGER_HEAD_NOT_CHECKPOINTED', 'LEDGER_RECORD_SIGNATURE_INVALID',
];
const first = (failures: Failure[]): Failure[] => [...failures].sort((a, b) => a.seq - b.seq || ORDER.indexOf(a.code) - ORDER.indexOf(b.code));

/** Below this many entries (by default) the chain is walked by one thread: a worker's start costs more than it saves. */
const PARALLEL_FROM = 100_000;

/** The second half of the chain, walked by a worker on its own connection: its outcome, and how to stop it. */
function spanWorker(setup: SpanSetup): { outcome: Promise<SpanOutcome>; stop: () => Promise<number> } {
  // A worker does not inherit tsx's loader: it registers it first, as bin/kouan.js does.
  const script = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./verify-span-worker.ts', import.meta.url).href)}); })`;
  const worker = new Worker(script, { eval: true, workerData: setup });
  const outcome = new Promise<SpanOutcome>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', (error) => resolve({ error: error.message }));
  });
  return { outcome, stop: () => worker.terminate() };
}

export async function verifyLedger(store: LedgerStore, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 1000;
  const keys = await ledgerKeys(store, options.ca, options.registryCertificate);
  const rules = { ...(options.maxUnsignedAgeSeconds === undefined ? {} : { maxUnsignedAgeSeconds: options.maxUnsignedAgeSeconds }), ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }) };
  let checkpoints = new CheckpointCursor(store, pageSize);
  let walk = new Walk(checkpoints, keys, rules, { last: { seq: 0, hash: GENESIS_HASH }, uncovered: null });
  const everyReceipt = options.receipts === true || options.signatures !== undefined;
  // Receipts are checked (the tail's, a failing segment's) only against a registry certificate from outside the database.
  const anchoredReceipts = options.registryCertificate !== undefined;
  let workers: SignatureWorkers | null = null;
  if (everyReceipt) {
    if (options.signatures && !options.ca) throw new Error('checking record signatures needs the data-space CA');
    const participants = options.signatures && options.ca ? await registeredCertificates(options.signatures.participants) : [];
    workers = new SignatureWorkers({ keys, participants, ca: options.ca ?? null, receipts: true, signatures: options.signatures !== undefined }, options.signatures?.workers);
  }
  const failures: Failure[] = [];
  let tailChecked = 0;
  let verified = 0;
  let span: ReturnType<typeof spanWorker> | null = null;
  try {
    // The head row moves with every append, in the same transaction. Read before the walk, it must be on the chain
    // (truncation shows here); read after, it must not be behind the last entry read (entries added outside the
    // registry show here). Appends that commit during the walk only move it further on.
    const before = await store.head();
    let reported = performance.now();
    const progress = options.progress
      ? () => {
          if (performance.now() - reported < 1000) return;
          options.progress!(walk.last.seq, before.seq);
          reported = performance.now();
        }
      : undefined;
    const spanOptions = { pageSize, before, ...(workers ? { onPage: (page: LedgerEntry[]) => workers!.send(page) } : {}), ...(progress ? { progress } : {}) };
    // A long chain without signature workers is walked in two halves at once, split at a checkpoint near its middle.
    let to = Infinity;
    const [middle] = options.parallel && !workers && before.seq >= (options.parallel.from ?? PARALLEL_FROM) ? await store.checkpoints(Math.floor(before.seq / 2), 1) : [];
    if (options.parallel && middle !== undefined && middle.seq < before.seq) {
      to = middle.seq;
      const source = { db: options.parallel.db, ...(options.parallel.schema === undefined ? {} : { schema: options.parallel.schema }) };
      span = spanWorker({ source, keys: keysToTransfer(keys), from: { seq: middle.seq, hash: middle.hash }, to: before.seq, before, pageSize, rules, receipts: anchoredReceipts });
    }
    try {
      await walkSpan(store, walk, to, spanOptions);
      if (span) {
        const outcome = await span.outcome;
        if ('error' in outcome) throw new Error(`the worker walking seq ${to + 1} to ${before.seq}: ${outcome.error}`);
        if (!outcome.ok) {
          failures.push(...outcome.failures);
          throw new Halt();
        }
        // Carry on from where the worker stopped: checkpoints after it, entries appended since the head was read.
        verified = checkpoints.verified + outcome.verified;
        const lastCheckpoint = outcome.lastCheckpoint ?? checkpoints.last;
        checkpoints = new CheckpointCursor(store, pageSize, outcome.state.last.seq);
        checkpoints.last = lastCheckpoint;
        walk = new Walk(checkpoints, keys, rules, outcome.state);
        await walkSpan(store, walk, Infinity, spanOptions);
      }
      if (walk.last.seq < before.seq) throw new Broken(walk.last.seq + 1, 'LEDGER_TRUNCATED', `missing: the head row says the chain runs to seq ${before.seq}, it ends at seq ${walk.last.seq}`);
      const after = await store.head();
      if (after.seq < walk.last.seq) throw new Broken(after.seq + 1, 'LEDGER_CHAIN_BROKEN', `beyond the chain head: the head row ends the chain at seq ${after.seq} (appended outside the registry?)`);
      const stray = await checkpoints.peek();
      if (stray !== undefined && stray.seq > after.seq) throw new Broken(walk.last.seq + 1, 'LEDGER_TRUNCATED', `checkpoint at seq ${stray.seq}, but the chain ends at seq ${walk.last.seq} (entries removed from the end)`);
      // The unsigned tail: the registry checkpoints its head within seconds, so an entry that has waited longer
      // than allowed without one was appended behind it, or its checkpoint was deleted.
      const uncovered = walk.state.uncovered;
      if (uncovered !== null && options.now !== undefined) {
        const allowed = (options.maxUnsignedAgeSeconds ?? 10) * 1000;
        if (options.now.getTime() - Date.parse(uncovered.at) > allowed) {
          throw new Broken(uncovered.seq, 'LEDGER_HEAD_NOT_CHECKPOINTED', `seq ${uncovered.seq} to ${walk.last.seq} have no checkpoint, and seq ${uncovered.seq} was appended at ${uncovered.at}, more than ${allowed / 1000} s ago (appended behind the registry, or its checkpoint deleted)`);
        }
      }
      if (!workers && anchoredReceipts) {
        const tail = await receiptFailures(store, keys, checkpoints.last?.seq ?? 0, walk.last.seq, pageSize);
        failures.push(...tail.failures);
        tailChecked = tail.checked;
      }
    } catch (error) {
      if (error instanceof Halt) {
        // the worker's failures are in already
      } else if (error instanceof Broken) {
        failures.push(...(await failuresOf(error, store, keys, checkpoints.last?.seq ?? 0, walk.last.seq, pageSize, anchoredReceipts && !workers)));
      } else {
        throw error;
      }
    }
    if (workers) failures.push(...(await workers.finish()));
  } finally {
    await span?.stop();
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
    checkpoints: span ? verified + checkpoints.verified : checkpoints.verified,
    anchored: options.ca !== undefined,
    receipts: workers ? walk.last.seq : tailChecked,
    signatures: options.signatures ? walk.last.seq : 0,
    unsignedTail: walk.last.seq - (checkpoints.last?.seq ?? 0),
  };
}

/** Stops the walk when the worker found the first failure in its half (the main thread's half held). */
class Halt extends Error {}
