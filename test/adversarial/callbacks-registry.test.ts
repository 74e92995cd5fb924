/**
 * Callbacks go where the registry says the counterparty is: connectors that know no static peers check a
 * callbackAddress against the DSP endpoint the data-port operator registered for the caller's certificate
 * participant (GET /registry/v1/participants/{id}/endpoints, over mutual TLS).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractNegotiation } from '../../src/control-plane/model.ts';
import { startTestConnector, type TestConnector } from '../support/connectors.ts';
import { TestPki } from '../support/pki.ts';
import { until } from '../support/until.ts';
import { REGISTRY_ID, startTestRegistry, testConnector, type TestRegistry } from '../registry/support.ts';
import { rawDspAs, settle, tcpListener, type Listener, type RawDsp } from './support-control-plane.ts';

const asset = {
  id: 'labels-2026', title: 'Annotation labels',
  classification: {
    grade: 'general', domain: 'automobile', categories: ['annotation'],
    pi: { subjects: 0, sensitiveSubjects: 0, sensitiveKinds: [], fields: [], subjectIdField: null },
    hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
  },
  backend: { url: 'http://127.0.0.1:1/labels.ndjson', format: 'ndjson' },
};
const offer = { id: 'offer-labels', assetId: asset.id, policy: { permissions: [{ action: 'use' }] } };
const dspOffer = { '@id': offer.id, '@type': 'Offer', target: asset.id, permission: [{ action: 'use' }] };

describe('callbacks checked against the registry\'s participant directory', () => {
  let pki: TestPki;
  let registry: TestRegistry;
  let vendor: TestConnector;
  let lab: TestConnector;
  let rogue: TestConnector;
  let asRogue: RawDsp;
  let stray: Listener;

  beforeAll(async () => {
    pki = await TestPki.create();
    registry = await startTestRegistry(pki);
    const at = { registry: { participantId: REGISTRY_ID, url: registry.intakeUrl } };
    [vendor, lab, rogue] = await Promise.all([
      startTestConnector(pki, 'annotate-bj', 'CN', at, { staticPeers: false }),
      startTestConnector(pki, 'ai-lab-sg', 'SG', at, { staticPeers: false }),
      startTestConnector(pki, 'rogue-lab', 'US', at, { staticPeers: false }),
    ]);
    const register = async (c: TestConnector, country: string, dspUrl: string | null) => {
      const r = await registry.operator('POST', '/participants', { id: c.participantId, legalName: `${c.participantId} Ltd.`, country, certificatePem: readFileSync(c.config.tls.cert, 'utf8'), dspUrl });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    await register(vendor, 'CN', vendor.dspUrl);
    await register(lab, 'SG', lab.dspUrl);
    // Registered, but without an endpoint: nothing may be sent back to it.
    await register(rogue, 'US', null);
    expect((await vendor.api('POST', '/assets', asset)).status).toBe(201);
    expect((await vendor.api('POST', '/offers', offer)).status).toBe(201);
    asRogue = await rawDspAs(rogue);
    stray = await tcpListener();
  });

  afterAll(async () => {
    await asRogue?.close();
    await stray?.close();
    await Promise.all([vendor?.stop(), lab?.stop(), rogue?.stop()]);
    await registry?.stop();
    pki.cleanup();
  });

  it('the registry tells a participant where an active participant\'s connector is, and only that', async () => {
    const asker = await testConnector(pki, registry, 'ai-lab-sg', 'SG', { cert: lab.config.tls.cert, key: lab.config.tls.key });
    try {
      expect(await asker.get(`registry/v1/participants/annotate-bj/endpoints`)).toEqual({ status: 200, body: { id: 'annotate-bj', dspUrl: vendor.dspUrl } });
      expect(await asker.get(`registry/v1/participants/rogue-lab/endpoints`)).toEqual({ status: 200, body: { id: 'rogue-lab', dspUrl: null } });
      expect((await asker.get(`registry/v1/participants/nobody/endpoints`)).status).toBe(404);
    } finally {
      await asker.close();
    }
  });

  it('a provider with no static peers calls the consumer back at the endpoint the registry holds for it', async () => {
    const started = await lab.api<ContractNegotiation>('POST', '/negotiations', { providerId: 'annotate-bj', address: vendor.dspUrl, datasetId: asset.id, offerId: offer.id });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const done = await until(async () => (await lab.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
  });

  it.each([
    ['its own endpoint, which the registry does not hold', () => rogue.dspUrl],
    ['the endpoint the registry holds for another participant', () => lab.dspUrl],
    ['a listener of its choosing', () => `https://127.0.0.1:${stray.port}/dsp/2025-1`],
  ])('refuses a participant registered without an endpoint calling back at %s: 400 DSP_CALLBACK_NOT_ALLOWED, nothing stored or sent', async (_what, address) => {
    const consumerPid = `urn:uuid:${randomUUID()}`;
    const r = await asRogue.post(vendor, 'negotiations/request', 'ContractRequestMessage', { consumerPid, offer: dspOffer, callbackAddress: address() });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'DSP_CALLBACK_NOT_ALLOWED', consumerPid });
    await settle(300);
    expect(await vendor.stores.negotiations.findByPid(consumerPid)).toBeNull();
    expect(stray.connections()).toBe(0);
  });
});
