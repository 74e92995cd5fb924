/**
 * The data space of docker/compose.yaml, run as OS processes on loopback: one PostgreSQL, the registry and two
 * connectors started through the real CLI with docker/config/*.json (only hosts, ports, paths and the database
 * moved to this machine), certificates from docker/pki.mjs (the compose `pki` step, driving `kouan pki`),
 * participants registered by docker/enrol.mjs (the compose `enrol` step, through the operator API), the database
 * password passed as PGPASSWORD exactly as compose passes it.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Static, TObject } from '@sinclair/typebox';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractNegotiation, TransferProcess } from '../../src/control-plane/model.ts';
import { loadConfigFile, parseConfig } from '../../src/core/config.ts';
import { edrOf, pull } from '../../src/data-plane/pull.ts';
import { ConnectorConfigSchema, type ConnectorConfig } from '../../src/main/connector-config.ts';
import { RegistryConfigSchema, type RegistryConfig } from '../../src/main/registry-config.ts';
import { systemClock } from '../../src/core/clock.ts';
import { PeerClient } from '../../src/trust/client.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import { TrustStore } from '../../src/trust/trust-store.ts';
import { kouanAsync } from '../support/cli.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { freePort, startKouanProcess, type KouanProcess } from '../support/processes.ts';
import { until } from '../support/until.ts';

const DOCKER = fileURLToPath(new URL('../../docker/', import.meta.url));

interface Participant {
  service: 'registry' | 'hospital' | 'pharma';
  role: 'registry' | 'connector';
  id: string;
  legalName: string;
  country: string;
  dns: string[];
}
const { participants } = JSON.parse(readFileSync(join(DOCKER, 'participants.json'), 'utf8')) as { participants: Participant[] };
const byService = (service: Participant['service']): Participant => participants.find((p) => p.service === service)!;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of the compose deployment's one-shot scripts (docker/*.mjs) as its service would. */
const script = (name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [join(DOCKER, name), ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

/** A docker/config file, checked against its schema as `kouan ... start --config` would check it. */
function dockerConfig<S extends TObject>(schema: S, service: string): Static<S> {
  const raw = JSON.parse(readFileSync(join(DOCKER, 'config', `${service}.json`), 'utf8')) as Static<S>;
  parseConfig(schema, raw, `docker/config/${service}.json`);
  return raw;
}

type Api = <T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: T }>;
const api = (base: string, key: string): Api => async <T>(method: 'GET' | 'POST', path: string, body?: unknown) => {
  const r = await request(`${base}${path}`, { method, headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? null : JSON.stringify(body) });
  const text = await r.body.text();
  return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
};

interface Entry {
  seq: number;
  kind: string;
  participant: string;
  record: Record<string, unknown>;
  receipt: unknown;
}

const asset = (backendUrl: string) => ({
  id: 'trial-visits-2026',
  title: 'Visit records of a multi-centre trial',
  classification: {
    grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial'],
    pi: { subjects: 500, sensitiveSubjects: 0, sensitiveKinds: [], fields: ['patient_id'], subjectIdField: 'patient_id' },
    hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
  },
  backend: { url: backendUrl, format: 'ndjson' },
});
const offer = { id: 'offer-trial-visits', assetId: 'trial-visits-2026', policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }] }] } };
const ROWS = 40;

