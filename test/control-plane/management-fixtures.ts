/**
 * Two real connectors for the management-input suite: a provider holding a dataset and the consumer whose
 * management API is under test, with a finalized agreement between them, plus fresh transfers and
 * agreements on demand so each signal case meets an entity the signal is allowed on.
 */
import { randomUUID } from 'node:crypto';
import type { ContractAgreement, ContractNegotiation, TransferProcess, TransferState } from '../../src/control-plane/model.ts';
import { TestPki } from '../support/pki.ts';
import { startTestConnector, type TestConnector } from '../support/connectors.ts';
import { until } from '../support/until.ts';

export const asset = (id: string, sensitiveKinds: string[] = ['medical_health']) => ({
  id,
  title: 'Phase II trial, de-identified visit records',
  description: 'Visits of the 2026 trial.',
  classification: {
    grade: 'general',
    domain: 'pharmaceutical',
    categories: ['clinical_trial'],
    pi: { subjects: 1200, sensitiveSubjects: 0, sensitiveKinds, fields: ['patient_name', 'patient_id'], subjectIdField: 'patient_id' },
    hgr: { present: false, sequencingSubjects: 0 },
    exportControlled: false,
    scenario: null,
  },
  backend: { url: 'http://127.0.0.1:1/trial.ndjson', format: 'ndjson' },
});

export const offer = (id: string, assetId: string) => ({
  id,
  assetId,
  policy: {
    permissions: [{
      action: 'use',
      constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }],
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }],
    }],
    prohibitions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'marketing' }] }],
    obligations: [{ action: 'notify' }],
  },
});

export const approval = (id: string) => ({ id, kind: 'pipia', entry: { ref: 'PIPIA-2026-017', recipient: 'input-consumer', date: '2026-01-05' } });

export interface World {
  provider: TestConnector;
  consumer: TestConnector;
  /** A valid negotiation request for the provider's dataset. */
  negotiation: { providerId: string; address: string; datasetId: string; offerId: string; purpose: string; acceptedObligations: string[] };
  /** The finalized agreement the consumer holds. */
  agreement: ContractAgreement;
  freshTransfer(state: TransferState): Promise<string>;
  freshAgreement(): Promise<string>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const pki = await TestPki.create();
  const provider = await startTestConnector(pki, 'input-provider', 'CN', { exporter: { ciio: false, ftz: 'CN-BJ-FTZ' } });
  const consumer = await startTestConnector(pki, 'input-consumer', 'DE');
  const seed = async (connector: TestConnector, path: string, body: unknown) => {
    const r = await connector.api('POST', path, body);
    if (r.status !== 201) throw new Error(`seeding ${connector.participantId}: ${path} answered ${r.status} ${JSON.stringify(r.body)}`);
  };
  await seed(provider, '/assets', asset('trial-2026', []));
  await seed(provider, '/offers', { id: 'offer-trial', assetId: 'trial-2026', policy: { permissions: [{ action: 'use', duties: [{ action: 'drop_fields', fields: ['patient_name'] }] }] } });
  await seed(provider, '/approvals', approval('pipia-1'));
  await seed(consumer, '/assets', asset('seed-asset'));

  const negotiation = { providerId: 'input-provider', address: provider.dspUrl, datasetId: 'trial-2026', offerId: 'offer-trial', purpose: 'clinical-research', acceptedObligations: ['drop_fields'] };
  const started = await consumer.api<ContractNegotiation>('POST', '/negotiations', negotiation);
  const done = await until(async () => (await consumer.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
  if (done.state !== 'FINALIZED') throw new Error(`the setup negotiation ended ${done.state}: ${JSON.stringify(done.reasons)}`);
  const agreement = (await consumer.api<ContractAgreement>('GET', `/agreements/${encodeURIComponent(done.agreementId!)}`)).body;

  return {
    provider,
    consumer,
    negotiation,
    agreement,
    async freshTransfer(state) {
      const id = `urn:uuid:${randomUUID()}`;
      const now = new Date().toISOString();
      const transfer: TransferProcess = {
        id, role: 'consumer', consumerPid: id, providerPid: `urn:uuid:${randomUUID()}`, agreementId: agreement.id, format: 'HttpData-PULL',
        counterparty: { participantId: provider.participantId, address: provider.dspUrl, country: 'CN' },
        state, stateCount: 0, stateTimestamp: now, dataAddress: null, callbackAddress: null, reasons: [], createdAt: now, updatedAt: now,
        // A suspension of the consumer's own, which its operator may lift (a provider's is lifted by the provider only).
        ...(state === 'SUSPENDED' ? { suspendedBy: 'consumer' as const } : {}),
      };
      await consumer.stores.transfers.create(transfer);
      return id;
    },
    // The provider is the other party, so terminating it here files nothing.
    async freshAgreement() {
      const id = `urn:uuid:${randomUUID()}`;
      await consumer.stores.agreements.create({ ...agreement, id, state: 'ACTIVE' });
      return id;
    },
    async stop() {
      await Promise.all([provider.stop(), consumer.stop()]);
      pki.cleanup();
    },
  };
}
