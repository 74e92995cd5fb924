/**
 * The per-entry checks `kouan ledger verify` makes besides the chain, written once for the main thread and the
 * worker threads: a receipt against the registry's ledger keys, a record's signature against the certificate that
 * was registered for its participant when the registry appended it. Each returns null or the failure.
 */
import { createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Code } from '../../core/codes.ts';
import { identityOfCertificate, thumbprint } from '../../trust/identity.ts';
import { canonicalJson, verifyCanonical } from '../../trust/jws.ts';
import type { LedgerEntry } from '../model.ts';
import { receiptOf } from './chain.ts';

/** The reason codes of a broken ledger (src/core/codes.ts). */
export type BrokenCode = Extract<Code, `LEDGER_${string}`>;

export interface Failure {
  seq: number;
  code: BrokenCode;
  reason: string;
}

/** The `kid` in a compact JWS's protected header, or '' when there is none to read. */
export function kidOf(jws: string): string {
  try {
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : '';
  } catch {
    return '';
  }
}

/** A ledger key the verifier trusts (vouched for by the registry's certificate), or why it does not. */
export type KeyVerdict = KeyObject | Error;

export function checkReceipt(entry: LedgerEntry, keys: ReadonlyMap<string, KeyVerdict>): Failure | null {
  const fail = (why: string): Failure => ({ seq: entry.seq, code: 'LEDGER_RECEIPT_INVALID', reason: `receipt of seq ${entry.seq}: ${why}` });
  const kid = kidOf(entry.receipt);
  const key = keys.get(kid);
  if (key === undefined) return fail(entry.receipt === '' ? 'there is none' : `signed with key '${kid}', which the registry's certificate does not vouch for`);
  if (key instanceof Error) return fail(`signed with a key that is not vouched for: ${key.message}`);
  try {
    verifyCanonical(canonicalJson(receiptOf(entry)), entry.receipt, key);
    return null;
  } catch {
    return fail(`does not verify over this entry (record id, seq, hash, time): the receipt or the entry was rewritten`);
  }
}

/** A certificate registered for a participant, from `since` on. */
export interface RegisteredCertificate {
  since: string;
  pem: string;
}

/** What a signature check uses of a registered certificate, read once. */
export interface UsableCertificate {
  since: string;
  key: KeyObject | null;
  thumbprint: string;
  /** Why the certificate cannot vouch for the participant's records (not the CA's, another participant's). */
  unusable: string | null;
}

export function usableCertificates(participant: string, registered: readonly RegisteredCertificate[], ca: X509Certificate): UsableCertificate[] {
  return registered.map(({ since, pem }) => {
    try {
      const cert = new X509Certificate(pem);
      const print = thumbprint(cert.raw);
      if (!(cert.checkIssued(ca) && cert.verify(ca.publicKey))) return { since, key: null, thumbprint: print, unusable: 'the registered certificate is not issued by the data-space CA' };
      const id = identityOfCertificate(cert).participantId;
      if (id !== participant) return { since, key: null, thumbprint: print, unusable: `the registered certificate is participant ${id}'s` };
      return { since, key: cert.publicKey, thumbprint: print, unusable: null };
    } catch (error) {
      return { since, key: null, thumbprint: '', unusable: `the registered certificate is unreadable: ${(error as Error).message}` };
    }
  });
}

/** The certificate registered for the participant at `at`: the latest registered no later, else the first. */
const inForce = (certs: readonly UsableCertificate[], at: string): UsableCertificate | undefined => {
  let chosen = certs[0];
  for (const c of certs) if (c.since <= at) chosen = c;
  return chosen;
};

export function checkRecordSignature(entry: LedgerEntry, certificates: ReadonlyMap<string, readonly UsableCertificate[]>): Failure | null {
  const fail = (why: string): Failure => ({ seq: entry.seq, code: 'LEDGER_RECORD_SIGNATURE_INVALID', reason: `record of seq ${entry.seq}: ${why}` });
  const cert = inForce(certificates.get(entry.participant) ?? [], entry.receivedAt);
  if (cert === undefined) return fail(`no certificate is registered for participant ${entry.participant}`);
  if (cert.key === null) return fail(cert.unusable ?? 'no usable certificate');
  let named: string;
  try {
    named = String((JSON.parse(entry.record) as { participant?: unknown }).participant);
  } catch {
    return fail('the record is not JSON');
  }
  if (named !== entry.participant) return fail(`the record names participant ${named}, the entry ${entry.participant}`);
  try {
    const header = verifyCanonical(entry.record, entry.signature, cert.key);
    if (header.thumbprint !== '' && header.thumbprint !== cert.thumbprint) return fail(`signed naming certificate ${header.thumbprint}, registered for ${entry.participant} at ${entry.receivedAt} was ${cert.thumbprint}`);
    return null;
  } catch {
    return fail(`the signature does not verify with the certificate registered for ${entry.participant} at ${entry.receivedAt}`);
  }
}

/** Public keys as workers receive them (a KeyObject does not cross threads as itself). */
export type KeyTransfer = Array<[string, JsonWebKey | string]>;

export const keysToTransfer = (keys: ReadonlyMap<string, KeyVerdict>): KeyTransfer =>
  [...keys].map(([kid, key]) => [kid, key instanceof Error ? key.message : key.export({ format: 'jwk' })]);

export const keysFromTransfer = (keys: KeyTransfer): Map<string, KeyVerdict> =>
  new Map(keys.map(([kid, key]) => [kid, typeof key === 'string' ? new Error(key) : createPublicKey({ key, format: 'jwk' })]));