describe('the compose topology as processes on loopback: PostgreSQL, registry, a Beijing hospital and a German pharma firm', () => {
  const root = mkdtempSync(join(tmpdir(), 'kouan-topology-'));
  const pkiDir = join(root, 'pki');
  const pkiEnv = { KOUAN_PKI_DIR: pkiDir, KOUAN_PARTICIPANTS: join(DOCKER, 'participants.json') };
  const pgUrl = new URL(testPostgresUrl());
  // As in compose: the URL in the config names no password; the processes get it as PGPASSWORD.
  const pgEnv: NodeJS.ProcessEnv = pgUrl.password ? { PGPASSWORD: decodeURIComponent(pgUrl.password) } : {};
  pgUrl.password = '';
  const schemas = { registry: uniqueSchema('kouan_registry'), hospital: uniqueSchema('kouan_hospital'), pharma: uniqueSchema('kouan_pharma') };
  const processes: Partial<Record<Participant['service'], KouanProcess>> = {};
  const pkiRuns: Run[] = [];
  const enrolRuns: Run[] = [];
  let backend: Server;
  let operator: Api;
  let hospital: Api;
  let pharma: Api;
  let urls: { operator: string; hospitalDsp: string; hospitalManagement: string; pharmaManagement: string; hospitalGateway: string };

  const tls = (service: string) => ({ ca: join(pkiDir, service, 'ca.crt'), crl: join(pkiDir, service, 'ca.crl'), cert: join(pkiDir, service, 'participant.crt'), key: join(pkiDir, service, 'participant.key') });
  const stateDir = (service: string) => join(root, 'state', service);
  const loopback = (port: number) => ({ host: '127.0.0.1', port });

  /** docker/config/<service>.json with hosts, ports, paths and database moved to this machine. */
  function registryConfig(ports: { intake: number; operator: number }): RegistryConfig {
    const c = dockerConfig(RegistryConfigSchema, 'registry');
    c.stateDir = stateDir('registry');
    c.storage = { ...c.storage, postgresUrl: pgUrl.href, postgresSchema: schemas.registry };
    c.intake.listen = loopback(ports.intake);
    c.operator.listen = loopback(ports.operator);
    c.tls = { ...c.tls, ...tls('registry') };
    c.log.level = (process.env.KOUAN_TEST_LOG ?? 'warn') as RegistryConfig['log']['level'];
    return c;
  }

  function connectorConfig(service: 'hospital' | 'pharma', ports: { dsp: number; management: number; gateway: number; metrics: number }, registryIntake: string, peerDsp: number): ConnectorConfig {
    const c = dockerConfig(ConnectorConfigSchema, service);
    c.peers = c.peers.map((p) => ({ ...p, dspUrl: `https://127.0.0.1:${peerDsp}/dsp/2025-1` }));
    c.stateDir = stateDir(service);
    c.storage = { ...c.storage, postgresUrl: pgUrl.href, postgresSchema: schemas[service] };
    c.dsp = { listen: loopback(ports.dsp), publicUrl: `https://127.0.0.1:${ports.dsp}/dsp/2025-1` };
    c.management.listen = loopback(ports.management);
    c.gateway = { listen: loopback(ports.gateway), publicUrl: `https://127.0.0.1:${ports.gateway}` };
    c.metrics.listen = loopback(ports.metrics);
    c.registry = { ...c.registry, url: registryIntake, deliveryIntervalMs: 50, backoffMaxMs: 1000 };
    c.manager = { ...c.manager, intervalMs: 50 };
    c.tls = { ...c.tls, ...tls(service) };
    c.log.level = (process.env.KOUAN_TEST_LOG ?? 'warn') as ConnectorConfig['log']['level'];
    return c;
  }

  const writeConfig = (service: string, config: object): string => {
    const file = join(root, 'config', `${service}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  };

  beforeAll(async () => {
    mkdirSync(join(root, 'config'), { recursive: true });
    backend = createServer((_req, res) => {
      res.setHeader('content-type', 'application/x-ndjson');
      res.end(Array.from({ length: ROWS }, (_, i) => JSON.stringify({ patient_id: `P${1000 + (i % 20)}`, visit: i + 1, systolic: 110 + i })).join('\n') + '\n');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));

    // The compose `pki` step, twice: the second run must find everything in place.
    for (let i = 0; i < 2; i += 1) pkiRuns.push(await script('pki.mjs', ['init'], pkiEnv));
    if (pkiRuns[0]!.code !== 0) throw new Error(`pki init failed: ${pkiRuns[0]!.stdout}${pkiRuns[0]!.stderr}`);

    const registryPorts = { intake: await freePort(), operator: await freePort() };
    const hospitalPorts = { dsp: await freePort(), management: await freePort(), gateway: await freePort(), metrics: await freePort() };
    const pharmaPorts = { dsp: await freePort(), management: await freePort(), gateway: await freePort(), metrics: await freePort() };
    const intakeUrl = `https://127.0.0.1:${registryPorts.intake}`;
    const files = {
      registry: writeConfig('registry', registryConfig(registryPorts)),
      hospital: writeConfig('hospital', connectorConfig('hospital', hospitalPorts, intakeUrl, pharmaPorts.dsp)),
      pharma: writeConfig('pharma', connectorConfig('pharma', pharmaPorts, intakeUrl, hospitalPorts.dsp)),
    };
    const start = async (service: Participant['service'], args: string[], readyKey: string) => {
      processes[service] = await startKouanProcess(args, { readyKey, label: service, env: pgEnv });
    };
    await Promise.all([
      start('registry', ['registry', 'start', '--config', files.registry], 'operator'),
      start('hospital', ['connector', 'start', '--config', files.hospital], 'management'),
      start('pharma', ['connector', 'start', '--config', files.pharma], 'management'),
    ]);
    urls = {
      operator: String(processes.registry!.banner.operator),
      hospitalDsp: String(processes.hospital!.banner.dsp),
      hospitalManagement: String(processes.hospital!.banner.management),
      pharmaManagement: String(processes.pharma!.banner.management),
      hospitalGateway: `https://127.0.0.1:${hospitalPorts.gateway}`,
    };
    // API keys are generated into each state folder, as in the containers (the configs hold none).
    const key = (service: string, file: string) => readFileSync(join(stateDir(service), file), 'utf8').trim();
    operator = api(urls.operator, key('registry', 'operator-api-key'));
    hospital = api(urls.hospitalManagement, key('hospital', 'management-api-key'));
    pharma = api(urls.pharmaManagement, key('pharma', 'management-api-key'));

    // The compose `enrol` step, twice.
    const enrolEnv = { ...pkiEnv, KOUAN_OPERATOR_URL: urls.operator, KOUAN_OPERATOR_API_KEY_FILE: join(stateDir('registry'), 'operator-api-key') };
    for (let i = 0; i < 2; i += 1) enrolRuns.push(await script('enrol.mjs', [], enrolEnv));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(Object.values(processes).map((p) => p.stop('SIGKILL')));
    await new Promise((resolve) => backend?.close(resolve));
    await dropSchemas(testPostgresUrl(), Object.values(schemas));
    rmSync(root, { recursive: true, force: true });
  });

  it('the docker configs are valid configs that listen on all interfaces, name the compose services and carry no secrets', () => {
    const registry = loadConfigFile(RegistryConfigSchema, join(DOCKER, 'config', 'registry.json'));
    expect(registry.storage.postgresUrl).toBe('postgres://kouan@postgres:5432/kouan');
    expect(registry.operator).toMatchObject({ apiKey: null, listen: { host: '0.0.0.0' } });
    expect(registry.ledger.signingKey).toBeNull();
    const schemaNames = new Set([registry.storage.postgresSchema]);
    for (const service of ['hospital', 'pharma'] as const) {
      const c = loadConfigFile(ConnectorConfigSchema, join(DOCKER, 'config', `${service}.json`));
      expect(c.management).toMatchObject({ apiKey: null, listen: { host: '0.0.0.0' } });
      expect(c.storage.postgresUrl).toBe(registry.storage.postgresUrl);
      schemaNames.add(c.storage.postgresSchema);
      expect(new URL(c.dsp.publicUrl!).hostname).toBe(byService(service).dns[0]);
      expect(new URL(c.gateway.publicUrl!).hostname).toBe(byService(service).dns[0]);
      expect(c.registry).toMatchObject({ participantId: byService('registry').id, url: `https://${byService('registry').dns[0]}:${registry.intake.listen.port}` });
      expect(c.tls).toMatchObject({ ca: '/certs/ca.crt', crl: '/certs/ca.crl', cert: '/certs/participant.crt', key: '/certs/participant.key' });
    }
    expect(schemaNames.size).toBe(3);
  });

  it('the pki step makes the CA and one certificate per participant, its service name as DNS SAN, each folder holding only its own key; a second run keeps everything', () => {
    expect(pkiRuns.map((r) => r.code)).toEqual([0, 0]);
    expect(pkiRuns[1]!.stdout).not.toMatch(/issued|created|published/);
    const ca = new X509Certificate(readFileSync(join(pkiDir, 'ca', 'ca.crt')));
    for (const p of participants) {
      const cert = new X509Certificate(readFileSync(join(pkiDir, p.service, 'participant.crt')));
      expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subjectAltName).toContain(`URI:urn:kouan:participant:${p.id}`);
      for (const dns of p.dns) expect(cert.subjectAltName).toContain(`DNS:${dns}`);
      expect(cert.subject).toContain(`C=${p.country}`);
      expect(statSync(join(pkiDir, p.service, 'participant.key')).mode & 0o077).toBe(0);
      expect(readFileSync(join(pkiDir, p.service, 'ca.crl'), 'utf8')).toBe(readFileSync(join(pkiDir, 'ca', 'ca.crl'), 'utf8'));
    }
    expect(statSync(join(pkiDir, 'ca')).mode & 0o077).toBe(0);
  });

  it('the enrol step registers both connectors with their certificates through the operator API; a second run keeps them', async () => {
    expect(enrolRuns.map((r) => r.code), enrolRuns.map((r) => r.stdout + r.stderr).join('\n')).toEqual([0, 0]);
    for (const service of ['hospital', 'pharma'] as const) expect(enrolRuns[0]!.stdout).toContain(`enrol: registered ${byService(service).id}`);
    expect(enrolRuns[1]!.stdout).not.toContain('enrol: registered');
    const listed = await operator<Array<{ id: string; country: string; status: string; certificatePem: string }>>('GET', '/participants');
    expect(listed.status).toBe(200);
    for (const service of ['hospital', 'pharma'] as const) {
      const p = byService(service);
      const registered = listed.body.find((x) => x.id === p.id);
      expect(registered).toMatchObject({ country: p.country, status: 'active' });
      expect(registered!.certificatePem.trim()).toBe(readFileSync(tls(service).cert, 'utf8').trim());
    }
  });

  it("the image's health check passes against the registry's and the connectors' health endpoints, and fails against a closed port", async () => {
    const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    const command = JSON.parse(/^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const probe = (url: string) =>
      new Promise<number>((resolve) => execFile(process.execPath, command.slice(1), { env: { ...process.env, KOUAN_HEALTH_URL: url } }, (error) => resolve(error ? Number(error.code) : 0)));
    const health = [`${urls.operator}/health`, `${urls.hospitalManagement}/health`, `${urls.pharmaManagement}/health`];
    expect(await Promise.all(health.map(probe))).toEqual([0, 0, 0]);
    expect(await probe(`http://127.0.0.1:${await freePort()}/operator/v1/health`)).toBe(1);
  });

  it("pharma negotiates with the hospital, starts a transfer and pulls through the hospital's gateway; the agreement's filing record and the usage record reach the registry's ledger", async () => {
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/visits.ndjson`;
    expect((await hospital('POST', '/assets', asset(backendUrl))).status).toBe(201);
    expect((await hospital('POST', '/offers', offer)).status).toBe(201);
    const pipia = { id: 'pipia-pharma-de', kind: 'pipia', entry: { ref: 'PIPIA-BJH-2026-031', recipient: byService('pharma').id, date: '2026-01-05' } };
    expect((await hospital('POST', '/approvals', pipia)).status).toBe(201);

    const started = await pharma<ContractNegotiation>('POST', '/negotiations', { providerId: byService('hospital').id, address: urls.hospitalDsp, datasetId: 'trial-visits-2026', offerId: offer.id, purpose: 'clinical-research' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const negotiation = await until(async () => (await pharma<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(started.body.id)}`)).body, (n) => n.state === 'FINALIZED' || n.state === 'TERMINATED');
    expect(negotiation.state, JSON.stringify(negotiation.reasons)).toBe('FINALIZED');
    const agreementId = negotiation.agreementId!;

    const t = await pharma<TransferProcess>('POST', '/transfers', { agreementId });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    const transfer = await until(async () => (await pharma<TransferProcess>('GET', `/transfers/${encodeURIComponent(t.body.id)}`)).body, (x) => x.state === 'STARTED' || x.state === 'TERMINATED');
    expect(transfer.state, JSON.stringify(transfer.reasons)).toBe('STARTED');
    const edr = edrOf(transfer.dataAddress);
    expect(edr.endpoint.startsWith(`${urls.hospitalGateway}/`)).toBe(true);

    // The consumer's own systems pull with its certificate, over mutual TLS, through the provider's gateway.
    const trust = await TrustStore.load(tls('pharma'));
    const peers = new PeerClient(trust, new TokenIssuer(trust.identity, systemClock));
    let text = '';
    try {
      await pull(peers, byService('hospital').id, edr, new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk.toString()), done()) }));
    } finally {
      await peers.close();
      trust.close();
    }
    expect(text.trim().split('\n')).toHaveLength(ROWS);

    const ledger = async () => (await operator<Entry[]>('GET', '/ledger/entries?after=0&limit=1000')).body;
    const filingOf = (entries: Entry[]) => entries.find((e) => e.kind === 'filing' && e.record.agreement === agreementId && e.record.event === 'concluded');
    const usageOf = (entries: Entry[]) => entries.find((e) => e.kind === 'usage' && e.record.agreement === agreementId);
    const entries = await until(ledger, (es) => filingOf(es) !== undefined && usageOf(es) !== undefined, 15_000);
    const filing = filingOf(entries);
    expect(filing, JSON.stringify(entries.map((e) => [e.kind, e.participant]))).toBeDefined();
    expect(filing!.participant).toBe(byService('hospital').id);
    expect(filing!.receipt).toBeTruthy();
    expect(filing!.record).toMatchObject({ provider: byService('hospital').id, consumer: byService('pharma').id, destinationCountry: 'DE', datasets: ['trial-visits-2026'] });
    expect(filing!.record.approvals).toContainEqual({ kind: 'pipia', ref: pipia.entry.ref });
    expect(usageOf(entries)!.record).toMatchObject({ consumer: byService('pharma').id, records: ROWS, newSubjects: 20 });
  });

  it('`kouan ledger verify` recomputes the chain in PostgreSQL and finds it whole', async () => {
    const result = await kouanAsync(['ledger', 'verify', '--db', pgUrl.href, '--schema', schemas.registry, '--ca', join(pkiDir, 'registry', 'ca.crt'), '--registry-cert', join(pkiDir, 'registry', 'participant.crt'), '--signatures', '--json'], pgEnv);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; entries: number; anchored: boolean };
    expect(report).toMatchObject({ ok: true, anchored: true });
    expect(report.entries).toBeGreaterThanOrEqual(2);
  });

  it('every process stops cleanly on SIGTERM', async () => {
    const order: Participant['service'][] = ['pharma', 'hospital', 'registry'];
    for (const service of order) {
      const exit = await processes[service]!.stop('SIGTERM');
      expect(exit, processes[service]!.tail()).toEqual({ code: 0, signal: null });
    }
  });
});
