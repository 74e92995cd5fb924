import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/trust/jws.ts';
import { TestPki } from '../support/pki.ts';
import { rawCall } from '../support/servers.ts';
import { register, signed, startTestRegistry, testConnector, usageRecord, type IntakeBody, type TestConnector, type TestRegistry } from './support.ts';

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('registry intake refuses forged and malformed records, storing nothing', () => {
  let pki: TestPki;
  let registry: TestRegistry;
  let hospital: TestConnector;
  let lab: TestConnector;
  let hospitalOtherKey: TestConnector;

  beforeAll(async () => {
    pki = await TestPki.create();
    registry = await startTestRegistry(pki);
    hospital = await testConnector(pki, registry, 'bj-hospital', 'CN');
    lab = await testConnector(pki, registry, 'ai-lab', 'SG');
    hospitalOtherKey = await testConnector(pki, registry, 'bj-hospital', 'CN', pki.issue('bj-hospital', 'CN', {}, 'bj-hospital-spare'));
    await register(registry, 'bj-hospital', 'CN', hospital.credentials);
    await register(registry, 'ai-lab', 'SG', lab.credentials);
    // One genuine record first, so that "nothing stored" is measured against a chain that is not empty.
    expect((await hospital.send(await signed(usageRecord('bj-hospital'), hospital.identity))).status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([hospital?.close(), lab?.close(), hospitalOtherKey?.close()]);
    await registry?.stop();
    pki.cleanup();
  });

  const hospitalRecord = () => usageRecord('bj-hospital');
  const withSignature = async (record: Record<string, unknown>, signature: string): Promise<IntakeBody> => ({ ...(await signed(record, hospital.identity)), signature });

  type Case = [name: string, body: () => Promise<unknown>, status: number, code: string];
  const cases: Case[] = [
    ["signed with another participant's key", async () => signed(hospitalRecord(), lab.identity), 403, 'REGISTRY_SIGNATURE_INVALID'],
    ["signed with the sender's other certificate, not the one on this connection", async () => signed(hospitalRecord(), hospitalOtherKey.identity), 403, 'REGISTRY_SIGNATURE_INVALID'],
    ['naming another participant, signed by the sender', async () => signed(usageRecord('ai-lab'), hospital.identity), 403, 'REGISTRY_NOT_YOUR_RECORD'],
    ["another participant's genuine record, relayed by the sender", async () => signed(usageRecord('ai-lab'), lab.identity), 403, 'REGISTRY_NOT_YOUR_RECORD'],
    ['changed after signing (a count)', async () => { const body = await signed(hospitalRecord(), hospital.identity); return { ...body, record: { ...body.record, records: 1 } }; }, 403, 'REGISTRY_SIGNATURE_INVALID'],
    ['changed after signing (the destination)', async () => { const body = await signed(hospitalRecord(), hospital.identity); return { ...body, record: { ...body.record, destinationCountry: 'US' } }; }, 403, 'REGISTRY_SIGNATURE_INVALID'],
    ['carrying the signature of another record of the sender', async () => ({ ...(await signed(hospitalRecord(), hospital.identity)), signature: (await signed(hospitalRecord(), hospital.identity)).signature }), 403, 'REGISTRY_SIGNATURE_INVALID'],
    ['with a truncated signature', async () => { const body = await signed(hospitalRecord(), hospital.identity); return { ...body, signature: body.signature.slice(0, -8) }; }, 403, 'REGISTRY_SIGNATURE_INVALID'],
    ["with alg 'none'", async () => withSignature(hospitalRecord(), `${b64({ alg: 'none' })}..`), 403, 'REGISTRY_SIGNATURE_INVALID'],
    ['with HS256 keyed by the public certificate', async () => {
      const record = hospitalRecord();
      const header = b64({ alg: 'HS256' });
      const mac = createHmac('sha256', readFileSync(hospital.credentials.cert)).update(`${header}.${b64(canonicalJson(record))}`).digest('base64url');
      return withSignature(record, `${header}..${mac}`);
    }, 403, 'REGISTRY_SIGNATURE_INVALID'],
    ['with an attached instead of a detached JWS', async () => { const record = hospitalRecord(); const [h, , s] = (await signed(record, hospital.identity)).signature.split('.'); return withSignature(record, `${h}.${b64(canonicalJson(record))}.${s}`); }, 403, 'REGISTRY_SIGNATURE_INVALID'],
    ['whose body id is not the record id', async () => ({ ...(await signed(hospitalRecord(), hospital.identity)), id: 'urn:uuid:something-else' }), 400, 'REGISTRY_ENVELOPE_MISMATCH'],
    ['whose body kind is not the record kind', async () => ({ ...(await signed(hospitalRecord(), hospital.identity)), kind: 'filing' }), 400, 'REGISTRY_ENVELOPE_MISMATCH'],
    ['missing a required field', async () => { const { bytes: _bytes, ...record } = hospitalRecord(); return signed(record, hospital.identity); }, 400, 'REGISTRY_RECORD_INVALID'],
    ['with a field its schema does not know', async () => signed({ ...hospitalRecord(), note: 'extra' }, hospital.identity), 400, 'REGISTRY_RECORD_INVALID'],
    ['with a count written as text', async () => signed({ ...hospitalRecord(), bytes: '123' }, hospital.identity), 400, 'REGISTRY_RECORD_INVALID'],
    ['with a timestamp that is not one', async () => signed({ ...hospitalRecord(), at: 'yesterday' }, hospital.identity), 400, 'REGISTRY_RECORD_INVALID'],
    ['a denial without reasons', async () => signed({ id: 'urn:uuid:denial-1', kind: 'denial', participant: 'bj-hospital', at: '2026-11-27T10:00:00.000Z', stage: 'transfer', consumer: null, destinationCountry: null, reasons: [] }, hospital.identity), 400, 'REGISTRY_RECORD_INVALID'],
    ['a body without a signature', async () => { const { signature: _s, ...body } = await signed(hospitalRecord(), hospital.identity); return body; }, 400, 'INPUT_INVALID'],
    ['a body with a key it does not know', async () => ({ ...(await signed(hospitalRecord(), hospital.identity)), receipt: 'please' }), 400, 'INPUT_INVALID'],
    ['a record of an unknown kind', async () => signed({ ...hospitalRecord(), kind: 'gossip' }, hospital.identity), 400, 'INPUT_INVALID'],
    ['a body that is not JSON', async () => '{"id": "urn:uuid:1", "kind": "usage", ', 400, 'INPUT_INVALID'],
  ];

  it.each(cases)('a record %s', async (_name, body, status, code) => {
    const sent = await body();
    const head = await registry.deps.stores.ledger.head();
    const answer = await hospital.send(sent);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
    expect(String(answer.body.message)).not.toBe('');
    expect(await registry.deps.stores.ledger.head()).toEqual(head);
    const id = (sent as { id?: unknown; record?: { id?: unknown } } | string);
    for (const recordId of typeof id === 'object' ? [id.id, id.record?.id] : []) {
      if (typeof recordId === 'string') expect(await registry.deps.stores.ledger.entryByRecordId(recordId)).toBeNull();
    }
  });

  it('refuses a connection without a client certificate before any route sees it', async () => {
    const head = await registry.deps.stores.ledger.head();
    const answer = await rawCall(registry.intakeUrl, pki.caPem, null);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 401, code: 'TLS_NO_CLIENT_CERT' });
    expect(await registry.deps.stores.ledger.head()).toEqual(head);
  });

  it('refuses a revoked connector even with a well-signed record', async () => {
    const revoked = await testConnector(pki, registry, 'revoked-lab', 'SG');
    await register(registry, 'revoked-lab', 'SG', revoked.credentials);
    await pki.revoke({ participantId: 'revoked-lab' });
    await registry.deps.trust.reloadCrl();
    const head = await registry.deps.stores.ledger.head();
    const answer = await revoked.send(await signed(usageRecord('revoked-lab'), revoked.identity));
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 401, code: 'TLS_CERT_REVOKED' });
    expect(await registry.deps.stores.ledger.head()).toEqual(head);
    await revoked.close();
  });

  it('still takes a genuine record after all of that', async () => {
    const answer = await hospital.send(await signed(usageRecord('bj-hospital'), hospital.identity));
    expect(answer.status).toBe(201);
    expect(answer.body.receipt).toMatchObject({ seq: 2 });
  });
});
