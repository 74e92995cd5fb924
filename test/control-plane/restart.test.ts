import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractNegotiation } from '../../src/control-plane/model.ts';
import { TestPki } from '../support/pki.ts';
import { connectorProcess, type ConnectorProcess } from '../support/processes.ts';

const asset = {
  id: 'visits-2026',
  title: 'Visit records',
  classification: {
    grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial'],
    pi: { subjects: 500, sensitiveSubjects: 0, sensitiveKinds: [], fields: ['name'], subjectIdField: 'patient_id' },
    hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
  },
  backend: { url: 'http://127.0.0.1:1/visits.ndjson', format: 'ndjson' },
};
const offer = { id: 'offer-visits', assetId: 'visits-2026', policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }] }] } };

async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if ((value !== undefined && done(value)) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a connector killed with SIGKILL during a negotiation resumes after restart', () => {
  let pki: TestPki;
  let hospital: ConnectorProcess;
  let pharma: ConnectorProcess;

  beforeAll(async () => {
    pki = await TestPki.create();
    hospital = await connectorProcess(pki, 'bj-hospital', 'CN');
    pharma = await connectorProcess(pki, 'pharma-de', 'DE');
    await Promise.all([hospital.start(), pharma.start()]);
    expect((await hospital.api('POST', '/assets', asset)).status).toBe(201);
    expect((await hospital.api('POST', '/offers', offer)).status).toBe(201);
    expect((await hospital.api('POST', '/approvals', { id: 'pipia', kind: 'pipia', entry: { ref: 'PIPIA-9', recipient: 'pharma-de', date: '2026-01-05' } })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([hospital?.kill('SIGTERM'), pharma?.kill('SIGTERM')]);
    pki.cleanup();
  });

  const start = async () => {
    const r = await pharma.api<ContractNegotiation>('POST', '/negotiations', { providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: asset.id, offerId: offer.id, purpose: 'clinical-research' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id;
  };
  const consumerState = (id: string) => poll(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');

  it('provider killed once it has recorded the request: restarted, it completes the negotiation', async () => {
    const id = await start();
    const seen = await poll(async () => (await hospital.api<ContractNegotiation[]>('GET', '/negotiations')).body.find((n) => n.consumerPid === id), (n) => n !== undefined, 10_000);
    await hospital.kill('SIGKILL');
    expect(seen).toBeDefined();
    await hospital.start();
    const done = await consumerState(id);
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
    const provider = await poll(async () => (await hospital.api<ContractNegotiation[]>('GET', '/negotiations')).body.find((n) => n.consumerPid === id)!, (n) => n?.state === 'FINALIZED');
    expect(provider.state).toBe('FINALIZED');
  }, 60_000);

  it('consumer killed right after starting: restarted, it completes the negotiation', async () => {
    const id = await start();
    await pharma.kill('SIGKILL');
    await pharma.start();
    const done = await consumerState(id);
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
    const agreement = await pharma.api<{ signatures: { provider: string; consumer: string } }>('GET', `/agreements/${encodeURIComponent(done.agreementId!)}`);
    expect(agreement.body.signatures.provider).toBeTruthy();
    expect(agreement.body.signatures.consumer).toBeTruthy();
  }, 60_000);

  it('both killed, the provider first: the consumer keeps retrying and completes when both are back', async () => {
    const id = await start();
    await hospital.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await pharma.kill('SIGKILL');
    await Promise.all([hospital.start(), pharma.start()]);
    const done = await consumerState(id);
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
  }, 60_000);

  it('starting a negotiation with an unreachable provider is a 502 with its reason, not an internal error', async () => {
    await hospital.kill('SIGKILL');
    try {
      const r = await pharma.api<{ code: string }>('POST', '/negotiations', { providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: asset.id, offerId: offer.id });
      expect(r.status).toBe(502);
      expect(r.body.code).toBe('DSP_COUNTERPARTY_UNREACHABLE');
    } finally {
      await hospital.start();
    }
  }, 60_000);
});
