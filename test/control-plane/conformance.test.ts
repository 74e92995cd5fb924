import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractNegotiation, TransferProcess } from '../../src/control-plane/model.ts';
import { startConformanceConnector, type TestConnector } from '../support/connectors.ts';
import { until } from '../support/until.ts';

const CONTEXT = ['https://w3id.org/dspace/2025/1/context.jsonld'];
const AUTHORIZATION = 'Bearer kouan-tck-TCK_PARTICIPANT';

interface Received {
  path: string;
  body: Record<string, unknown>;
  at: number;
}

/** Plays the conformance kit's side: records what the connector sends and answers like the kit does. */
async function startFakeKit(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const app: FastifyInstance = Fastify({ logger: false });
  app.post('/*', async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    received.push({ path: req.url, body, at: performance.now() });
    const pids = { consumerPid: body.consumerPid, providerPid: `kit-${received.length}` };
    if (req.url === '/negotiations/request') return reply.code(201).send({ '@context': CONTEXT, '@type': 'ContractNegotiation', ...pids, state: 'REQUESTED' });
    if (req.url === '/transfers/request') return reply.code(201).send({ '@context': CONTEXT, '@type': 'TransferProcess', ...pids, state: 'REQUESTED' });
    return reply.code(200).send();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, received, close: () => app.close() };
}

