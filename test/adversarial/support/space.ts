/**
 * The data space an attack runs in: a test CA, a registry intake that keeps the records connectors send, a
 * consumer connector (the attacker: a valid certificate, valid agreements), and providers on SQLite or
 * PostgreSQL with assets and offers made through their management API.
 */
import type { ContractNegotiation, TransferProcess } from '../../../src/control-plane/model.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { edrOf, type EndpointDataReference } from '../../../src/data-plane/pull.ts';
import { PeerClient } from '../../../src/trust/client.ts';
import { TokenIssuer } from '../../../src/trust/tokens.ts';
import type { TrustStore } from '../../../src/trust/trust-store.ts';
import { startTestConnector, type TestConnector } from '../../support/connectors.ts';
import { TestPki } from '../../support/pki.ts';
import { TestReceiver } from '../../support/receiver.ts';
import { until } from '../../support/until.ts';

export const CONSUMER = 'pharma-de';

export interface Space {
  pki: TestPki;
  receiver: TestReceiver;
  consumer: TestConnector;
  consumerTrust: TrustStore;
  /** The consumer's mutual-TLS client (its own certificate). */
  peers: PeerClient;
  close(): Promise<void>;
}

export const registryOf = (receiver: TestReceiver) => ({ participantId: 'data-port', url: receiver.url, deliveryIntervalMs: 20, backoffMaxMs: 100 });

export async function openSpace(): Promise<Space> {
  const pki = await TestPki.create();
  const receiver = new TestReceiver(await pki.trust(pki.issue('data-port', 'CN')));
  await receiver.up();
  const consumer = await startTestConnector(pki, CONSUMER, 'DE', { metrics: { enabled: false } });
  const consumerTrust = await pki.trust({ cert: consumer.config.tls.cert, key: consumer.config.tls.key });
  const peers = new PeerClient(consumerTrust, new TokenIssuer(consumerTrust.identity, systemClock));
  return {
    pki, receiver, consumer, consumerTrust, peers,
    async close() {
      await peers.close();
      consumerTrust.close();
      await Promise.all([consumer.stop(), receiver.down()]);
      pki.cleanup();
    },
  };
}

export interface Storage {
  postgresUrl: string;
  postgresSchema: string;
}

/** A provider in China sending its records to the space's registry; SQLite unless `storage` names a PostgreSQL schema. */
export async function startProvider(space: Space, participantId: string, storage?: Storage): Promise<TestConnector> {
  const provider = await startTestConnector(space.pki, participantId, 'CN', {
    metrics: { enabled: false },
    registry: registryOf(space.receiver),
    peers: [{ participantId: CONSUMER, dspUrl: space.consumer.dspUrl }],
    ...(storage ? { storage } : {}),
  });
  await approveExports(provider);
  return provider;
}

/** The PIPIA and the filed standard contract a provider needs to send (sensitive) personal information to the consumer. */
export async function approveExports(provider: Pick<TestConnector, 'api'>): Promise<void> {
  await provider.api('POST', '/approvals', { id: 'pipia', kind: 'pipia', entry: { ref: 'PIPIA-ADV', recipient: CONSUMER, date: '2026-01-10' } });
  await provider.api('POST', '/approvals', { id: 'scc', kind: 'standard_contract', entry: { ref: 'SCC-ADV', recipient: CONSUMER, effective: '2026-01-05', filing_ref: 'FILED-ADV' } });
}

export interface PiSpec {
  /** Fields holding personal information (plain keys or JSON Pointers). */
  fields: string[];
  subjectIdField: string | null;
  sensitive?: boolean;
}

/** An asset's classification: records about persons (pi) or none (pi omitted). */
export function classification(pi?: PiSpec) {
  if (!pi) {
    return {
      grade: 'general', domain: 'automobile', categories: ['annotation'],
      pi: { subjects: 0, sensitiveSubjects: 0, sensitiveKinds: [], fields: [], subjectIdField: null },
      hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
    };
  }
  return {
    grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial'],
    pi: { subjects: 500, sensitiveSubjects: pi.sensitive ? 500 : 0, sensitiveKinds: pi.sensitive ? ['medical_health'] : [], fields: pi.fields, subjectIdField: pi.subjectIdField },
    hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
  };
}

export interface Constraint {
  leftOperand: string;
  operator: string;
  rightOperand: unknown;
}

export interface Duty {
  action: 'drop_fields' | 'mask_fields' | 'pseudonymise_fields';
  fields: string[];
}

export interface AssetSpec {
  id: string;
  url: string;
  format: 'ndjson' | 'json' | 'csv';
  /** Query parameters a consumer may add (the asset backend's `query`); omitted: none. */
  query?: string[];
  pi?: PiSpec;
  constraints?: Constraint[];
  duties?: Duty[];
}

/** Creates the asset and its offer on the provider (the management API must accept both). */
export async function publish(provider: Pick<TestConnector, 'api'>, spec: AssetSpec): Promise<void> {
  const backend = { url: spec.url, format: spec.format, ...(spec.query ? { query: spec.query } : {}) };
  const asset = await provider.api('POST', '/assets', { id: spec.id, title: spec.id, classification: classification(spec.pi), backend });
  if (asset.status !== 201) throw new Error(`asset ${spec.id} refused: ${asset.status} ${JSON.stringify(asset.body)}`);
  const permission = { action: 'use', ...(spec.constraints?.length ? { constraints: spec.constraints } : {}), ...(spec.duties?.length ? { duties: spec.duties } : {}) };
  const offer = await provider.api('POST', '/offers', { id: `offer-${spec.id}`, assetId: spec.id, policy: { permissions: [permission] } });
  if (offer.status !== 201) throw new Error(`offer for ${spec.id} refused: ${offer.status} ${JSON.stringify(offer.body)}`);
}

export interface Agreed {
  /** The consumer's transfer. */
  transfer: TransferProcess;
  /** The provider's id of the transfer (what the gateway and its records name). */
  transferId: string;
  agreementId: string;
  edr: EndpointDataReference;
}

/** The consumer negotiates the asset's offer (accepting its duties) and starts an HTTP-PULL transfer. */
export async function agree(space: Space, provider: { participantId: string; dspUrl: string }, spec: AssetSpec): Promise<Agreed> {
  const n = await space.consumer.api<ContractNegotiation>('POST', '/negotiations', {
    providerId: provider.participantId, address: provider.dspUrl, datasetId: spec.id, offerId: `offer-${spec.id}`, purpose: 'clinical-research',
    acceptedObligations: [...new Set((spec.duties ?? []).map((d) => d.action))],
  });
  if (n.status !== 201) throw new Error(`negotiation refused: ${n.status} ${JSON.stringify(n.body)}`);
  const done = await until(async () => (await space.consumer.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(n.body.id)}`)).body, (x) => x.state === 'FINALIZED' || x.state === 'TERMINATED');
  if (done.state !== 'FINALIZED') throw new Error(`negotiation for ${spec.id} ended ${done.state}: ${JSON.stringify(done.reasons)}`);
  const t = await space.consumer.api<TransferProcess>('POST', '/transfers', { agreementId: done.agreementId });
  const transfer = await until(async () => (await space.consumer.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(t.body.id)}`)).body, (x) => x.state === 'STARTED' || x.state === 'TERMINATED');
  if (transfer.state !== 'STARTED') throw new Error(`transfer of ${spec.id} ended ${transfer.state}`);
  return { transfer, transferId: transfer.providerPid!, agreementId: transfer.agreementId, edr: edrOf(transfer.dataAddress) };
}
