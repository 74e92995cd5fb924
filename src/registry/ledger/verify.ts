/**
 * Recomputes the chain from its first entry: every hash, every sequence number, every checkpoint (its head hash
 * and its signature, through the key's binding to the registry's certificate) and the head row. Reads pages in
 * seq order, so memory stays the same however long the chain; stops at the first broken entry and says why.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { canonicalJson, verifyCanonical } from '../../trust/jws.ts';
import { GENESIS_HASH, type ChainHead, type Checkpoint } from '../model.ts';
import type { ChainedLink, LedgerStore } from '../storage/ports.ts';
import { checkpointDocument, entryHash } from './chain.ts';
import { boundPublicKey } from './signer.ts';

export interface VerifyOptions {
  /** Entries per read (default 1,000: larger pages cost more in garbage collection than they save in reads). */
  pageSize?: number;
  /** The data-space CA: checkpoint keys must be bound by a certificate it issued. Without it, any bound key counts. */
  ca?: X509Certificate;
}

export type VerifyResult =
  | { ok: true; entries: number; head: ChainHead; checkpoints: number; anchored: boolean }
  | { ok: false; seq: number; reason: string; entries: number };

/** The first broken place, thrown inside the walk and turned into the result. */
class Broken extends Error {
  constructor(readonly seq: number, reason: string) {
    super(reason);
  }
}

const short = (hash: string): string => `${hash.slice(0, 12)}…`;

/** Checkpoints in seq order, read a page at a time as the walk reaches them. */
class CheckpointCursor {
  #page: Checkpoint[] = [];
  #after = 0;
  #done = false;
  verified = 0;

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
    this.#page.shift();
    this.verified += 1;
  }
}

class Walk {
  last: ChainHead = { seq: 0, hash: GENESIS_HASH };
  readonly #keys = new Map<string, KeyObject | Error>();

  constructor(private readonly checkpoints: CheckpointCursor, keys: Map<string, KeyObject | Error>) {
    this.#keys = keys;
  }

  /** The seq of the next checkpoint to check (Infinity when none is left); entries before it need no read. */
  next = 0;

  link(entry: ChainedLink): void {
    const expected = this.last.seq + 1;
    if (entry.seq !== expected) throw new Broken(expected, `missing: the entry after seq ${this.last.seq} is seq ${entry.seq}`);
    const recomputed = entryHash(this.last.hash, entry);
    if (recomputed !== entry.hash) {
      throw new Broken(entry.seq, `hash mismatch: stored ${short(entry.hash)}, recomputed ${short(recomputed)} from the previous hash and the entry (changed, moved or inserted)`);
    }
    this.last = { seq: entry.seq, hash: entry.hash };
  }

  /** Checks the checkpoints at or before `seq`; one before it stands where no entry was. */
  async checkpointsUpTo(seq: number): Promise<void> {
    for (let c = await this.checkpoints.peek(); c !== undefined && c.seq <= seq; c = await this.checkpoints.peek()) {
      if (c.seq !== seq) throw new Broken(c.seq, `checkpoint at seq ${c.seq} stands where the chain has no entry`);
      if (c.hash !== this.last.hash) throw new Broken(c.seq, `checkpoint says head ${short(c.hash)}, the chain has ${short(this.last.hash)}`);
      this.checkSignature(c);
      this.checkpoints.take();
    }
    this.next = (await this.checkpoints.peek())?.seq ?? Infinity;
  }

  checkSignature(c: Checkpoint): void {
    let kid = '';
    try {
      kid = String((JSON.parse(Buffer.from(c.signature.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown }).kid ?? '');
    } catch {
      throw new Broken(c.seq, 'checkpoint signature is not a JWS');
    }
    const key = this.#keys.get(kid);
    if (key === undefined) throw new Broken(c.seq, `checkpoint signed with unknown key '${kid}'`);
    if (key instanceof Error) throw new Broken(c.seq, `checkpoint signed with a key that is not vouched for: ${key.message}`);
    try {
      verifyCanonical(canonicalJson(checkpointDocument(c)), c.signature, key);
    } catch {
      throw new Broken(c.seq, `checkpoint signature does not verify with key ${kid}`);
    }
  }
}

/** Each stored key's public key, or why it is not vouched for. */
async function ledgerKeys(store: LedgerStore, ca: X509Certificate | undefined): Promise<Map<string, KeyObject | Error>> {
  const keys = new Map<string, KeyObject | Error>();
  for (const key of await store.keys()) {
    try {
      keys.set(key.kid, boundPublicKey(key, ca));
    } catch (error) {
      keys.set(key.kid, error as Error);
    }
  }
  return keys;
}

export async function verifyLedger(store: LedgerStore, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 1000;
  const checkpoints = new CheckpointCursor(store, pageSize);
  const walk = new Walk(checkpoints, await ledgerKeys(store, options.ca));
  try {
    // The head row moves with every append, in the same transaction. Read before the walk, it must be on the chain
    // (truncation shows here); read after, it must not be behind the last entry read (entries added outside the
    // registry show here). Appends that commit during the walk only move it further on.
    const before = await store.head();
    for (;;) {
      const page = await store.links(walk.last.seq, pageSize);
      for (const entry of page) {
        walk.link(entry);
        if (entry.seq >= walk.next) await walk.checkpointsUpTo(entry.seq);
        if (entry.seq === before.seq && entry.hash !== before.hash) throw new Broken(entry.seq, `the head row says hash ${short(before.hash)}, the chain has ${short(entry.hash)}`);
      }
      if (page.length < pageSize) break;
    }
    if (walk.last.seq < before.seq) throw new Broken(walk.last.seq + 1, `missing: the head row says the chain runs to seq ${before.seq}, it ends at seq ${walk.last.seq}`);
    const after = await store.head();
    if (after.seq < walk.last.seq) throw new Broken(after.seq + 1, `beyond the chain head: the head row ends the chain at seq ${after.seq} (appended outside the registry?)`);
    const stray = await checkpoints.peek();
    if (stray !== undefined && stray.seq > after.seq) throw new Broken(stray.seq, `checkpoint at seq ${stray.seq}, but the chain ends at seq ${walk.last.seq} (entries removed from the end)`);
    return { ok: true, entries: walk.last.seq, head: walk.last, checkpoints: checkpoints.verified, anchored: options.ca !== undefined };
  } catch (error) {
    if (error instanceof Broken) return { ok: false, seq: error.seq, reason: error.message, entries: Math.max(0, error.seq - 1) };
    throw error;
  }
}
