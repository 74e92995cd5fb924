import { createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { ContractNegotiation, TransferProcess } from '../../src/control-plane/model.ts';
import { edrOf, pull, refreshToken } from '../../src/data-plane/pull.ts';
import { kouanAsync } from '../support/cli.ts';
import { PeerClient } from '../../src/trust/client.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import { startTestConnector, type TestConnector } from '../support/connectors.ts';
import { Collect } from '../support/collect.ts';
import { until } from '../support/until.ts';
import { TestPki, type Credentials } from '../support/pki.ts';
import { TestReceiver } from '../support/receiver.ts';

const PATIENTS = 40;
const visits = Array.from({ length: PATIENTS * 2 }, (_, i) => ({ patient_id: `P-${String(i % PATIENTS).padStart(4, '0')}`, patient_name: `Patient ${i % PATIENTS}`, age: 30 + (i % 40), diagnosis: i % 3 ? 'C34.1' : 'E11.9', visit: i }));

const classification = (sensitive: boolean) => ({
  grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial'],
  pi: { subjects: PATIENTS, sensitiveSubjects: sensitive ? PATIENTS : 0, sensitiveKinds: sensitive ? ['medical_health'] : [], fields: ['patient_name', 'patient_id'], subjectIdField: 'patient_id' },
  hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
});
const offerFor = (assetId: string) => ({
  id: `offer-${assetId}`, assetId,
  policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }], duties: [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }] }] },
});



const LABELS = `${Array.from({ length: 30 }, (_, i) => JSON.stringify({ image: `img-${i}.jpg`, label: i % 2 ? '行人' : 'car', box: [i, i + 1, 20, 40] })).join('\n')}\n\n`;

