import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { ContractAgreement, ContractNegotiation, TransferProcess } from '../../src/control-plane/model.ts';
import { nextVersion } from '../../src/control-plane/states.ts';
import { PeerClient } from '../../src/trust/client.ts';
import { verifyDetached } from '../../src/trust/jws.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import { TrustStore } from '../../src/trust/trust-store.ts';
import { TestPki } from '../support/pki.ts';
import { startTestConnector, type TestConnector } from '../support/connectors.ts';
import { until } from '../support/until.ts';

const trialAsset = {
  id: 'trial-2026-07',
  title: 'Phase II trial, de-identified visit records',
  classification: {
    grade: 'general',
    domain: 'pharmaceutical',
    categories: ['clinical_trial'],
    pi: { subjects: 1200, sensitiveSubjects: 0, sensitiveKinds: [], fields: ['patient_name', 'patient_id'], subjectIdField: 'patient_id' },
    hgr: { present: false, sequencingSubjects: 0 },
    exportControlled: false,
    scenario: null,
  },
  backend: { url: 'http://127.0.0.1:1/trial.ndjson', format: 'ndjson' },
};

const trialOffer = {
  id: 'offer-trial-research',
  assetId: 'trial-2026-07',
  policy: {
    permissions: [{
      action: 'use',
      constraints: [
        { leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' },
        { leftOperand: 'destinationCountry', operator: 'isAnyOf', rightOperand: ['DE', 'FR'] },
      ],
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }],
    }],
  },
};

