/**
 * The control plane's aggregates. Plain data: services change them through the state machines in
 * ./negotiation and ./transfer, stores persist them through the ports in src/storage/ports.ts.
 */
import type { ExportPath, Reason } from '../policy/decision.ts';

export type Grade = 'general' | 'important' | 'core';
export type DataFormat = 'ndjson' | 'json' | 'csv';

/** What a provider knows about a dataset: its classification decides which policies apply. */
export interface Asset {
  id: string;
  title: string;
  description: string;
  classification: {
    grade: Grade;
    domain: string;
    categories: string[];
    pi: {
      subjects: number;
      sensitiveSubjects: number;
      sensitiveKinds: string[];
      /** Fields holding personal information, for obligations (drop / mask / pseudonymise): keys or JSON Pointers. */
      fields: string[];
      /** The field that identifies a data subject, counted as a keyed hash: a key or a JSON Pointer. */
      subjectIdField: string | null;
    };
    hgr: { present: boolean; sequencingSubjects: number };
    exportControlled: boolean;
    /** An exempting scenario of Provisions arts. 3-5 (trade_no_pi, transit, contract_with_individual, hr_management, emergency) or null. */
    scenario: string | null;
  };
  /**
   * Where the gateway fetches the data and in which representation: it asks for `format` and forwards nothing
   * else; `query` names the parameters a consumer may add to the backend request (none when absent).
   */
  backend: { url: string; format: DataFormat; headers?: Record<string, string>; query?: string[] };
  createdAt: string;
}

/** An ODRL-style usage policy (kouan/contract input). */
export interface UsagePolicy {
  permissions: Array<{ action: string; constraints?: Constraint[]; duties?: Duty[] }>;
  prohibitions?: Array<{ action: string; constraints?: Constraint[] }>;
  obligations?: Duty[];
}
export interface Constraint {
  leftOperand: string;
  operator: string;
  rightOperand: unknown;
}
export interface Duty {
  action: string;
  [parameter: string]: unknown;
}

/** A contract offer for an asset, published in the catalog. */
export interface Offer {
  id: string;
  assetId: string;
  policy: UsagePolicy;
  createdAt: string;
}

export type Role = 'provider' | 'consumer';

/** Negotiation states as -ING / -ED pairs; FINALIZED and TERMINATED are final. */
export type NegotiationState =
  | 'INITIAL'
  | 'REQUESTING'
  | 'REQUESTED'
  | 'OFFERING'
  | 'OFFERED'
  | 'ACCEPTING'
  | 'ACCEPTED'
  | 'AGREEING'
  | 'AGREED'
  | 'VERIFYING'
  | 'VERIFIED'
  | 'FINALIZING'
  | 'FINALIZED'
  | 'TERMINATING'
  | 'TERMINATED';

/**
 * What a connector does on its own after a protocol event: each step starts one -ING state. Production decides
 * them from fixed rules (control-plane/plan.ts); the conformance profile follows the kit's per-id scripts.
 */
export type NegotiationEvent = 'requested' | 'counterRequested' | 'offered' | 'accepted' | 'agreed' | 'verified';
export type NegotiationStep = 'offer' | 'agree' | 'finalize' | 'accept' | 'counterRequest' | 'verify' | 'terminate';
export type TransferEvent = 'requested' | 'started';
export type TransferStep = 'start' | 'suspend' | 'complete' | 'terminate';

export interface Counterparty {
  participantId: string;
  /** The counterparty's DSP base URL (https://host:port/dsp/2025-1). */
  address: string;
  /** Its country as attested by its certificate; null until it has been seen on a connection. */
  country: string | null;
  /** Thumbprint of the certificate it last presented (access tokens are bound to it). */
  certThumbprint?: string | null;
}

