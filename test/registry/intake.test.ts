import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { registrySender } from '../../src/main/data-plane.ts';
import { OutboxDelivery } from '../../src/records/delivery.ts';
import { RecordEmitter } from '../../src/records/emitter.ts';
import { checkpointDocument } from '../../src/registry/ledger/chain.ts';
import { boundPublicKey } from '../../src/registry/ledger/signer.ts';
import { verifyLedger } from '../../src/registry/ledger/verify.ts';
import type { LedgerKey } from '../../src/registry/model.ts';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import { readCertificate } from '../../src/trust/identity.ts';
import { verifyDetached } from '../../src/trust/jws.ts';
import { TestPki } from '../support/pki.ts';
import { register, signed, startTestRegistry, testConnector, usageRecord, type TestConnector, type TestRegistry } from './support.ts';

describe('registry intake over mutual TLS', () => {
  let pki: TestPki;
  let registry: TestRegistry;
  let hospital: TestConnector;
  let pharma: TestConnector;

  beforeAll(async () => {
    pki = await TestPki.create();
    registry = await startTestRegistry(pki, { ledger: { checkpointEvery: 4 } });
    hospital = await testConnector(pki, registry, 'bj-hospital', 'CN');
    pharma = await testConnector(pki, registry, 'pharma-de', 'DE');
    await register(registry, 'bj-hospital', 'CN', hospital.credentials, { ciio: true, ftz: 'CN-BJ-FTZ', creditGrade: 'A' });
    await register(registry, 'pharma-de', 'DE', pharma.credentials);
  });
  afterAll(async () => {
    await Promise.all([hospital?.close(), pharma?.close()]);
    await registry?.stop();
    pki.cleanup();
  });

  /** The registry's ledger keys, each checked against its binding to a certificate the data-space CA issued. */
  const ledgerKeys = async (connector: TestConnector) => {
    const { status, body } = await connector.get('registry/v1/ledger/keys');
    expect(status).toBe(200);
    const ca = readCertificate(pki.caPem);
    return new Map((body as unknown as Array<LedgerKey & { jwk: object }>).map((k) => [k.kid, boundPublicKey({ ...k, jwk: JSON.stringify(k.jwk) }, ca)]));
  };
  const kidOf = (jws: string): string => (JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

  it('appends a signed record from a registered connector and answers with a receipt signed by the registry', async () => {
    const body = await signed(usageRecord('bj-hospital'), hospital.identity);
    const before = await registry.deps.stores.ledger.head();
    // The connector's own sender (src/main/data-plane.ts): mutual TLS, a bound request token, 200/201 or it throws.
    const [answer] = await registrySender(hospital.peers, { participantId: registry.participantId, url: registry.intakeUrl })([{ ...body, createdAt: '2026-11-27T10:00:00.000Z' }]);
    const receipt = answer!.receipt as { recordId: string; seq: number; entryHash: string; receivedAt: string };
    expect(receipt).toMatchObject({ recordId: body.id, seq: before.seq + 1 });
    const key = (await ledgerKeys(hospital)).get(kidOf(String(answer!.signature)));
    expect(key).toBeDefined();
    await expect(verifyDetached(receipt, String(answer!.signature), key!)).resolves.toBeTruthy();
    await expect(verifyDetached({ ...receipt, seq: receipt.seq + 1 }, String(answer!.signature), key!)).rejects.toMatchObject({ code: 'JWS_INVALID' });
    const entry = await registry.deps.stores.ledger.entryByRecordId(body.id);
    expect(entry).toMatchObject({ seq: receipt.seq, hash: receipt.entryHash, participant: 'bj-hospital', kind: 'usage', signature: body.signature });
    expect(JSON.parse(entry!.record)).toEqual(body.record);
  });

  it("delivers a connector's outbox end to end and keeps each receipt beside its record", async () => {
    const stores = openSqliteStores(join(mkdtempSync(join(tmpdir(), 'kouan-outbox-')), 'connector.db'));
    const log = createLogger({ level: 'silent' });
    const emitter = new RecordEmitter(pharma.identity, stores.outbox, systemClock, log);
    const delivery = new OutboxDelivery(stores.outbox, registrySender(pharma.peers, { participantId: registry.participantId, url: registry.intakeUrl }), systemClock, log);
    const emitted = [];
    for (let i = 0; i < 3; i += 1) {
      const record = usageRecord('pharma-de');
      const { id: _id, kind: _kind, participant: _p, at: _at, ...body } = record;
      emitted.push(await emitter.emit('usage', body));
    }
    emitted.push(await emitter.emit('denial', { stage: 'data-plane', consumer: 'ai-lab', destinationCountry: 'SG', reasons: [{ code: 'GATEWAY_VOLUME', message: 'over the agreed volume', basis: 'agreement' }] }));
    expect(await delivery.runOnce()).toBe(4);
    for (const record of emitted) {
      const stored = await stores.outbox.get(record.id);
      const entry = await registry.deps.stores.ledger.entryByRecordId(record.id);
      expect(stored?.receipt).toEqual({ receipt: { recordId: record.id, seq: entry!.seq, entryHash: entry!.hash, receivedAt: entry!.receivedAt }, signature: entry!.receipt });
    }
    await stores.close();
  });

  it('takes a batch whole: every record checked before any is appended, a refusal names the record and stores nothing', async () => {
    const send = registrySender(hospital.peers, { participantId: registry.participantId, url: registry.intakeUrl });
    const createdAt = '2026-11-27T10:00:00.000Z';
    const good = await Promise.all([0, 1, 2].map(async () => ({ ...(await signed(usageRecord('bj-hospital'), hospital.identity)), createdAt })));
    const before = await registry.deps.stores.ledger.head();
    const receipts = await send(good);
    expect(receipts.map((r) => (r.receipt as { recordId: string; seq: number }).recordId)).toEqual(good.map((g) => g.id));
    expect((await registry.deps.stores.ledger.head()).seq).toBe(before.seq + 3);

    const forged = { ...(await signed(usageRecord('bj-hospital'), pharma.identity)), createdAt };
    const fresh = { ...(await signed(usageRecord('bj-hospital'), hospital.identity)), createdAt };
    const head = await registry.deps.stores.ledger.head();
    await expect(send([fresh, forged])).rejects.toMatchObject({ index: 1, message: expect.stringContaining('REGISTRY_SIGNATURE_INVALID') });
    expect(await registry.deps.stores.ledger.head()).toEqual(head);
    expect(await registry.deps.stores.ledger.entryByRecordId(fresh.id)).toBeNull();
  });

  it('sends a batch over the body limit in halves', async () => {
    const small = await startTestRegistry(pki, { intake: { listen: { host: '127.0.0.1', port: 0 }, bodyLimitBytes: 4096 } }, pki.issue(registry.participantId, 'CN', {}, 'registry-small'));
    try {
      await register(small, 'bj-hospital', 'CN', hospital.credentials);
      const createdAt = '2026-11-27T10:00:00.000Z';
      const records = await Promise.all(Array.from({ length: 24 }, async () => ({ ...(await signed(usageRecord('bj-hospital'), hospital.identity)), createdAt })));
      expect(JSON.stringify({ records }).length).toBeGreaterThan(4 * 4096);
      const receipts = await registrySender(hospital.peers, { participantId: small.participantId, url: small.intakeUrl })(records);
      expect(receipts.map((r) => (r.receipt as { recordId: string }).recordId)).toEqual(records.map((r) => r.id));
      expect((await small.deps.stores.ledger.head()).seq).toBe(24);
    } finally {
      await small.stop();
    }
  });

  it('delivers the records before one the registry refuses, and stops there', async () => {
    const stores = openSqliteStores(join(mkdtempSync(join(tmpdir(), 'kouan-outbox-')), 'connector.db'));
    const log = createLogger({ level: 'silent' });
    const clock = new ManualClock(Date.now());
    const emitter = new RecordEmitter(pharma.identity, stores.outbox, clock, log);
    const delivery = new OutboxDelivery(stores.outbox, registrySender(pharma.peers, { participantId: registry.participantId, url: registry.intakeUrl }), clock, log);
    const body = () => {
      const { id: _id, kind: _kind, participant: _p, at: _at, ...rest } = usageRecord('pharma-de');
      return rest;
    };
    const first = await emitter.emit('usage', body());
    clock.advance(1000);
    // A record whose content no longer matches its signature, queued between two good ones.
    const signedOne = await signed(usageRecord('pharma-de'), pharma.identity);
    const broken = { id: signedOne.id, kind: 'usage' as const, record: { ...signedOne.record, bytes: 999 }, signature: signedOne.signature, createdAt: clock.now().toISOString() };
    await stores.outbox.enqueue(broken);
    clock.advance(1000);
    const last = await emitter.emit('usage', body());
    expect(await delivery.runOnce()).toBe(1);
    expect((await stores.outbox.get(first.id))?.receipt).toBeTruthy();
    expect((await stores.outbox.get(broken.id))?.receipt ?? null).toBeNull();
    expect((await stores.outbox.get(last.id))?.receipt ?? null).toBeNull();
    expect(await registry.deps.stores.ledger.entryByRecordId(last.id)).toBeNull();
    await stores.close();
  });

  it('stores a record once: the same record again gets the original receipt, other content under its id is a conflict', async () => {
    const body = await signed(usageRecord('bj-hospital'), hospital.identity);
    const first = await hospital.send(body);
    expect(first.status).toBe(201);
    const head = await registry.deps.stores.ledger.head();
    const again = await hospital.send(body);
    expect(again).toEqual({ status: 200, body: first.body });
    const resigned = await hospital.send(await signed(body.record, hospital.identity));
    expect(resigned).toEqual({ status: 200, body: first.body });
    const changed = await hospital.send(await signed({ ...body.record, bytes: 1 }, hospital.identity));
    expect({ status: changed.status, code: changed.body.code }).toEqual({ status: 409, code: 'REGISTRY_RECORD_CONFLICT' });
    expect(await registry.deps.stores.ledger.head()).toEqual(head);
  });

  it('stores a record once when it arrives many times at the same moment', async () => {
    const body = await signed(usageRecord('pharma-de'), pharma.identity);
    const answers = await Promise.all(Array.from({ length: 12 }, () => pharma.send(body)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(11);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
  });

  it('refuses the records of a suspended participant until it is reinstated', async () => {
    const suspended = await registry.operator<{ status: string }>('POST', '/participants/pharma-de/suspend', { reason: 'filing overdue' });
    expect(suspended.body.status).toBe('suspended');
    const body = await signed(usageRecord('pharma-de'), pharma.identity);
    const refused = await pharma.send(body);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'REGISTRY_PARTICIPANT_SUSPENDED' });
    expect(await registry.deps.stores.ledger.entryByRecordId(body.id)).toBeNull();
    const me = await pharma.get('registry/v1/participants/me');
    expect(me.body).toMatchObject({ id: 'pharma-de', status: 'suspended', suspension: { reason: 'filing overdue' } });
    await registry.operator('POST', '/participants/pharma-de/reinstate');
    expect((await pharma.send(body)).status).toBe(201);
  });

  it("lets a connector read its own regulatory attributes, and no one else's", async () => {
    const me = await hospital.get('registry/v1/participants/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: 'bj-hospital', country: 'CN', ciio: true, ftz: 'CN-BJ-FTZ', creditGrade: 'A', status: 'active', certThumbprint: hospital.identity.certThumbprint });
    expect(me.body).not.toHaveProperty('certificatePem');
    const stranger = await testConnector(pki, registry, 'ai-lab', 'SG');
    const unknown = await stranger.get('registry/v1/participants/me');
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 403, code: 'REGISTRY_NOT_REGISTERED' });
    await stranger.close();
  });

  it('refuses a participant that connects with another certificate than the registered one', async () => {
    const second = await testConnector(pki, registry, 'bj-hospital', 'CN', pki.issue('bj-hospital', 'CN', {}, 'bj-hospital-2'));
    const body = await signed(usageRecord('bj-hospital'), second.identity);
    const refused = await second.send(body);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'REGISTRY_CERTIFICATE_NOT_REGISTERED' });
    const me = await second.get('registry/v1/participants/me');
    expect(me.body.code).toBe('REGISTRY_CERTIFICATE_NOT_REGISTERED');
    await second.close();
  });

  it('publishes signed checkpoints every N entries that a connector can check against the chain', async () => {
    for (let i = 0; i < 5; i += 1) expect((await hospital.send(await signed(usageRecord('bj-hospital'), hospital.identity))).status).toBe(201);
    const { status, body } = await hospital.get('registry/v1/ledger/checkpoints/latest');
    expect(status).toBe(200);
    const checkpoint = body.checkpoint as { seq: number; headHash: string; at: string };
    expect(checkpoint.seq % 4).toBe(0);
    const entry = await registry.deps.stores.ledger.entry(checkpoint.seq);
    expect(checkpoint.headHash).toBe(entry!.hash);
    const key = (await ledgerKeys(hospital)).get(kidOf(String(body.signature)))!;
    await expect(verifyDetached(checkpointDocument({ seq: checkpoint.seq, hash: checkpoint.headHash, at: checkpoint.at }), String(body.signature), key)).resolves.toBeTruthy();
    const result = await verifyLedger(registry.deps.stores.ledger, { ca: readCertificate(pki.caPem) });
    expect(result).toMatchObject({ ok: true, anchored: true });
    expect(result.ok && result.checkpoints).toBeGreaterThanOrEqual(2);
  });
});