describe('contract negotiation between two connectors over mutual TLS', () => {
  let pki: TestPki;
  let hospital: TestConnector;
  let pharma: TestConnector;

  beforeAll(async () => {
    pki = await TestPki.create();
    hospital = await startTestConnector(pki, 'bj-hospital', 'CN', { exporter: { ciio: false, ftz: 'CN-BJ-FTZ' } });
    pharma = await startTestConnector(pki, 'pharma-de', 'DE');
    expect((await hospital.api('POST', '/assets', trialAsset)).status).toBe(201);
    expect((await hospital.api('POST', '/offers', trialOffer)).status).toBe(201);
    expect((await hospital.api('POST', '/approvals', { id: 'pipia-1', kind: 'pipia', entry: { ref: 'PIPIA-2026-017', recipient: 'pharma-de', date: '2026-10-01' } })).status).toBe(201);
  });

  afterAll(async () => {
    await Promise.all([hospital?.stop(), pharma?.stop()]);
    pki.cleanup();
  });

  const negotiate = async (purpose: string) => {
    const started = await pharma.api<ContractNegotiation>('POST', '/negotiations', {
      providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: trialAsset.id, offerId: trialOffer.id, purpose, acceptedObligations: ['drop_fields', 'pseudonymise_fields'],
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    return until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
  };

  it("reads the provider's catalog over the protocol", async () => {
    const catalog = await pharma.api<{ '@type': string; participantId: string; dataset: Array<{ '@id': string; hasPolicy: Array<{ '@id': string }> }> }>('POST', '/catalog/query', { providerId: 'bj-hospital', address: hospital.dspUrl });
    expect(catalog.status).toBe(200);
    expect(catalog.body).toMatchObject({ '@type': 'Catalog', participantId: 'bj-hospital' });
    expect(catalog.body.dataset.map((d) => d['@id'])).toEqual([trialAsset.id]);
    expect(catalog.body.dataset[0]!.hasPolicy.map((o) => o['@id'])).toEqual([trialOffer.id]);
  });

  it('negotiates an agreement that both parties hold, signed by both, and starts a transfer', async () => {
    const negotiation = await negotiate('clinical-research');
    expect(negotiation.state, JSON.stringify(negotiation.reasons)).toBe('FINALIZED');
    const id = negotiation.agreementId!;
    const mine = (await pharma.api<ContractAgreement>('GET', `/agreements/${encodeURIComponent(id)}`)).body;
    const theirs = await until(async () => (await hospital.api<ContractAgreement>('GET', `/agreements/${encodeURIComponent(id)}`)).body, (a) => Boolean(a?.signatures?.consumer));
    expect(theirs.document).toEqual(mine.document);
    expect(theirs).toMatchObject({ providerId: 'bj-hospital', consumerId: 'pharma-de', consumerCountry: 'DE', exportPath: 'exempt' });
    const hospitalKey = createPublicKey(readFileSync(hospital.config.tls.cert));
    const pharmaKey = createPublicKey(readFileSync(pharma.config.tls.cert));
    for (const agreement of [mine, theirs]) {
      await expect(verifyDetached(agreement.document, agreement.signatures.provider!, hospitalKey)).resolves.toBeTruthy();
      await expect(verifyDetached(agreement.document, agreement.signatures.consumer!, pharmaKey)).resolves.toBeTruthy();
    }
    const providerSide = (await hospital.api<ContractNegotiation[]>('GET', '/negotiations')).body.find((n) => n.agreementId === id)!;
    expect(providerSide).toMatchObject({ role: 'provider', state: 'FINALIZED', counterparty: { participantId: 'pharma-de', country: 'DE' } });

    const transfer = await pharma.api<TransferProcess>('POST', '/transfers', { agreementId: id });
    expect(transfer.status, JSON.stringify(transfer.body)).toBe(201);
    const started = await until(async () => (await pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(transfer.body.id)}`)).body, (t) => t.state === 'STARTED' || t.state === 'TERMINATED');
    expect(started.state, JSON.stringify(started.reasons)).toBe('STARTED');
    const properties = (started.dataAddress as { endpointProperties: Array<{ name: string; value: string }> }).endpointProperties;
    expect(properties.find((p) => p.name === 'authorization')?.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('a finalized negotiation refuses a late termination and a second verification from its consumer (409) and stays FINALIZED', async () => {
    const negotiation = await negotiate('clinical-research');
    expect(negotiation.state, JSON.stringify(negotiation.reasons)).toBe('FINALIZED');
    const trust = await TrustStore.load(pharma.config.tls);
    const client = new PeerClient(trust, new TokenIssuer(trust.identity, systemClock), 60);
    const pids = { consumerPid: negotiation.consumerPid, providerPid: negotiation.providerPid! };
    const send = (path: string, type: string, extra: Record<string, unknown> = {}) =>
      client.request<Record<string, unknown>>({ participantId: 'bj-hospital', baseUrl: hospital.dspUrl }, {
        method: 'POST', path: `negotiations/${encodeURIComponent(pids.providerPid)}/${path}`, body: { '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'], '@type': type, ...pids, ...extra },
      });
    try {
      const termination = await send('termination', 'ContractNegotiationTerminationMessage', { code: 'LATE' });
      expect(termination.status).toBe(409);
      expect(termination.body).toMatchObject({ '@type': 'ContractNegotiationError', code: 'DSP_INVALID_STATE', ...pids });
      expect((await send('agreement/verification', 'ContractAgreementVerificationMessage')).status).toBe(409);
    } finally {
      await client.close();
      trust.close();
    }
    const providerSide = (await hospital.api<ContractNegotiation[]>('GET', '/negotiations')).body.find((n) => n.consumerPid === negotiation.consumerPid)!;
    expect(providerSide.state).toBe('FINALIZED');
  });

  it('a consumer that lost the record of its sent verification (a crash) finds the provider FINALIZED and finalizes, instead of failing on the refused resend', async () => {
    const negotiation = await negotiate('clinical-research');
    expect(negotiation.state, JSON.stringify(negotiation.reasons)).toBe('FINALIZED');
    // As if the consumer had crashed after sending the verification: its record still says VERIFYING, the provider
    // went on to FINALIZED (and its FINALIZED event is lost with the crash). Resending the verification is refused (409).
    const stored = (await pharma.stores.negotiations.get(negotiation.id))!;
    await pharma.stores.negotiations.save({ ...stored, state: 'VERIFYING', updatedAt: nextVersion(stored.updatedAt, systemClock) }, stored.updatedAt);
    const after = await until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(negotiation.id)}`)).body, (n) => n.state !== 'VERIFYING', 20_000);
    expect(after.state, JSON.stringify(after.reasons)).toBe('FINALIZED');
    const providerSide = (await hospital.api<ContractNegotiation[]>('GET', '/negotiations')).body.find((n) => n.consumerPid === negotiation.consumerPid)!;
    expect(providerSide.state).toBe('FINALIZED');
  });

  it('a provider that lost the record of its sent transfer start (a crash) finds the consumer STARTED instead of failing on the refused resend', async () => {
    const negotiation = await negotiate('clinical-research');
    expect(negotiation.state, JSON.stringify(negotiation.reasons)).toBe('FINALIZED');
    const requested = await pharma.api<TransferProcess>('POST', '/transfers', { agreementId: negotiation.agreementId });
    const started = await until(async () => (await pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(requested.body.id)}`)).body, (t) => t.state === 'STARTED' || t.state === 'TERMINATED');
    expect(started.state, JSON.stringify(started.reasons)).toBe('STARTED');
    const stored = (await hospital.stores.transfers.findByPid(started.consumerPid))!;
    await hospital.stores.transfers.save({ ...stored, state: 'STARTING', updatedAt: nextVersion(stored.updatedAt, systemClock) }, stored.updatedAt);
    const provider = await until(async () => (await hospital.stores.transfers.get(stored.id))!, (t) => t.state !== 'STARTING', 20_000);
    expect(provider.state, JSON.stringify(provider.reasons)).toBe('STARTED');
    expect((await pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(requested.body.id)}`)).body.state).toBe('STARTED');
  });

  it('a negotiation the policy refuses ends TERMINATED on both sides with the reason codes', async () => {
    const negotiation = await negotiate('marketing');
    expect(negotiation.state).toBe('TERMINATED');
    expect(negotiation.reasons.map((r) => r.code)).toContain('CONTRACT_PURPOSE_NOT_ALLOWED');
    // The consumer sees what the refusal rests on, as the provider does, marked as the counterparty's word.
    const theirs = negotiation.reasons.find((r) => r.code === 'CONTRACT_PURPOSE_NOT_ALLOWED')!;
    expect(theirs.basis).toMatch(/^counterparty: \S/);
    expect(theirs.message).not.toContain('[basis:');
    const providerSide = await until(
      async () => (await hospital.api<ContractNegotiation[]>('GET', '/negotiations')).body.find((n) => n.consumerPid === negotiation.consumerPid)!,
      (n) => n.state === 'TERMINATED',
    );
    expect(providerSide.state).toBe('TERMINATED');
    expect(providerSide.reasons.map((r) => r.code)).toContain('CONTRACT_PURPOSE_NOT_ALLOWED');
  });

  it('a consumer in mainland China is no export: the negotiation ends TERMINATED with EXPORT_INPUT_INVALID, not retried', async () => {
    const domestic = await startTestConnector(pki, 'sh-cro', 'CN');
    try {
      const started = await domestic.api<ContractNegotiation>('POST', '/negotiations', {
        providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: trialAsset.id, offerId: trialOffer.id, purpose: 'clinical-research', acceptedObligations: ['drop_fields', 'pseudonymise_fields'],
      });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const done = await until(async () => (await domestic.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
      expect(done.state).toBe('TERMINATED');
      expect(done.reasons.map((r) => r.code)).toContain('EXPORT_INPUT_INVALID');
    } finally {
      await domestic.stop();
    }
  });

  it.each([
    ['transit', false],
    ['trade_no_pi', true], // claimed for data that carries personal information: the scenario does not apply
  ] as const)('an agreement counts towards the thresholds unless the scenario decided its path (asset claims %s: counted %s)', async (scenario, counted) => {
    const id = `trial-${scenario}`;
    expect((await hospital.api('POST', '/assets', { ...trialAsset, id, classification: { ...trialAsset.classification, scenario } })).status).toBe(201);
    expect((await hospital.api('POST', '/offers', { ...trialOffer, id: `offer-${id}`, assetId: id })).status).toBe(201);
    const started = await pharma.api<ContractNegotiation>('POST', '/negotiations', {
      providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: id, offerId: `offer-${id}`, purpose: 'clinical-research', acceptedObligations: ['drop_fields', 'pseudonymise_fields'],
    });
    const done = await until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
    expect((await hospital.stores.agreements.get(done.agreementId!))?.counted).toBe(counted);
  });
});
