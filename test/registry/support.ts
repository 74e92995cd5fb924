/** A real registry on loopback for the tests, and connectors that talk to it the way real ones do. */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import type { Clock } from '../../src/core/clock.ts';
import { parseConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { RegistryConfigSchema, type RegistryConfig } from '../../src/main/registry-config.ts';
import { startRegistry, type RunningRegistry } from '../../src/main/registry.ts';
import { PeerClient } from '../../src/trust/client.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { signDetached } from '../../src/trust/jws.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import type { Credentials, TestPki } from '../support/pki.ts';
import { readFileSync } from 'node:fs';

export const REGISTRY_ID = 'data-port-registry';
export const API_KEY = 'operator-key-0123456789abcdef';

export interface TestRegistry extends RunningRegistry {
  config: RegistryConfig;
  operator<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, apiKey?: string): Promise<{ status: number; body: T }>;
}

/** A registry with its own certificate, SQLite in a temporary folder unless `storage` says otherwise. */
export async function startTestRegistry(pki: TestPki, overrides: Record<string, unknown> = {}, credentials: Credentials = pki.issue(REGISTRY_ID, 'CN'), clock?: Clock): Promise<TestRegistry> {
  const config = parseConfig(RegistryConfigSchema, {
    stateDir: mkdtempSync(join(tmpdir(), 'kouan-registry-')),
    intake: { listen: { host: '127.0.0.1', port: 0 } },
    operator: { listen: { host: '127.0.0.1', port: 0 }, apiKey: API_KEY },
    tls: { ...pki.paths({ cert: credentials.cert, key: credentials.key }), crlPollMs: 100 },
    log: { level: process.env.KOUAN_TEST_LOG ?? 'silent' },
    ...overrides,
  });
  const registry = await startRegistry(config, { logger: createLogger({ level: config.log.level, name: 'registry' }), ...(clock === undefined ? {} : { clock }) });
  return {
    ...registry,
    config,
    async operator<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, apiKey = registry.apiKey) {
      const r = await request(`${registry.operatorUrl}${path}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
    },
  };
}

/** Registers a participant with the PEM of the certificate its connector presents. */
export async function register(registry: TestRegistry, id: string, country: string, credentials: Credentials, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await registry.operator('POST', '/participants', { id, legalName: `${id} Ltd.`, country, certificatePem: readFileSync(credentials.cert, 'utf8'), ...extra });
  if (r.status !== 201) throw new Error(`registering ${id}: ${r.status} ${JSON.stringify(r.body)}`);
}

export interface IntakeBody {
  id: string;
  kind: 'filing' | 'usage' | 'denial';
  record: Record<string, unknown>;
  signature: string;
}

/** A usage record of `participant`, valid against its schema. */
export function usageRecord(participant: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = `urn:uuid:${randomUUID()}`;
  return {
    id,
    kind: 'usage',
    participant,
    at: '2026-11-27T10:00:00.000Z',
    transfer: `urn:uuid:${randomUUID()}`,
    agreement: 'urn:uuid:agreement-1',
    consumer: 'pharma-de',
    destinationCountry: 'DE',
    bytes: 123_456,
    records: 1000,
    newSubjects: 12,
    newSensitiveSubjects: 0,
    sha256: createHash('sha256').update(id).digest('hex'),
    decision: { allow: true, exportPath: 'standard_contract_or_certification', stoppedBy: null },
    ...overrides,
  };
}

/** A filing record (agreement concluded) of `participant`, valid against its schema. */
export function filingRecord(participant: string, agreement: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `urn:uuid:${randomUUID()}`,
    kind: 'filing',
    participant,
    at: '2026-11-26T02:00:00.000Z',
    event: 'concluded',
    agreement,
    provider: participant,
    consumer: 'pharma-de',
    destinationCountry: 'DE',
    datasets: ['urn:dataset:1'],
    grade: 'general',
    domain: 'health',
    categories: ['clinical'],
    pi: { subjects: 1000, sensitiveSubjects: 0, sensitiveKinds: [] },
    exportPath: 'standard_contract_or_certification',
    approvals: [],
    deadlines: [],
    start: '2026-11-26T00:00:00.000Z',
    end: '2027-11-26T00:00:00.000Z',
    ...overrides,
  };
}

/** A denial record of `participant` with one reason per code, valid against its schema. */
export function denialRecord(participant: string, codes: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `urn:uuid:${randomUUID()}`,
    kind: 'denial',
    participant,
    at: '2026-11-27T03:00:00.000Z',
    stage: 'transfer',
    consumer: 'pharma-us',
    destinationCountry: 'US',
    reasons: codes.map((code) => ({ code, message: `refused: ${code}`, basis: 'test' })),
    ...overrides,
  };
}

/** The intake body a connector sends: the record signed by `signer`. */
export async function signed(record: Record<string, unknown>, signer: LocalIdentity): Promise<IntakeBody> {
  return { id: String(record.id), kind: record.kind as IntakeBody['kind'], record, signature: await signDetached(record, signer) };
}

/** A connector identity, with a PeerClient that calls the registry as a connector does (mutual TLS, bound token). */
export interface TestConnector {
  id: string;
  credentials: Credentials;
  identity: LocalIdentity;
  trust: TrustStore;
  peers: PeerClient;
  send(body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  get(path: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function testConnector(pki: TestPki, registry: TestRegistry, id: string, country: string, credentials: Credentials = pki.issue(id, country)): Promise<TestConnector> {
  const trust = await pki.trust(credentials);
  const peers = new PeerClient(trust, new TokenIssuer(trust.identity, pki.clock));
  const address = { participantId: registry.participantId, baseUrl: registry.intakeUrl };
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const r = await peers.request<Record<string, unknown>>(address, { method, path, ...(body === undefined ? {} : { body }) });
    return { status: r.status, body: r.body };
  };
  return {
    id,
    credentials,
    identity: loadLocalIdentity(credentials.cert, credentials.key),
    trust,
    peers,
    send: (body) => call('POST', 'intake/v1/records', body),
    get: (path) => call('GET', path),
    async close() {
      await peers.close();
      trust.close();
    },
  };
}

/** Signs `record` as `connector` and sends it to the intake; throws unless the registry takes it (201). */
export async function deliver(connector: TestConnector, record: Record<string, unknown>): Promise<void> {
  const r = await connector.send(await signed(record, connector.identity));
  if (r.status !== 201) throw new Error(`sending ${String(record.id)}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A mutual-TLS client that sends bodies without request tokens (load generators; the intake needs none). */
export function intakeAgent(pki: TestPki, credentials: Credentials, connections: number): Agent {
  return new Agent({ connections, pipelining: 1, connect: { ca: pki.caPem, ...pki.pem(credentials), checkServerIdentity: () => undefined } });
}

/** A provider's dataset of 500 persons' visit records, offered for use, with a PIPIA for pharma-de: exportable as it stands. */
export async function offerVisits(provider: { api(method: 'POST', path: string, body: unknown): Promise<{ status: number; body: unknown }> }): Promise<void> {
  const asset = {
    id: 'visits', title: 'Visit records',
    classification: {
      grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial'],
      pi: { subjects: 500, sensitiveSubjects: 0, sensitiveKinds: [], fields: ['name'], subjectIdField: 'patient_id' },
      hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
    },
    backend: { url: 'http://127.0.0.1:1/visits.ndjson', format: 'ndjson' },
  };
  for (const [path, body] of [
    ['/assets', asset],
    ['/offers', { id: 'offer-visits', assetId: 'visits', policy: { permissions: [{ action: 'use' }] } }],
    ['/approvals', { id: 'pipia', kind: 'pipia', entry: { ref: 'PIPIA-3', recipient: 'pharma-de', date: '2026-01-05' } }],
  ] as const) {
    const r = await provider.api('POST', path, body);
    if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  }
}