describe('the DSP state rules and the conformance scripts, over HTTP against a connector in the conformance profile', () => {
  let connector: TestConnector;
  let kit: Awaited<ReturnType<typeof startFakeKit>>;
  let origin: string;

  /** A call as the kit makes it: plain HTTP with its static Authorization header. */
  const call = async <T = Record<string, unknown>>(method: 'GET' | 'POST', url: string, body?: Record<string, unknown>) => {
    const r = await request(url, { method, headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' }, body: body ? JSON.stringify({ '@context': CONTEXT, ...body }) : null });
    const text = await r.body.text();
    return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
  };
  const dsp = <T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) => call<T>(method, `${connector.dspUrl}${path}`, body);
  const stored = async (id: string) => (await connector.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(id)}`)).body;
  const storedTransfer = async (id: string) => (await connector.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(id)}`)).body;
  const fromKit = (path: RegExp) => until(() => kit.received.filter((r) => path.test(r.path)), (list) => list.length > 0);

  /** Starts a provider-side negotiation for a seeded dataset, as CN tests do; returns our providerPid. */
  const requestContract = async (dataset: string, consumerPid = `kit-consumer-${dataset}-${Math.random()}`) => {
    const r = await dsp('POST', '/negotiations/request', {
      '@type': 'ContractRequestMessage', consumerPid, callbackAddress: kit.url,
      offer: { '@type': 'Offer', '@id': `CD123:${dataset}:456`, target: dataset, permission: [{ action: 'use' }] },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ '@type': 'ContractNegotiation', state: 'REQUESTED', consumerPid });
    return { providerPid: String(r.body.providerPid), consumerPid };
  };

  beforeAll(async () => {
    kit = await startFakeKit();
    connector = await startConformanceConnector();
    origin = new URL(connector.dspUrl).origin;
  });

  afterAll(async () => {
    await connector?.stop();
    await kit?.close();
  });

  it('refuses a counter-request to a negotiation in REQUESTED with a 409 ContractNegotiationError, and changes nothing', async () => {
    const { providerPid, consumerPid } = await requestContract('ACN0202'); // scripted to wait
    const before = await stored(providerPid);
    const r = await dsp('POST', `/negotiations/${providerPid}/request`, {
      '@type': 'ContractRequestMessage', providerPid, consumerPid, offer: { '@type': 'Offer', '@id': 'CD123:ACN0202:456', target: 'ACN0202', permission: [{ action: 'use' }] },
    });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ '@context': CONTEXT, '@type': 'ContractNegotiationError', providerPid, consumerPid, code: 'DSP_INVALID_STATE' });
    expect(await stored(providerPid)).toEqual(before);
    expect((await dsp('GET', `/negotiations/${providerPid}`)).body).toMatchObject({ state: 'REQUESTED' });
  });

  it('accepts one counter-request after its offer and refuses the same counter-request sent again at once (CN:03-04)', async () => {
    const { providerPid, consumerPid } = await requestContract('ACN0304');
    await fromKit(new RegExp(`^/negotiations/${consumerPid}/offers$`));
    const counter = { '@type': 'ContractRequestMessage', providerPid, consumerPid, offer: { '@type': 'Offer', '@id': 'CD123:ACN0304:456', target: 'ACN0304', permission: [{ action: 'use' }] } };
    const first = await dsp('POST', `/negotiations/${providerPid}/request`, counter);
    expect(first).toMatchObject({ status: 200, body: { '@type': 'ContractNegotiation', state: 'REQUESTED' } });
    const second = await dsp('POST', `/negotiations/${providerPid}/request`, counter);
    expect(second.status).toBe(409);
    expect((await dsp('GET', `/negotiations/${providerPid}`)).body).toMatchObject({ state: 'REQUESTED' });
  });

  it('refuses a verification before an agreement was sent, and any message to a terminated negotiation', async () => {
    const { providerPid, consumerPid } = await requestContract('ACN0302'); // scripted to offer
    await fromKit(new RegExp(`^/negotiations/${consumerPid}/offers$`));
    const pids = { providerPid, consumerPid };
    expect((await dsp('POST', `/negotiations/${providerPid}/agreement/verification`, { '@type': 'ContractAgreementVerificationMessage', ...pids })).status).toBe(409);
    expect((await dsp('POST', `/negotiations/${providerPid}/termination`, { '@type': 'ContractNegotiationTerminationMessage', ...pids, code: '1' })).status).toBe(200);
    expect((await stored(providerPid)).state).toBe('TERMINATED');
    const again = await dsp('POST', `/negotiations/${providerPid}/termination`, { '@type': 'ContractNegotiationTerminationMessage', ...pids, code: '1' });
    expect(again.status).toBe(409);
    expect((await dsp('POST', `/negotiations/${providerPid}/events`, { '@type': 'ContractNegotiationEventMessage', ...pids, eventType: 'ACCEPTED' })).status).toBe(409);
  });

  it('follows a script of unprompted steps: an offer, then about a second later a termination (ACN0205)', async () => {
    const { providerPid, consumerPid } = await requestContract('ACN0205');
    const [offer] = await fromKit(new RegExp(`^/negotiations/${consumerPid}/offers$`));
    const [termination] = await fromKit(new RegExp(`^/negotiations/${consumerPid}/termination$`));
    expect(offer!.body).toMatchObject({ '@type': 'ContractOfferMessage', providerPid, consumerPid, offer: { '@type': 'Offer', '@id': 'CD123:ACN0205:456', target: 'ACN0205', permission: [{ action: 'use' }] } });
    expect(offer!.body).not.toHaveProperty('callbackAddress');
    expect(termination!.body).toMatchObject({ '@type': 'ContractNegotiationTerminationMessage', providerPid, consumerPid });
    expect(termination!.at - offer!.at).toBeGreaterThanOrEqual(900);
    expect((await until(() => stored(providerPid), (n) => n.state === 'TERMINATED')).state).toBe('TERMINATED');
  });

  it('agrees to a scripted request through the real policies and finalizes once the kit verifies (ACN0104)', async () => {
    const { providerPid, consumerPid } = await requestContract('ACN0104');
    const [agreement] = await fromKit(new RegExp(`^/negotiations/${consumerPid}/agreement$`));
    expect(agreement!.body).toMatchObject({ '@type': 'ContractAgreementMessage', agreement: { '@type': 'Agreement', target: 'ACN0104', assigner: 'KOUAN_TCK', assignee: 'tck_participant' } });
    const recorded = await connector.api<{ exportPath: string }>('GET', `/agreements/${encodeURIComponent(String((agreement!.body.agreement as { '@id': string })['@id']))}`);
    expect(recorded.body.exportPath).toBe('exempt'); // kouan/export decided: general data, no personal information
    expect((await dsp('POST', `/negotiations/${providerPid}/agreement/verification`, { '@type': 'ContractAgreementVerificationMessage', providerPid, consumerPid })).status).toBe(200);
    const [finalized] = await fromKit(new RegExp(`^/negotiations/${consumerPid}/events$`));
    expect(finalized!.body).toMatchObject({ eventType: 'FINALIZED' });
    expect((await until(() => stored(providerPid), (n) => n.state === 'FINALIZED')).state).toBe('FINALIZED');
  });

  it('as consumer, neither accepts an offer nor takes a FINALIZED event or an agreement it was not scripted for', async () => {
    const hook = await call('POST', `${origin}/tck/negotiations/requests`, { providerId: 'TCK_PARTICIPANT', offerId: 'offerACNC0302', datasetId: 'ACNC0302', connectorAddress: kit.url });
    expect(hook.status).toBe(201);
    const consumerPid = String(hook.body.consumerPid);
    const [sent] = await fromKit(/^\/negotiations\/request$/);
    expect(sent!.body).toMatchObject({ '@type': 'ContractRequestMessage', consumerPid, callbackAddress: connector.dspUrl, offer: { '@id': 'offerACNC0302', target: 'ACNC0302' } });
    const { providerPid } = (await until(() => stored(consumerPid), (n) => n.state === 'REQUESTED')) as { providerPid: string };
    const pids = { providerPid, consumerPid };
    expect((await dsp('POST', `/negotiations/${consumerPid}/events`, { '@type': 'ContractNegotiationEventMessage', ...pids, eventType: 'FINALIZED' })).status).toBe(409);
    const offer = { '@type': 'ContractOfferMessage', ...pids, offer: { '@type': 'Offer', '@id': 'offerACNC0302', target: 'ACNC0302', permission: [{ action: 'use' }] } };
    expect((await dsp('POST', `/negotiations/${consumerPid}/offers`, offer)).status).toBe(200);
    const agreement = { '@type': 'ContractAgreementMessage', ...pids, agreement: { '@type': 'Agreement', '@id': 'kit-agreement', target: 'ACNC0302', assigner: 'TCK_PARTICIPANT', assignee: 'KOUAN_TCK', permission: [{ action: 'use' }] } };
    expect((await dsp('POST', `/negotiations/${consumerPid}/agreement`, agreement)).status).toBe(409);
    expect((await dsp('POST', `/negotiations/${consumerPid}/offers`, offer)).status).toBe(409);
    await new Promise((r) => setTimeout(r, 500));
    expect((await dsp('GET', `/negotiations/${consumerPid}`)).body).toMatchObject({ state: 'OFFERED' });
    expect(kit.received.filter((r) => r.path.startsWith(`/negotiations/${providerPid}/`))).toEqual([]);
  });

  it('refuses completion and suspension of a transfer that never started, and a start after its termination', async () => {
    const r = await dsp('POST', '/transfers/request', { '@type': 'TransferRequestMessage', consumerPid: 'kit-transfer-1', agreementId: 'ATP0301', format: 'HTTP-PULL', callbackAddress: kit.url });
    expect(r).toMatchObject({ status: 201, body: { '@type': 'TransferProcess', state: 'REQUESTED' } });
    const providerPid = String(r.body.providerPid);
    const pids = { providerPid, consumerPid: 'kit-transfer-1' };
    const before = await storedTransfer(providerPid);
    for (const signal of ['completion', 'suspension'] as const) {
      const refused = await dsp('POST', `/transfers/${providerPid}/${signal}`, { '@type': signal === 'completion' ? 'TransferCompletionMessage' : 'TransferSuspensionMessage', ...pids, code: '1' });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ '@type': 'TransferError', code: 'DSP_INVALID_STATE' });
    }
    expect(await storedTransfer(providerPid)).toEqual(before);
    expect((await dsp('POST', `/transfers/${providerPid}/termination`, { '@type': 'TransferTerminationMessage', ...pids, code: '1' })).status).toBe(200);
    expect((await dsp('POST', `/transfers/${providerPid}/start`, { '@type': 'TransferStartMessage', ...pids })).status).toBe(409);
    expect((await dsp('GET', `/transfers/${providerPid}`)).body).toMatchObject({ state: 'TERMINATED' });
  });

  it('starts a scripted transfer with a pull data address, suspends it and terminates it (ATP0103)', async () => {
    const r = await dsp('POST', '/transfers/request', { '@type': 'TransferRequestMessage', consumerPid: 'kit-transfer-2', agreementId: 'ATP0103', format: 'HTTP-PULL', callbackAddress: kit.url });
    const providerPid = String(r.body.providerPid);
    const [start] = await fromKit(/^\/transfers\/kit-transfer-2\/start$/);
    expect(start!.body).toMatchObject({ '@type': 'TransferStartMessage', providerPid, dataAddress: { '@type': 'DataAddress', endpointType: 'https://w3id.org/idsa/v4.1/HTTP' } });
    await fromKit(/^\/transfers\/kit-transfer-2\/termination$/);
    expect(kit.received.filter((x) => x.path.startsWith('/transfers/kit-transfer-2/')).map((x) => x.path.split('/').pop())).toEqual(['start', 'suspension', 'termination']);
    expect((await until(() => storedTransfer(providerPid), (t) => t.state === 'TERMINATED')).state).toBe('TERMINATED');
  });

  it('serves the seeded catalog and answers an unknown dataset with a CatalogError', async () => {
    const catalog = await dsp<{ dataset: Array<{ '@id': string; hasPolicy: Array<{ '@id': string }> }> }>('POST', '/catalog/request', { '@type': 'CatalogRequestMessage' });
    expect(catalog.status).toBe(200);
    expect(catalog.body.dataset.find((d) => d['@id'] === 'CAT0101')?.hasPolicy.map((o) => o['@id'])).toEqual(['CD123:CAT0101:456']);
    const missing = await dsp('GET', '/catalog/datasets/CAT0103');
    expect(missing).toMatchObject({ status: 404, body: { '@type': 'CatalogError' } });
  });
});
