/**
 * The hash chain, defined once (docs/registry/ledger.md):
 *
 *   hash(n) = lower-hex SHA-256( UTF-8( hash(n-1) ‖ canonical(entry n) ) ),   hash(0) = GENESIS_HASH (64 zeros)
 *
 * where hash(n-1) is the 64-character hex text and canonical(entry n) is the RFC 8785 JSON of
 * { kind, participant, receivedAt, record, recordId, seq, signature } with `record` the record object itself.
 */
import { hash } from 'node:crypto';
import type { LedgerEntry } from '../model.ts';

/** What is hashed of an entry: everything but its own hash and the receipt (which is made from the hash). */
export type ChainLink = Pick<LedgerEntry, 'seq' | 'recordId' | 'kind' | 'participant' | 'record' | 'signature' | 'receivedAt'>;

/**
 * canonical(entry), written out with the members in RFC 8785 order. The record is stored as its RFC 8785 text,
 * and strings and safe integers serialise in RFC 8785 exactly as JSON.stringify writes them, so this equals
 * canonicalJson({ ...link, record: JSON.parse(link.record) }) without parsing and re-serialising the record.
 */
export function canonicalEntry(link: ChainLink): string {
  const s = JSON.stringify;
  return `{"kind":${s(link.kind)},"participant":${s(link.participant)},"receivedAt":${s(link.receivedAt)},"record":${link.record},"recordId":${s(link.recordId)},"seq":${s(link.seq)},"signature":${s(link.signature)}}`;
}

/** The entry's hash, given the previous entry's. */
export function entryHash(previous: string, link: ChainLink): string {
  return hash('sha256', previous + canonicalEntry(link), 'hex');
}

/** The document a receipt signs: the registry's word that the record is in the chain at `seq`. */
export interface Receipt {
  recordId: string;
  seq: number;
  entryHash: string;
  receivedAt: string;
}

export const receiptOf = (entry: LedgerEntry): Receipt => ({ recordId: entry.recordId, seq: entry.seq, entryHash: entry.hash, receivedAt: entry.receivedAt });

/** The document a checkpoint signs: the chain's head at `seq`. */
export interface CheckpointDocument {
  seq: number;
  headHash: string;
  at: string;
}

export const checkpointDocument = (checkpoint: { seq: number; hash: string; at: string }): CheckpointDocument => ({ seq: checkpoint.seq, headHash: checkpoint.hash, at: checkpoint.at });
