import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { ContractNegotiation, TransferProcess } from '../../src/control-plane/model.ts';
import { budgetKey } from '../../src/data-plane/budget.ts';
import { beijingYear } from '../../src/data-plane/inputs.ts';
import { request } from 'undici';
import { edrOf, pull } from '../../src/data-plane/pull.ts';
import type { RunningConnector } from '../../src/main/connector.ts';
import type { DataPlaneStores } from '../../src/storage/ports.ts';
import { PeerClient } from '../../src/trust/client.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import { restartTestConnector, startTestConnector, type TestConnector } from '../support/connectors.ts';
import { Collect } from '../support/collect.ts';
import { until } from '../support/until.ts';
import { TestPki } from '../support/pki.ts';
import { TestReceiver } from '../support/receiver.ts';

const PATIENTS = 12;
/** Two cohorts with different persons: each dataset path serves its own. */
const rows = (cohort: string) => Array.from({ length: PATIENTS * 2 }, (_, i) => ({ patient_id: `${cohort}-${i % PATIENTS}`, patient_name: `Name ${i % PATIENTS}`, hba1c: 5 + (i % 4) }));



describe('subject thresholds and records on their way to the registry', () => {
  let pki: TestPki;
  let backend: Server;
  let slowClosed = false;
  let receiver: TestReceiver;
  let hospital: TestConnector;
  let pharma: TestConnector;
  let pharmaTrust: TrustStore;
  let peers: PeerClient;

  beforeAll(async () => {
    pki = await TestPki.create();
    backend = createServer((req, res) => {
      res.setHeader('content-type', 'application/x-ndjson');
      if (!req.url?.includes('cohort-slow')) return res.end(rows(req.url?.includes('cohort-b') ? 'B' : 'A').map((r) => JSON.stringify(r)).join('\n'));
      // A long stream of already-counted persons, written slowly, whose reader will hang up half-way.
      let i = 0;
      const timer = setInterval(() => res.write(`${JSON.stringify(rows('A')[i++ % PATIENTS])}\n`), 5);
      res.once('close', () => {
        clearInterval(timer);
        slowClosed = true;
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const url = (cohort: string) => `http://127.0.0.1:${(backend.address() as AddressInfo).port}/${cohort}.ndjson`;
    receiver = new TestReceiver(await pki.trust(pki.issue('data-port', 'CN')));
    await receiver.up();
    hospital = await startTestConnector(pki, 'bj-hospital', 'CN', {
      gateway: { listen: { host: '127.0.0.1', port: 0 } }, metrics: { enabled: true, listen: { host: '127.0.0.1', port: 0 } },
      registry: { participantId: 'data-port', url: receiver.url, deliveryIntervalMs: 20, backoffMaxMs: 100 },
    });
    pharma = await startTestConnector(pki, 'pharma-de', 'DE', { gateway: { listen: { host: '127.0.0.1', port: 0 } }, metrics: { enabled: false } });
    pharmaTrust = await pki.trust({ cert: pharma.config.tls.cert, key: pharma.config.tls.key });
    peers = new PeerClient(pharmaTrust, new TokenIssuer(pharmaTrust.identity, systemClock));
    const classification = {
      grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial'],
      pi: { subjects: PATIENTS, sensitiveSubjects: PATIENTS, sensitiveKinds: ['medical_health'], fields: ['patient_name', 'patient_id'], subjectIdField: 'patient_id' },
      hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
    };
    for (const cohort of ['cohort-a', 'cohort-b', 'cohort-slow']) {
      expect((await hospital.api('POST', '/assets', { id: cohort, title: `HbA1c series, ${cohort}`, classification, backend: { url: url(cohort), format: 'ndjson' } })).status).toBe(201);
      expect((await hospital.api('POST', '/offers', { id: `offer-${cohort}`, assetId: cohort, policy: { permissions: [{ action: 'use', duties: [{ action: 'drop_fields', fields: ['patient_name'] }] }] } })).status).toBe(201);
    }
    await hospital.api('POST', '/approvals', { id: 'pipia', kind: 'pipia', entry: { ref: 'PIPIA-7', recipient: 'pharma-de', date: '2026-02-01' } });
    await hospital.api('POST', '/approvals', { id: 'scc', kind: 'standard_contract', entry: { ref: 'SCC-7', recipient: 'pharma-de', effective: '2026-02-01', filing_ref: 'CAC-FILED-7' } });
  }, 60_000);

  afterAll(async () => {
    await peers?.close();
    pharmaTrust?.close();
    await Promise.all([hospital?.stop(), pharma?.stop(), receiver?.down()]);
    backend?.close();
    pki.cleanup();
  });

  const startedTransfer = async (cohort: string): Promise<TransferProcess> => {
    const n = await pharma.api<ContractNegotiation>('POST', '/negotiations', { providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: cohort, offerId: `offer-${cohort}`, acceptedObligations: ['drop_fields'] });
    const done = await until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(n.body.id)}`)).body, (x) => x.state === 'FINALIZED' || x.state === 'TERMINATED');
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
    const t = await pharma.api<TransferProcess>('POST', '/transfers', { agreementId: done.agreementId });
    return until(async () => (await pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(t.body.id)}`)).body, (x) => x.state === 'STARTED');
  };
  const stores = (c: RunningConnector) => c.stores as unknown as DataPlaneStores;

  it('a consumer that hangs up mid-stream: the backend read stops and a usage record accounts for what was sent', async () => {
    const transfer = await startedTransfer('cohort-slow');
    const edr = edrOf(transfer.dataAddress);
    const controller = new AbortController();
    const response = await request(edr.endpoint, { headers: { authorization: `Bearer ${edr.token}` }, dispatcher: peers.agentFor('bj-hospital'), signal: controller.signal });
    let received = 0;
    await new Promise<void>((resolve) => {
      response.body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 2_000) resolve();
      });
    });
    controller.abort();
    response.body.destroy();
    const usage = await until(async () => receiver.of('usage').find((r) => r.record.transfer === transfer.providerPid), (r) => r !== undefined, 15_000);
    expect(usage?.record).toMatchObject({ decision: { stoppedBy: 'CONSUMER_ABORTED' } });
    expect(usage!.record.records as number).toBeGreaterThan(0);
    expect(await until(() => slowClosed, (closed) => closed, 5_000)).toBe(true);
  });

  it('registry unreachable for 1,000 requests and a connector restart, then back: every usage record arrives exactly once', async () => {
    const transfer = await startedTransfer('cohort-a');
    await receiver.down();
    const before = receiver.of('usage').length;
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < 1_000) {
        next += 1;
        await pull(peers, 'bj-hospital', edrOf(transfer.dataAddress), new Collect());
      }
    }));
    // A usage record is written once its response has ended (signed on the thread pool): all 1,000 reach the outbox.
    expect(await until(() => stores(hospital).outbox.backlog(), (n) => n >= 1_000, 10_000)).toBeGreaterThanOrEqual(1_000);
    await hospital.stop();
    hospital = await restartTestConnector(hospital.config, 'bj-hospital');
    await receiver.up();
    await until(() => stores(hospital).outbox.backlog(), (n) => n === 0, 60_000);
    const usage = receiver.of('usage').filter((r) => r.record.transfer === transfer.providerPid);
    expect(usage).toHaveLength(1_000);
    expect(receiver.of('usage').length - before).toBe(1_000);
    expect(new Set(usage.map((r) => r.id)).size).toBe(1_000);
  }, 120_000);
  it('a pull that would cross the standard-contract threshold stops at the last allowed record, with the marker and a denial record', async () => {
    const transfer = await startedTransfer('cohort-b');
    const year = beijingYear(new Date());
    // This year the hospital has already provided sensitive PI of 9,995 persons in all: 4 more stay under 10,000.
    const so_far = await stores(hospital).usage.cumulative('bj-hospital', year);
    const earlier = Array.from({ length: 9_995 - so_far.sensitiveSubjects }, () => randomUUID());
    // As a gateway provides them: reserved from the exporter's budgets first, then written.
    const scope = { agreementId: 'urn:earlier-agreement', exporterId: 'bj-hospital', year };
    for (const kind of ['subjects', 'sensitiveSubjects'] as const) {
      const seed = async () => (kind === 'subjects' ? so_far.subjects : so_far.sensitiveSubjects);
      expect(await stores(hospital).budgets.reserve(budgetKey(kind, scope), earlier.length, Number.MAX_SAFE_INTEGER, seed)).toBe(earlier.length);
    }
    await stores(hospital).usage.addSubjects('bj-hospital', year, 'urn:earlier-agreement', earlier, true);
    const out = new Collect();
    await pull(peers, 'bj-hospital', edrOf(transfer.dataAddress), out);
    const lines = out.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(5);
    expect(lines.slice(0, 4).map((l) => l.patient_id)).toEqual(['B-0', 'B-1', 'B-2', 'B-3']);
    expect(lines.slice(0, 4).every((l) => !('patient_name' in l))).toBe(true);
    expect(lines[4]).toMatchObject({ 'kouan:error': { code: 'GATEWAY_THRESHOLD_REACHED' } });
    expect((await stores(hospital).usage.cumulative('bj-hospital', year)).sensitiveSubjects).toBe(9_999);
    const denial = await until(async () => receiver.of('denial').find((r) => r.record.transfer === transfer.providerPid), (r) => r !== undefined);
    expect(denial?.record).toMatchObject({ stage: 'data-plane-stream', recordsForwarded: 4, reasons: [{ code: 'GATEWAY_THRESHOLD_REACHED' }] });
    // At 9,999 the path still allows the persons already counted, and nobody new.
    const again = new Collect();
    await pull(peers, 'bj-hospital', edrOf(transfer.dataAddress), again);
    const more = again.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(more.map((l) => l.patient_id ?? (l['kouan:error'] as { code: string }).code)).toEqual(['B-0', 'B-1', 'B-2', 'B-3', 'GATEWAY_THRESHOLD_REACHED']);
  });


  it('serves Prometheus metrics on their own port: requests, bytes, refusals by reason, decision latency, outbox backlog', async () => {
    const r = await fetch(hospital.metricsUrl!);
    expect(r.status).toBe(200);
    const text = await r.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    expect(value(/^kouan_gateway_requests_total (\d+)/m)).toBeGreaterThanOrEqual(2);
    expect(value(/^kouan_gateway_bytes_total (\d+)/m)).toBeGreaterThan(0);
    expect(value(/^kouan_gateway_refusals_total\{code="GATEWAY_THRESHOLD_REACHED"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^kouan_gateway_decision_seconds_bucket\{le="0.005"\} \d+/m);
    expect(value(/^kouan_outbox_backlog (\d+)/m)).toBeGreaterThanOrEqual(0);
  });

  it('sends a filing record for each concluded agreement and a denial record for a refused negotiation, all matching the record schemas', async () => {
    const filings = receiver.of('filing').filter((r) => r.record.event === 'concluded');
    expect(filings.length).toBeGreaterThanOrEqual(2);
    expect(filings[0]!.record).toMatchObject({ provider: 'bj-hospital', consumer: 'pharma-de', destinationCountry: 'DE', exportPath: 'standard_contract_or_certification', grade: 'general' });
    expect((filings[0]!.record.approvals as Array<{ ref: string }>).map((a) => a.ref).sort()).toEqual(['PIPIA-7', 'SCC-7']);
    // The year's sensitive total is now at the cap: another negotiation needs a security assessment.
    const n = await pharma.api<ContractNegotiation>('POST', '/negotiations', { providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: 'cohort-a', offerId: 'offer-cohort-a', acceptedObligations: ['drop_fields'] });
    const refused = await until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(n.body.id)}`)).body, (x) => x.state === 'TERMINATED' || x.state === 'FINALIZED');
    expect(refused.state).toBe('TERMINATED');
    const denial = await until(async () => receiver.of('denial').find((r) => r.record.stage === 'negotiation'), (r) => r !== undefined);
    expect((denial!.record.reasons as Array<{ code: string }>).map((r) => r.code)).toContain('EXPORT_ASSESSMENT_MISSING');
    expect(receiver.invalid).toEqual([]);
  });

});