describe('data-plane gateway over mutual TLS', () => {
  let pki: TestPki;
  let backend: Server;
  let backendUrl: string;
  let receiver: TestReceiver;
  let hospital: TestConnector;
  let pharma: TestConnector;
  let pharmaTrust: TrustStore;
  let pharmaPeers: PeerClient;
  let labCreds: Credentials;

  beforeAll(async () => {
    pki = await TestPki.create();
    backend = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      if (req.url === '/labels.ndjson') {
        // Written in pieces that split lines (and a multi-byte character) between chunks, with a blank line.
        const body = Buffer.from(LABELS);
        for (let at = 0; at < body.length; at += 37) res.write(body.subarray(at, at + 37));
        res.end();
        return;
      }
      res.end(visits.map((v) => JSON.stringify(v)).join('\n') + '\n');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    receiver = new TestReceiver(await pki.trust(pki.issue('data-port', 'CN')));
    await receiver.up();
    const registry = { participantId: 'data-port', url: receiver.url, deliveryIntervalMs: 20, backoffMaxMs: 100 };
    hospital = await startTestConnector(pki, 'bj-hospital', 'CN', { gateway: { listen: { host: '127.0.0.1', port: 0 } }, metrics: { enabled: false }, registry });
    pharma = await startTestConnector(pki, 'pharma-de', 'DE', { gateway: { listen: { host: '127.0.0.1', port: 0 } }, metrics: { enabled: false } });
    pharmaTrust = await pki.trust({ cert: pharma.config.tls.cert, key: pharma.config.tls.key });
    pharmaPeers = new PeerClient(pharmaTrust, new TokenIssuer(pharmaTrust.identity, systemClock));
    labCreds = pki.issue('ai-lab', 'SG');
    for (const [id, sensitive] of [['trial-visits', false], ['trial-sensitive', true]] as const) {
      expect((await hospital.api('POST', '/assets', { id, title: id, classification: classification(sensitive), backend: { url: `${backendUrl}/${id}.ndjson`, format: 'ndjson' } })).status).toBe(201);
      expect((await hospital.api('POST', '/offers', offerFor(id))).status).toBe(201);
    }
    // Annotation labels: no personal information, no field obligations, at most 50 records per agreement.
    const labels = { ...classification(false), domain: 'automobile', categories: ['annotation'], pi: { subjects: 0, sensitiveSubjects: 0, sensitiveKinds: [], fields: [], subjectIdField: null } };
    expect((await hospital.api('POST', '/assets', { id: 'labels', title: 'labels', classification: labels, backend: { url: `${backendUrl}/labels.ndjson`, format: 'ndjson' } })).status).toBe(201);
    expect((await hospital.api('POST', '/offers', { id: 'offer-labels', assetId: 'labels', policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'maxRecords', operator: 'lteq', rightOperand: 50 }] }] } })).status).toBe(201);
    await hospital.api('POST', '/approvals', { id: 'pipia', kind: 'pipia', entry: { ref: 'PIPIA-1', recipient: 'pharma-de', date: '2026-01-10' } });
    await hospital.api('POST', '/approvals', { id: 'scc', kind: 'standard_contract', entry: { ref: 'SCC-1', recipient: 'pharma-de', effective: '2026-01-05', filing_ref: 'FILED-1' } });
  }, 60_000);

  afterAll(async () => {
    await pharmaPeers?.close();
    pharmaTrust?.close();
    await Promise.all([hospital?.stop(), pharma?.stop(), receiver?.down()]);
    backend?.close();
    pki.cleanup();
  });

  /** Negotiates and starts a transfer of the asset; returns the consumer's transfer with its data address. */
  const transferOf = async (assetId: string): Promise<TransferProcess> => {
    const n = await pharma.api<ContractNegotiation>('POST', '/negotiations', { providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: assetId, offerId: `offer-${assetId}`, purpose: 'clinical-research', acceptedObligations: ['drop_fields', 'pseudonymise_fields'] });
    const done = await until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(n.body.id)}`)).body, (x) => x.state === 'FINALIZED' || x.state === 'TERMINATED');
    expect(done.state, JSON.stringify(done.reasons)).toBe('FINALIZED');
    const t = await pharma.api<TransferProcess>('POST', '/transfers', { agreementId: done.agreementId });
    return until(async () => (await pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(t.body.id)}`)).body, (x) => x.state === 'STARTED' || x.state === 'TERMINATED');
  };
  const pullAll = async (transfer: TransferProcess, peers: PeerClient = pharmaPeers) => {
    const out = new Collect();
    await pull(peers, 'bj-hospital', edrOf(transfer.dataAddress), out);
    return out.lines();
  };
  const refusal = (transfer: TransferProcess, peers: PeerClient = pharmaPeers, token?: string) =>
    pull(peers, 'bj-hospital', token ? { ...edrOf(transfer.dataAddress), token } : edrOf(transfer.dataAddress), new Collect()).then(
      () => 'allowed',
      (e: { code?: string }) => e.code ?? 'unknown',
    );

  it('a clinical-trial NDJSON pull arrives with names dropped and patient ids pseudonymised, stable within the agreement', async () => {
    const transfer = await transferOf('trial-visits');
    const records = await pullAll(transfer);
    expect(records).toHaveLength(visits.length);
    for (const r of records) {
      expect(r).not.toHaveProperty('patient_name');
      expect(String(r.patient_id)).toMatch(/^ps_[\w-]{22}$/);
    }
    expect(records[0]!.patient_id).toBe(records[PATIENTS]!.patient_id);
    expect(new Set(records.map((r) => r.patient_id)).size).toBe(PATIENTS);
    expect(records.map((r) => r.visit)).toEqual(visits.map((v) => v.visit));

    const second = await pullAll(await transferOf('trial-visits'));
    expect(second[0]!.patient_id).not.toBe(records[0]!.patient_id);
  });

  it('a dataset with nothing to change and no person to count goes through byte for byte, counted by line and cut at max records', async () => {
    const transfer = await transferOf('labels');
    const first = new Collect();
    expect((await pull(pharmaPeers, 'bj-hospital', edrOf(transfer.dataAddress), first)).stopped).toBeNull();
    expect(first.text).toBe(LABELS);
    // 30 records went, 20 are left under maxRecords 50: the second pull stops after the 20th line with the marker.
    const second = new Collect();
    expect((await pull(pharmaPeers, 'bj-hospital', edrOf(transfer.dataAddress), second)).stopped).toMatchObject({ code: 'GATEWAY_MAX_RECORDS_REACHED' });
    const lines = second.lines();
    expect(lines).toHaveLength(21);
    expect(lines.slice(0, 20).map((l) => l.image)).toEqual(Array.from({ length: 20 }, (_, i) => `img-${i}.jpg`));
    expect(lines[20]).toMatchObject({ 'kouan:error': { code: 'GATEWAY_MAX_RECORDS_REACHED' } });
    const usage = await until(async () => receiver.of('usage'), (records) => records.filter((r) => r.record.transfer === transfer.providerPid).length >= 2);
    expect(usage.filter((r) => r.record.transfer === transfer.providerPid).map((r) => r.record.records).sort()).toEqual([20, 30]);
  });

  it('kouan transfer pull writes the data to a file, and an access token can be refreshed while the transfer runs', async () => {
    const transfer = await transferOf('trial-visits');
    const dir = mkdtempSync(join(tmpdir(), 'kouan-pull-'));
    const configFile = join(dir, 'pharma.json');
    const managementPort = Number(new URL(pharma.managementUrl).port);
    writeFileSync(configFile, JSON.stringify({ ...pharma.config, management: { ...pharma.config.management, listen: { host: '127.0.0.1', port: managementPort } } }));
    const result = await kouanAsync(['transfer', 'pull', '--config', configFile, '--transfer', transfer.id, '--out', join(dir, 'visits.ndjson')]);
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'visits.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(visits.length);
    expect(lines.every((l) => !('patient_name' in l) && String(l.patient_id).startsWith('ps_'))).toBe(true);
    expect((await kouanAsync(['transfer', 'pull', '--config', configFile, '--transfer', 'urn:uuid:nope'])).code).toBe(2);
    // An output path that cannot be written is bad input, said in one line, before anything is pulled.
    const badOut = await kouanAsync(['transfer', 'pull', '--config', configFile, '--transfer', transfer.id, '--out', join(dir, 'missing-folder', 'visits.ndjson')]);
    expect(badOut.code).toBe(2);
    expect(badOut.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^kouan: cannot write .*missing-folder.*ENOENT/)]);

    const fresh = await refreshToken(pharmaPeers, 'bj-hospital', edrOf(transfer.dataAddress));
    expect(fresh.token).not.toBe(edrOf(transfer.dataAddress).token);
    expect(Date.parse(fresh.expiresAt)).toBeGreaterThan(Date.now());
    const out = new Collect();
    await pull(pharmaPeers, 'bj-hospital', fresh, out);
    expect(out.lines()).toHaveLength(visits.length);
    await hospital.api('POST', `/transfers/${encodeURIComponent(transfer.providerPid!)}/terminate`, { reason: 'done' });
    await until(async () => (await hospital.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(transfer.providerPid!)}`)).body, (t) => t.state === 'TERMINATED');
    await expect(refreshToken(pharmaPeers, 'bj-hospital', fresh)).rejects.toMatchObject({ code: 'GATEWAY_TRANSFER_NOT_ACTIVE' });
  });

  it('refuses on the very next request: suspended transfer, terminated agreement, expired token, another certificate, revoked certificate', async () => {
    const transfer = await transferOf('trial-visits');
    expect(await refusal(transfer)).toBe('allowed');

    const labTrust = await pki.trust(labCreds);
    const labPeers = new PeerClient(labTrust, new TokenIssuer(labTrust.identity, systemClock));
    expect(await refusal(transfer, labPeers)).toBe('TOKEN_BINDING_MISMATCH');
    await labPeers.close();
    labTrust.close();

    const hospitalKey = createPrivateKey(readFileSync(hospital.config.tls.cert.replace(/\.crt$/, '.key')));
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ transfer_id: transfer.providerPid, agreement_id: transfer.agreementId, cnf: { 'x5t#S256': pharmaTrust.identity.certThumbprint } })
      .setProtectedHeader({ alg: 'ES256', typ: 'kouan-access+jwt' }).setIssuer('bj-hospital').setAudience('bj-hospital').setSubject('pharma-de')
      .setIssuedAt(now - 1000).setExpirationTime(now - 100).setJti(randomUUID()).sign(hospitalKey);
    expect(await refusal(transfer, pharmaPeers, expired)).toBe('TOKEN_EXPIRED');

    const providerTransfer = transfer.providerPid!;
    await hospital.api('POST', `/transfers/${encodeURIComponent(providerTransfer)}/suspend`, { reason: 'audit' });
    await until(async () => (await hospital.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(providerTransfer)}`)).body, (t) => t.state === 'SUSPENDED');
    expect(await refusal(transfer)).toBe('GATEWAY_TRANSFER_SUSPENDED');

    const other = await transferOf('trial-visits');
    expect(await refusal(other)).toBe('allowed');
    await hospital.api('POST', `/agreements/${encodeURIComponent(other.agreementId)}/terminate`, { reason: 'ended' });
    expect(await refusal(other)).toBe('GATEWAY_AGREEMENT_NOT_ACTIVE');

    const third = await transferOf('trial-visits');
    expect(await refusal(third)).toBe('allowed');
    await pki.revoke({ participantId: 'pharma-de' });
    await until(() => refusal(third), (code) => code !== 'allowed', 5000);
    expect(await refusal(third)).toBe('TLS_CERT_REVOKED');
  });
});
