/** What the registry keeps: participants with their regulatory attributes, and the hash-chained ledger. */
import type { RecordKind } from '../records/emitter.ts';
import type { Grade } from './credit.ts';

export type ParticipantStatus = 'active' | 'suspended';

/** A participant as the data-port operator registered it; the attributes that change live here, not in certificates. */
export interface Participant {
  id: string;
  legalName: string;
  /** ISO 3166-1 alpha-2; must be the country in its certificate. */
  country: string;
  /** Critical information infrastructure operator. */
  ciio: boolean;
  /** Free-trade zone it is registered in (e.g. CN-SH-FTZ), or null. */
  ftz: string | null;
  /**
   * Attributes the export rules read besides CIIO and FTZ: a state organ (PIPL arts. 36-37), foreign control
   * (HGR Regs art. 7), registration in the Greater Bay Area. Absent in records written before they were kept: false.
   */
  stateOrgan?: boolean;
  foreignControlled?: boolean;
  gba?: boolean;
  /** The Dataspace Protocol base URL of its connector (https://), or null; absent in records written before it was kept. */
  dspUrl?: string | null;
  /** Credit grade set by the operator, or null; the grade in effect is the stricter of it and the computed one (credit.ts). */
  creditGrade: Grade | null;
  /** Every grade the operator set (null: cleared), oldest first; spot checks take the one in effect at a flow. Absent in records written before grading. */
  creditGrades?: Array<{ grade: Grade | null; at: string }>;
  /** base64url SHA-256 of the certificate the connector must present (RFC 8705 x5t#S256). */
  certThumbprint: string;
  /** The registered certificate, when the operator gave the PEM rather than its thumbprint. */
  certificatePem: string | null;
  /**
   * The participant's registered certificates the registry has seen presented (serial, thumbprint, first seen), oldest
   * first: grading counts those the CA's CRL revokes. Absent in records written before grading counted revocations.
   */
  certificates?: Array<{ serial: string; thumbprint: string; since: string }>;
  /**
   * Every certificate the operator registered for the participant (PEM when given), oldest first, each from the time
   * it was registered: `kouan ledger verify --signatures` checks a record against the one in force when it was
   * appended. Absent in records written before the history was kept (the current certificate then stands for all).
   */
  registeredCertificates?: Array<{ certificatePem: string | null; certThumbprint: string; since: string }>;
  status: ParticipantStatus;
  suspension: { reason: string; at: string } | null;
  /** Every suspension, oldest first (the current one is also `suspension`); grading counts them. Absent in records written before grading. */
  suspensions?: Array<{ reason: string; at: string }>;
  registeredAt: string;
  updatedAt: string;
}

/** The "previous hash" of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The end of the chain: the last entry's sequence number and hash (seq 0 and GENESIS_HASH when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** One ledger entry: a record as the connector signed it, where it stands in the chain, and its hash. */
export interface LedgerEntry {
  seq: number;
  recordId: string;
  kind: RecordKind;
  participant: string;
  /** The record's RFC 8785 canonical JSON text: exactly what the connector signed and what is hashed. */
  record: string;
  /** The connector's detached JWS over `record`. */
  signature: string;
  /** When the registry appended it (ISO 8601, the registry's clock). */
  receivedAt: string;
  /** Lower-case hex SHA-256 linking this entry to the previous one (docs/registry/ledger.md). */
  hash: string;
  /** The registry's detached JWS over the entry's receipt document; not part of the chain. */
  receipt: string;
}

/** A signed statement of the chain's head at a sequence number. */
export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  /** The registry's detached JWS over { seq, headHash, at }. */
  signature: string;
}

/** A ledger signing key, bound to the registry's certificate by a signature of that certificate's key. */
export interface LedgerKey {
  /** RFC 7638 thumbprint of the public JWK; the `kid` of every receipt and checkpoint it signs. */
  kid: string;
  /** The public key as a JWK (JSON text). */
  jwk: string;
  /** The registry's certificate (PEM) whose key signed the binding. */
  certificatePem: string;
  /** Detached JWS by the certificate's key over the binding document { kid, jwk, registry, certThumbprint, at }. */
  binding: string;
  createdAt: string;
}
