import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { PolicyDataStatus } from '../policy/bundle.ts';
import type { PolicyEngine } from '../policy/engine.ts';
import type { ControlPlaneStores } from '../storage/ports.ts';
import type { LocalIdentity, PeerIdentity } from '../trust/identity.ts';
import type { PeerDirectory } from './callbacks.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { Cumulative } from './model.ts';
import type { RecordEmitter } from '../records/emitter.ts';
import type { ProtocolScript } from './plan.ts';
import type { ExporterProfile } from './policy-inputs.ts';

/** Everything the control plane's services need, wired once in src/main. */
export interface ControlPlaneDeps {
  self: LocalIdentity;
  stores: ControlPlaneStores;
  policy: PolicyEngine;
  /** Which policy-data bundle from the registry is in force (absent without a registry). */
  policyData?: () => PolicyDataStatus;
  /** Whether this connector can take part (certificate, CRL, registry, outbox: src/main/health.ts); absent in the conformance profile. */
  health?: () => Promise<{ status: 'ok' | 'failing'; participantId: string }>;
  clock: Clock;
  dispatcher: Dispatcher;
  log: Logger;
  /** This participant's regulatory attributes as exporter (CIIO, free-trade zone). */
  exporter: () => Promise<ExporterProfile>;
  /** What this exporter has already provided this calendar year. */
  cumulative: () => Promise<Cumulative>;
  /** Agreement signatures: required between Kouan connectors; the conformance profile accepts unsigned ones. */
  requireSignatures: boolean;
  /** Signs filing and denial records into the outbox for the registry (null in the conformance profile). */
  records: RecordEmitter | null;
  /** Our own DSP base URL, given to counterparties as callbackAddress. */
  callbackAddress: string;
  /**
   * Where each counterparty may be called back (callbacks.ts): a callbackAddress must be https:// at one of its
   * endpoints here. Null only in the conformance profile, whose kit calls back over plain HTTP (docs/tck.md).
   */
  peerDirectory: PeerDirectory | null;
  /** What this connector does on its own after each protocol event: null follows production's rules (plan.ts); the conformance profile sets the kit's scripts. */
  script: ProtocolScript | null;
}

/** A caller as the protocol routes see it: attested identity and the public key of its certificate. */
export interface Caller {
  peer: PeerIdentity;
  key: KeyObject | null;
}
