import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/core/config.ts';
import { RegistryConfigSchema } from '../../src/main/registry-config.ts';
import { TestPki } from '../support/pki.ts';
import { API_KEY, register, signed, startTestRegistry, testConnector, usageRecord, type TestRegistry } from './support.ts';

describe('registry operator API', () => {
  let pki: TestPki;
  let registry: TestRegistry;
  /** A certificate from a CA that is not the data space's. */
  let foreignPem: string;
  const pem = (credentials: { cert: string }) => readFileSync(credentials.cert, 'utf8');

  beforeAll(async () => {
    pki = await TestPki.create();
    registry = await startTestRegistry(pki);
    const foreign = await TestPki.create();
    foreignPem = pem(foreign.issue('foreign', 'CN'));
    foreign.cleanup();
  });
  afterAll(async () => {
    await registry?.stop();
    pki.cleanup();
  });

  it('refuses every call without the API key, but answers health and its OpenAPI document', async () => {
    for (const [method, path] of [['GET', '/participants'], ['POST', '/participants'], ['GET', '/ledger/head'], ['GET', '/ledger/entries']] as const) {
      const r = await registry.operator<{ code: string }>(method, path, method === 'POST' ? {} : undefined, 'wrong-key-0123456789');
      expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 401, code: 'REGISTRY_OPERATOR_UNAUTHORIZED' });
    }
    expect((await registry.operator('GET', '/health', undefined, 'none')).status).toBe(200);
    const openapi = await fetch(registry.operatorUrl.replace('/operator/v1', '/openapi.json'));
    expect(((await openapi.json()) as { paths: Record<string, unknown> }).paths).toHaveProperty('/operator/v1/participants/{id}/suspend');
  });

  it('registers a participant from its certificate, keeping the attributes the connector will read', async () => {
    const credentials = pki.issue('sh-pharma', 'CN');
    const r = await registry.operator<Record<string, unknown>>('POST', '/participants', { id: 'sh-pharma', legalName: '上海医药', country: 'CN', ciio: true, ftz: 'CN-SH-FTZ', creditGrade: 'B', certificatePem: pem(credentials) });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: 'sh-pharma', legalName: '上海医药', ciio: true, ftz: 'CN-SH-FTZ', creditGrade: 'B', status: 'active', suspension: null });
    const connector = await testConnector(pki, registry, 'sh-pharma', 'CN', credentials);
    expect((await connector.get('registry/v1/participants/me')).body).toMatchObject({ ciio: true, ftz: 'CN-SH-FTZ', creditGrade: 'B' });
    await connector.close();
    expect((await registry.operator('GET', '/participants/sh-pharma')).body).toEqual(r.body);
  });

  it('registers by thumbprint alone, and refuses a registration without any certificate', async () => {
    const credentials = pki.issue('thumb-only', 'DE');
    const connector = await testConnector(pki, registry, 'thumb-only', 'DE', credentials);
    const r = await registry.operator('POST', '/participants', { id: 'thumb-only', legalName: 'Thumb GmbH', country: 'DE', certThumbprint: connector.identity.certThumbprint });
    expect(r.status).toBe(201);
    expect((await connector.send(await signed(usageRecord('thumb-only'), connector.identity))).status).toBe(201);
    await connector.close();
    const none = await registry.operator<{ code: string }>('POST', '/participants', { id: 'no-cert', legalName: 'Nobody', country: 'DE' });
    expect({ status: none.status, code: none.body.code }).toEqual({ status: 400, code: 'INPUT_INVALID' });
  });

  it.each([
    ['of another participant', () => ({ id: 'impostor', country: 'CN', certificatePem: pem(pki.issue('someone-else', 'CN')) }), /someone-else/],
    ['of another country', () => ({ id: 'wrong-country', country: 'DE', certificatePem: pem(pki.issue('wrong-country', 'CN')) }), /country CN/],
    ['not issued by the data-space CA', () => ({ id: 'foreign', country: 'CN', certificatePem: foreignPem }), /not issued by the data-space CA/],
    ['that is not a certificate', () => ({ id: 'garbage', country: 'CN', certificatePem: 'not a PEM' }), /not a participant certificate/],
  ])('refuses a certificate %s', async (_name, make, reason) => {
    const body = { legalName: 'X', ...make() };
    const r = await registry.operator<{ code: string; message: string }>('POST', '/participants', body);
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 400, code: 'REGISTRY_CERTIFICATE_INVALID' });
    expect(r.body.message).toMatch(reason);
    expect((await registry.operator('GET', `/participants/${body.id}`)).status).toBe(404);
  });

  it('refuses a second registration of an id and bad attributes', async () => {
    const credentials = pki.issue('twice', 'CN');
    await register(registry, 'twice', 'CN', credentials);
    const again = await registry.operator<{ code: string }>('POST', '/participants', { id: 'twice', legalName: 'Again', country: 'CN', certificatePem: pem(credentials) });
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'REGISTRY_PARTICIPANT_EXISTS' });
    for (const bad of [{ country: 'China' }, { id: 'Has Spaces' }, { ciio: 'yes' }, { creditGrade: 'AAAAAAAAAAAAAAAAAAAAAA' }, { creditGrade: 'B+' }, { surprise: 1 }]) {
      const r = await registry.operator<{ code: string }>('POST', '/participants', { id: 'bad-attrs', legalName: 'B', country: 'CN', certThumbprint: 'x'.repeat(43), ...bad });
      expect({ bad, status: r.status, code: r.body.code }).toEqual({ bad, status: 400, code: 'INPUT_INVALID' });
    }
  });

  it('suspends and reinstates, keeping the first reason of a repeated suspension', async () => {
    await register(registry, 'flaky', 'CN', pki.issue('flaky', 'CN'));
    const first = await registry.operator<Record<string, unknown>>('POST', '/participants/flaky/suspend', { reason: 'overdue filing' });
    expect(first.body).toMatchObject({ status: 'suspended', suspension: { reason: 'overdue filing' } });
    const second = await registry.operator<Record<string, unknown>>('POST', '/participants/flaky/suspend', { reason: 'another' });
    expect(second.body).toEqual(first.body);
    expect((await registry.operator<Record<string, unknown>>('POST', '/participants/flaky/reinstate')).body).toMatchObject({ status: 'active', suspension: null });
    expect((await registry.operator('POST', '/participants/nobody/suspend', { reason: 'x' })).status).toBe(404);
    expect((await registry.operator('POST', '/participants/flaky/suspend', {})).status).toBe(400);
  });

  it('changes the attributes that change, and nothing else', async () => {
    await register(registry, 'growing', 'CN', pki.issue('growing', 'CN'));
    const changed = await registry.operator<Record<string, unknown>>('PATCH', '/participants/growing', { ciio: true, ftz: 'CN-HN-FTZ', creditGrade: 'C' });
    expect(changed.body).toMatchObject({ id: 'growing', country: 'CN', ciio: true, ftz: 'CN-HN-FTZ', creditGrade: 'C', status: 'active' });
    for (const bad of [{}, { country: 'DE' }, { status: 'active' }, { ciio: 'yes' }]) {
      const r = await registry.operator<{ code: string }>('PATCH', '/participants/growing', bad);
      expect({ bad, status: r.status, code: r.body.code }).toEqual({ bad, status: 400, code: 'INPUT_INVALID' });
    }
    expect((await registry.operator('PATCH', '/participants/nobody', { ciio: true })).status).toBe(404);
  });

  it("replaces a participant's certificate after a reissue: the new one is admitted, the old one no longer", async () => {
    const old = pki.issue('rotating', 'CN');
    await register(registry, 'rotating', 'CN', old);
    const renewed = pki.issue('rotating', 'CN', {}, 'rotating-2');
    const before = await testConnector(pki, registry, 'rotating', 'CN', old);
    const after = await testConnector(pki, registry, 'rotating', 'CN', renewed);
    expect((await registry.operator('PUT', '/participants/rotating/certificate', { certificatePem: pem(pki.issue('someone', 'CN')) })).status).toBe(400);
    const replaced = await registry.operator<{ certThumbprint: string }>('PUT', '/participants/rotating/certificate', { certificatePem: pem(renewed) });
    expect(replaced.body.certThumbprint).toBe(after.identity.certThumbprint);
    expect((await after.send(await signed(usageRecord('rotating'), after.identity))).status).toBe(201);
    expect((await before.send(await signed(usageRecord('rotating'), before.identity))).body.code).toBe('REGISTRY_CERTIFICATE_NOT_REGISTERED');
    await Promise.all([before.close(), after.close()]);
  });

  it('lists participants in pages', async () => {
    const all = await registry.operator<Array<{ id: string }>>('GET', '/participants?limit=1000');
    const ids = all.body.map((p) => p.id);
    expect(ids).toEqual([...ids].sort());
    const page = await registry.operator<Array<{ id: string }>>('GET', '/participants?offset=1&limit=2');
    expect(page.body.map((p) => p.id)).toEqual(ids.slice(1, 3));
  });

  it('reads the ledger: head, entries by cursor, by seq and by record id, checkpoints and keys', async () => {
    const connector = await testConnector(pki, registry, 'reader-co', 'CN');
    await register(registry, 'reader-co', 'CN', connector.credentials);
    const bodies = [];
    for (let i = 0; i < 3; i += 1) {
      const body = await signed(usageRecord('reader-co'), connector.identity);
      expect((await connector.send(body)).status).toBe(201);
      bodies.push(body);
    }
    await connector.close();
    const head = (await registry.operator<{ seq: number; hash: string }>('GET', '/ledger/head')).body;
    const entries = (await registry.operator<Array<Record<string, unknown>>>('GET', `/ledger/entries?after=${head.seq - 3}&limit=10`)).body;
    expect(entries.map((e) => e.recordId)).toEqual(bodies.map((b) => b.id));
    expect(entries[2]).toMatchObject({ seq: head.seq, hash: head.hash, record: bodies[2]!.record, participant: 'reader-co', receipt: { receipt: { seq: head.seq, entryHash: head.hash } } });
    expect((await registry.operator('GET', `/ledger/entries/${head.seq}`)).body).toEqual(entries[2]);
    expect((await registry.operator('GET', `/records/${encodeURIComponent(bodies[0]!.id)}`)).body).toEqual(entries[0]);
    expect((await registry.operator('GET', `/ledger/entries/${head.seq + 1}`)).status).toBe(404);
    expect((await registry.operator('GET', '/ledger/entries?limit=5000')).status).toBe(400);
    // Fewer entries than checkpointEvery: only the timed checkpoints of the head, if one came yet.
    const checkpoints = (await registry.operator<Array<{ checkpoint: { seq: number } }>>('GET', '/ledger/checkpoints')).body;
    expect(checkpoints.every((c) => c.checkpoint.seq <= head.seq)).toBe(true);
    expect((await registry.operator<Array<{ kid: string }>>('GET', '/ledger/keys')).body).toHaveLength(1);
  });

  it('has a configuration where every key is described and defaulted', () => {
    const rows = describeConfig(RegistryConfigSchema);
    expect(rows.map((r) => r.key)).toEqual(expect.arrayContaining(['storage.postgresUrl', 'ledger.checkpointEvery', 'ledger.signingKey', 'operator.apiKey', 'intake.listen.port']));
    for (const row of rows) {
      expect(row.description, row.key).not.toBe('');
      expect(row.default, row.key).not.toBe(undefined);
    }
    expect(API_KEY.length).toBeGreaterThanOrEqual(16);
  });
});