export interface ContractNegotiation {
  id: string;
  role: Role;
  /** Our own process id in the protocol (consumerPid for a consumer, providerPid for a provider). */
  consumerPid: string;
  providerPid: string | null;
  counterparty: Counterparty;
  state: NegotiationState;
  /** How many times the current state has been attempted (for retries with backoff). */
  stateCount: number;
  stateTimestamp: string;
  offer: Offer;
  /** What the consumer declared with its request: purpose and the duties it accepts. */
  terms: { purpose: string | null; acceptedObligations: string[] };
  agreementId: string | null;
  /** Why it was terminated (reason codes from the policies or the counterparty). */
  reasons: Reason[];
  /** Where the counterparty wants callbacks (consumer role of the peer). */
  callbackAddress: string | null;
  /** Steps still to take on our own after the current -ING one (only scripts plan more than one step). */
  plan?: NegotiationStep[];
  /** The current -ING step is not taken before this time (a script's pause; production never waits). */
  notBefore?: string;
  createdAt: string;
  updatedAt: string;
}

/** A concluded contract, signed by both parties over its canonical JSON. */
export interface ContractAgreement {
  id: string;
  negotiationId: string;
  providerId: string;
  consumerId: string;
  consumerCountry: string;
  assetId: string;
  policy: UsagePolicy;
  exportPath: ExportPath;
  /** Start and end of validity (ISO 8601). */
  start: string;
  end: string;
  signedAt: string;
  /** The DSP Agreement object both parties signed (detached JWS over its RFC 8785 form). */
  document: Record<string, unknown>;
  signatures: { provider: string | null; consumer: string | null };
  /** The consumer's declared purpose and accepted duties, replayed into every later policy decision. */
  terms: { purpose: string | null; acceptedObligations: string[] };
  /**
   * Whether the agreement's flows count towards the exporter's yearly thresholds: false only when an exempting
   * scenario of Provisions arts. 3-5 decided its export path (a scenario merely claimed for the asset does not).
   * Absent in agreements concluded before it was kept: they count.
   */
  counted?: boolean;
  /** What the filing record reports: approvals on record for this recipient and the filing deadlines (provider side). */
  filing?: { approvals: Array<{ kind: string; ref: string }>; deadlines: Array<{ type: string; due: string; ref: string | null }> };
  state: 'ACTIVE' | 'TERMINATED';
}

export type TransferState =
  | 'INITIAL'
  | 'REQUESTING'
  | 'REQUESTED'
  | 'STARTING'
  | 'STARTED'
  | 'SUSPENDING'
  | 'SUSPENDED'
  | 'RESUMING'
  | 'COMPLETING'
  | 'COMPLETED'
  | 'TERMINATING'
  | 'TERMINATED';

export interface TransferProcess {
  id: string;
  role: Role;
  consumerPid: string;
  providerPid: string | null;
  counterparty: Counterparty;
  agreementId: string;
  format: string;
  state: TransferState;
  stateCount: number;
  stateTimestamp: string;
  /** For HTTP-PULL: the endpoint data reference the provider issued (consumer side holds it). */
  dataAddress: Record<string, unknown> | null;
  callbackAddress: string | null;
  reasons: Reason[];
  /**
   * Who suspended it, when it was last suspended (states.ts: a provider's suspension is lifted by the provider only).
   * Kept in the stored document; absent in transfers recorded before it was kept.
   */
  suspendedBy?: Role | null;
  /** Steps still to take on our own after the current -ING one (only scripts plan more than one step). */
  plan?: TransferStep[];
  /** The current -ING step is not taken before this time (a script's pause; production never waits). */
  notBefore?: string;
  createdAt: string;
  updatedAt: string;
}

export type ApprovalKind = 'security_assessment' | 'standard_contract' | 'certification' | 'pipia' | 'hgr_approval' | 'export_licence';

/** An approval or filing on record with the exporter (kouan/export reads them). */
export interface Approval {
  id: string;
  kind: ApprovalKind;
  /** The entry exactly as the export policy's input names it (ref, recipient(s), dates...). */
  entry: { ref: string; [field: string]: unknown };
  createdAt: string;
}

/** What the exporter has already provided this calendar year (Beijing time), as the export policy reads it. */
export interface Cumulative {
  subjects: number;
  sensitiveSubjects: number;
}
