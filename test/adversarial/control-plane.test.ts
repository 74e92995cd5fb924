/**
 * A hostile consumer against the control plane: real connectors over mutual TLS, the attacker speaking raw DSP with
 * its own (valid) certificate outside its connector's state machines. Two guarantees: only the provider lifts a
 * provider's suspension (and each message comes from the role that may send it), and callbacks go only to an
 * https endpoint registered for the caller's participant.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractNegotiation, TransferProcess } from '../../src/control-plane/model.ts';
import { PULL_FORMAT } from '../../src/control-plane/catalog.ts';
import { restartTestConnector, startTestConnector, type TestConnector } from '../support/connectors.ts';
import { TestPki } from '../support/pki.ts';
import { until } from '../support/until.ts';
import { plainHttpListener, rawDspAs, settle, tcpListener, type Json, type Listener, type RawDsp } from './support-control-plane.ts';

const asset = {
  id: 'visits-2026',
  title: 'De-identified visit records',
  classification: {
    grade: 'general',
    domain: 'pharmaceutical',
    categories: ['clinical_trial'],
    pi: { subjects: 1200, sensitiveSubjects: 0, sensitiveKinds: [], fields: ['patient_name', 'patient_id'], subjectIdField: 'patient_id' },
    hgr: { present: false, sequencingSubjects: 0 },
    exportControlled: false,
    scenario: null,
  },
  backend: { url: 'http://127.0.0.1:1/visits.ndjson', format: 'ndjson' },
};
const offer = {
  id: 'offer-visits-research',
  assetId: asset.id,
  policy: {
    permissions: [{
      action: 'use',
      constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }],
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }],
    }],
  },
};
const dspOffer = { '@id': offer.id, '@type': 'Offer', target: asset.id, permission: [{ action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }] }] };

const tokenOf = (t: TransferProcess): string | undefined =>
  (t.dataAddress as { endpointProperties?: Array<{ name: string; value: string }> } | null)?.endpointProperties?.find((p) => p.name === 'authorization')?.value;

describe('a hostile consumer against the control plane', () => {
  let pki: TestPki;
  let hospital: TestConnector;
  let pharma: TestConnector;
  let mallory: TestConnector;
  let asPharma: RawDsp;
  const listeners: Listener[] = [];

  beforeAll(async () => {
    pki = await TestPki.create();
    hospital = await startTestConnector(pki, 'bj-hospital', 'CN');
    pharma = await startTestConnector(pki, 'pharma-de', 'DE');
    mallory = await startTestConnector(pki, 'mallory-de', 'DE');
    expect((await hospital.api('POST', '/assets', asset)).status).toBe(201);
    expect((await hospital.api('POST', '/offers', offer)).status).toBe(201);
    expect((await hospital.api('POST', '/approvals', { id: 'pipia-1', kind: 'pipia', entry: { ref: 'PIPIA-2026-031', recipient: 'pharma-de', date: '2026-10-01' } })).status).toBe(201);
    asPharma = await rawDspAs(pharma);
  });

  afterAll(async () => {
    await asPharma?.close();
    await Promise.all(listeners.map((l) => l.close()));
    await Promise.all([hospital?.stop(), pharma?.stop(), mallory?.stop()]);
    pki.cleanup();
  });

  const negotiated = async (): Promise<ContractNegotiation> => {
    const started = await pharma.api<ContractNegotiation>('POST', '/negotiations', {
      providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: asset.id, offerId: offer.id, purpose: 'clinical-research', acceptedObligations: ['drop_fields', 'pseudonymise_fields'],
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const done = await until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
    return done;
  };

  /** A running transfer: the consumer's record (with its access token) and the provider's id for it. */
  const started = async (): Promise<{ consumer: TransferProcess; providerId: string }> => {
    const { agreementId } = await negotiated();
    const requested = await pharma.api<TransferProcess>('POST', '/transfers', { agreementId });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const consumer = await until(async () => (await pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(requested.body.id)}`)).body, (t) => t.state === 'STARTED' || t.state === 'TERMINATED');
    expect(consumer.state, JSON.stringify(consumer.reasons)).toBe('STARTED');
    const provider = (await hospital.stores.transfers.findByPid(consumer.consumerPid))!;
    return { consumer, providerId: provider.id };
  };

  const consumerSide = (id: string) => pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(id)}`).then((r) => r.body);
  const providerSide = async (id: string) => (await hospital.stores.transfers.get(id))!;

  const listener = async <L extends Listener>(start: () => Promise<L>): Promise<L> => {
    const l = await start();
    listeners.push(l);
    return l;
  };

  /** A negotiation as the store holds it, in `state` (waiting for the counterparty when no processor moves it). */
  const seeded = async (role: 'provider' | 'consumer', state: ContractNegotiation['state'], callback = pharma.dspUrl): Promise<ContractNegotiation> => {
    const now = new Date().toISOString();
    const id = `urn:uuid:${randomUUID()}`;
    const negotiation: ContractNegotiation = {
      id,
      role,
      consumerPid: role === 'consumer' ? id : `urn:uuid:${randomUUID()}`,
      providerPid: role === 'provider' ? id : `urn:uuid:${randomUUID()}`,
      counterparty: { participantId: 'pharma-de', address: role === 'provider' ? callback : pharma.dspUrl, country: 'DE' },
      state,
      stateCount: 0,
      stateTimestamp: now,
      offer: { ...offer, createdAt: now },
      terms: { purpose: 'clinical-research', acceptedObligations: [] },
      agreementId: null,
      reasons: [],
      callbackAddress: role === 'provider' ? callback : null,
      createdAt: now,
      updatedAt: now,
    };
    await hospital.stores.negotiations.create(negotiation);
    return negotiation;
  };

  describe('the honest path', () => {
    it('negotiates and starts a transfer, the provider calling the consumer back at its registered https endpoint', async () => {
      const { consumer, providerId } = await started();
      expect(tokenOf(consumer)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const provider = await providerSide(providerId);
      expect(provider.callbackAddress).toBe(pharma.dspUrl);
      const negotiation = (await hospital.stores.negotiations.list()).find((n) => n.agreementId === provider.agreementId)!;
      expect(negotiation.callbackAddress).toBe(pharma.dspUrl);
    });
  });

  describe('only the provider lifts a provider\'s suspension', () => {
    const suspendedByProvider = async () => {
      const { consumer, providerId } = await started();
      expect((await hospital.api('POST', `/transfers/${encodeURIComponent(providerId)}/suspend`, { reason: 'audit' })).status).toBe(200);
      const suspended = await until(() => consumerSide(consumer.id), (t) => t.state === 'SUSPENDED');
      expect(suspended.state).toBe('SUSPENDED');
      const provider = await until(() => providerSide(providerId), (t) => t.state === 'SUSPENDED');
      expect(provider).toMatchObject({ state: 'SUSPENDED', suspendedBy: 'provider' });
      return { consumer: suspended, provider };
    };
    const resumeAsConsumer = (t: TransferProcess) =>
      asPharma.post(hospital, `transfers/${encodeURIComponent(t.providerPid!)}/start`, 'TransferStartMessage', { providerPid: t.providerPid, consumerPid: t.consumerPid });

    it('refuses the consumer\'s TransferStartMessage with 403 DSP_TRANSITION_NOT_ALLOWED: the transfer stays SUSPENDED and no access token is issued', async () => {
      const { consumer, provider } = await suspendedByProvider();
      const r = await resumeAsConsumer(consumer);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ '@type': 'TransferError', code: 'DSP_TRANSITION_NOT_ALLOWED', providerPid: consumer.providerPid, consumerPid: consumer.consumerPid });
      await settle();
      // Not one save on the provider's side (no STARTING, so no token), and the consumer holds the token it had.
      expect(await providerSide(provider.id)).toEqual(provider);
      const after = await consumerSide(consumer.id);
      expect(after.state).toBe('SUSPENDED');
      expect(tokenOf(after)).toBe(tokenOf(consumer));
    });

    it('refuses the consumer\'s own management API resume too (403 DSP_TRANSITION_NOT_ALLOWED), sending nothing', async () => {
      const { consumer, provider } = await suspendedByProvider();
      const r = await pharma.api<{ code: string }>('POST', `/transfers/${encodeURIComponent(consumer.id)}/resume`, {});
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('DSP_TRANSITION_NOT_ALLOWED');
      await settle();
      expect((await consumerSide(consumer.id)).state).toBe('SUSPENDED');
      expect(await providerSide(provider.id)).toEqual(provider);
    });

    it('the provider lifts its own suspension: both sides STARTED with a fresh access token', async () => {
      const { consumer, provider } = await suspendedByProvider();
      expect((await hospital.api('POST', `/transfers/${encodeURIComponent(provider.id)}/resume`, {})).status).toBe(200);
      const resumed = await until(() => consumerSide(consumer.id), (t) => t.state === 'STARTED' && tokenOf(t) !== tokenOf(consumer));
      expect(resumed.state).toBe('STARTED');
      expect(tokenOf(resumed)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(tokenOf(resumed)).not.toBe(tokenOf(consumer));
      expect((await until(() => providerSide(provider.id), (t) => t.state === 'STARTED')).state).toBe('STARTED');
    });

    it('a consumer still resumes a suspension of its own', async () => {
      const { consumer, providerId } = await started();
      expect((await pharma.api('POST', `/transfers/${encodeURIComponent(consumer.id)}/suspend`, {})).status).toBe(200);
      const provider = await until(() => providerSide(providerId), (t) => t.state === 'SUSPENDED');
      expect(provider).toMatchObject({ state: 'SUSPENDED', suspendedBy: 'consumer' });
      await until(() => consumerSide(consumer.id), (t) => t.state === 'SUSPENDED');
      const r = await pharma.api('POST', `/transfers/${encodeURIComponent(consumer.id)}/resume`, {});
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const resumed = await until(() => consumerSide(consumer.id), (t) => t.state === 'STARTED' && tokenOf(t) !== tokenOf(consumer));
      expect(resumed.state).toBe('STARTED');
      expect(tokenOf(resumed)).not.toBe(tokenOf(consumer));
    });
  });

  describe('each negotiation message comes from the role that sends it', () => {
    const pidsOf = (n: ContractNegotiation) => ({ consumerPid: n.consumerPid, providerPid: n.providerPid! });
    const agreement = (n: ContractNegotiation) => ({ '@id': `urn:uuid:${randomUUID()}`, '@type': 'Agreement', target: asset.id, assigner: n.role === 'provider' ? 'pharma-de' : 'bj-hospital', assignee: 'pharma-de', permission: [{ action: 'use' }] });

    it('refuses an offer, an agreement and a FINALIZED event from the consumer (403 DSP_TRANSITION_NOT_ALLOWED), changing nothing', async () => {
      const n = await seeded('provider', 'OFFERED');
      const at = (path: string) => `negotiations/${encodeURIComponent(n.providerPid!)}/${path}`;
      const attempts = [
        await asPharma.post(hospital, at('offers'), 'ContractOfferMessage', { ...pidsOf(n), offer: dspOffer }),
        await asPharma.post(hospital, at('agreement'), 'ContractAgreementMessage', { ...pidsOf(n), agreement: agreement(n) }),
        await asPharma.post(hospital, at('events'), 'ContractNegotiationEventMessage', { ...pidsOf(n), eventType: 'FINALIZED' }),
      ];
      for (const r of attempts) {
        expect(r.status).toBe(403);
        expect(r.body).toMatchObject({ '@type': 'ContractNegotiationError', code: 'DSP_TRANSITION_NOT_ALLOWED' });
      }
      await settle();
      expect(await hospital.stores.negotiations.get(n.id)).toEqual(n);
    });

    it('refuses a counter-request, an ACCEPTED event and a verification from the provider (403 DSP_TRANSITION_NOT_ALLOWED), and takes the provider\'s offer', async () => {
      const n = await seeded('consumer', 'REQUESTED');
      const at = (path: string) => `negotiations/${encodeURIComponent(n.consumerPid)}/${path}`;
      const attempts = [
        await asPharma.post(hospital, at('request'), 'ContractRequestMessage', { ...pidsOf(n), offer: dspOffer }),
        await asPharma.post(hospital, at('events'), 'ContractNegotiationEventMessage', { ...pidsOf(n), eventType: 'ACCEPTED' }),
        await asPharma.post(hospital, at('agreement/verification'), 'ContractAgreementVerificationMessage', pidsOf(n)),
      ];
      for (const r of attempts) {
        expect(r.status).toBe(403);
        expect(r.body).toMatchObject({ '@type': 'ContractNegotiationError', code: 'DSP_TRANSITION_NOT_ALLOWED' });
      }
      await settle();
      expect(await hospital.stores.negotiations.get(n.id)).toEqual(n);
      // The message that is the provider's to send, in a state that takes it, is accepted.
      const offered = await asPharma.post(hospital, at('offers'), 'ContractOfferMessage', { ...pidsOf(n), offer: dspOffer });
      expect(offered.status, JSON.stringify(offered.body)).toBe(200);
      expect((await hospital.stores.negotiations.get(n.id))!.state).toBe('OFFERED');
    });
  });

  describe('callbacks go only where the counterparty is', () => {
    const contractRequest = (callbackAddress: string, consumerPid = `urn:uuid:${randomUUID()}`) =>
      asPharma.post(hospital, 'negotiations/request', 'ContractRequestMessage', { consumerPid, offer: dspOffer, callbackAddress, 'kouan:purpose': 'clinical-research', 'kouan:acceptedObligations': ['drop_fields', 'pseudonymise_fields'] });

    it('refuses a plain-http callbackAddress with 400 DSP_CALLBACK_NOT_ALLOWED: no negotiation stored, and the listening server never hears from the provider', async () => {
      const server = await listener(plainHttpListener);
      const consumerPid = `urn:uuid:${randomUUID()}`;
      const before = (await hospital.stores.negotiations.list({ limit: 500 })).length;
      const r = await contractRequest(`http://127.0.0.1:${server.port}/dsp/2025-1`, consumerPid);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ '@type': 'ContractNegotiationError', code: 'DSP_CALLBACK_NOT_ALLOWED', consumerPid });
      await settle();
      expect(await hospital.stores.negotiations.findByPid(consumerPid)).toBeNull();
      expect((await hospital.stores.negotiations.list({ limit: 500 })).length).toBe(before);
      expect(server.requests()).toBe(0);
      expect(server.connections()).toBe(0);
    });

    it('refuses an https callbackAddress at a host:port not registered for the caller: 400, no connection made to it', async () => {
      const server = await listener(tcpListener);
      const consumerPid = `urn:uuid:${randomUUID()}`;
      const r = await contractRequest(`https://127.0.0.1:${server.port}/dsp/2025-1`, consumerPid);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'DSP_CALLBACK_NOT_ALLOWED' });
      await settle();
      expect(await hospital.stores.negotiations.findByPid(consumerPid)).toBeNull();
      expect(server.connections()).toBe(0);
    });

    it('refuses endpoints registered for someone else, paths outside the caller\'s DSP base, and credentials smuggled into the authority', async () => {
      const server = await listener(tcpListener);
      const pharmaBase = new URL(pharma.dspUrl);
      const elsewhere = [
        mallory.dspUrl, // registered, but for another participant
        hospital.dspUrl, // the provider's own endpoint
        `${pharmaBase.origin}/management/v1`, // the caller's host and port, outside its DSP base
        `${pharmaBase.origin}/dsp/2025-10`, // a sibling path that merely starts like the base
        `https://${pharmaBase.host}@127.0.0.1:${server.port}/dsp/2025-1`, // the caller's host:port as user info
        `${pharma.dspUrl}?next=http://127.0.0.1:${server.port}`,
      ];
      for (const address of elsewhere) {
        const consumerPid = `urn:uuid:${randomUUID()}`;
        const r = await contractRequest(address, consumerPid);
        expect(r.status, address).toBe(400);
        expect(r.body.code, address).toBe('DSP_CALLBACK_NOT_ALLOWED');
        expect(await hospital.stores.negotiations.findByPid(consumerPid), address).toBeNull();
      }
      await settle();
      expect(server.connections()).toBe(0);
    });

    it('refuses a transfer request calling back elsewhere: 400 DSP_CALLBACK_NOT_ALLOWED, no transfer stored, no start (and no access token) sent', async () => {
      const { agreementId } = await negotiated();
      const http = await listener(plainHttpListener);
      const tcp = await listener(tcpListener);
      for (const callbackAddress of [`http://127.0.0.1:${http.port}/dsp/2025-1`, `https://127.0.0.1:${tcp.port}/dsp/2025-1`, mallory.dspUrl]) {
        const consumerPid = `urn:uuid:${randomUUID()}`;
        const r = await asPharma.post(hospital, 'transfers/request', 'TransferRequestMessage', { consumerPid, agreementId, format: PULL_FORMAT, callbackAddress });
        expect(r.status, callbackAddress).toBe(400);
        expect(r.body as Json, callbackAddress).toMatchObject({ '@type': 'TransferError', code: 'DSP_CALLBACK_NOT_ALLOWED', consumerPid });
        expect(await hospital.stores.transfers.findByPid(consumerPid), callbackAddress).toBeNull();
      }
      await settle();
      expect(http.connections()).toBe(0);
      expect(tcp.connections()).toBe(0);
    });
  });

  describe('nothing goes out over plain HTTP', () => {
    it('a plain-http callback already on record (stored before callbacks were checked) is never called: the provider\'s step fails before connecting', async () => {
      const server = await listener(plainHttpListener);
      const n = await seeded('provider', 'OFFERING', `http://127.0.0.1:${server.port}/dsp/2025-1`);
      const retried = await until(async () => (await hospital.stores.negotiations.get(n.id))!, (x) => x.stateCount >= 2);
      expect(retried).toMatchObject({ state: 'OFFERING' });
      expect(retried.stateCount).toBeGreaterThanOrEqual(2);
      expect(server.connections()).toBe(0);
    });

    it('the management API refuses a plain-http provider address with 400 DSP_ADDRESS_NOT_HTTPS and never connects to it', async () => {
      const server = await listener(plainHttpListener);
      const r = await pharma.api<{ code: string }>('POST', '/negotiations', { providerId: 'bj-hospital', address: `http://127.0.0.1:${server.port}/dsp/2025-1`, datasetId: asset.id, offerId: offer.id, purpose: 'clinical-research' });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('DSP_ADDRESS_NOT_HTTPS');
      await settle();
      expect(server.connections()).toBe(0);
    });
  });

  describe('after a restart of the provider', () => {
    it('still refuses the consumer\'s resume: who suspended is kept in the stored transfer', async () => {
      const { consumer, providerId } = await started();
      expect((await hospital.api('POST', `/transfers/${encodeURIComponent(providerId)}/suspend`, {})).status).toBe(200);
      await until(() => providerSide(providerId), (t) => t.state === 'SUSPENDED');
      await hospital.stop();
      hospital = await restartTestConnector(hospital.config, 'bj-hospital');
      const stored = await providerSide(providerId);
      expect(stored).toMatchObject({ state: 'SUSPENDED', suspendedBy: 'provider' });
      const r = await asPharma.post(hospital, `transfers/${encodeURIComponent(consumer.providerPid!)}/start`, 'TransferStartMessage', { providerPid: consumer.providerPid, consumerPid: consumer.consumerPid });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('DSP_TRANSITION_NOT_ALLOWED');
      await settle();
      expect(await providerSide(providerId)).toEqual(stored);
    });
  });
});
