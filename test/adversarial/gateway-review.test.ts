/**
 * Attacks found in a review of the gateway's stream stage: backend answers whose shape slips records past the
 * field rules or the person count (a JSON array holding something other than records, a CSV with a byte-order
 * mark, records whose subject id cannot be counted), each shown with real connectors over mutual TLS and a
 * real backend. A consumer can bring such answers about itself wherever the asset lets it shape the backend's
 * query (a projection without the subject field, a filter reaching other data).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/core/keyed-lock.ts';
import { budgetKey, StreamBudget, type BudgetKind } from '../../src/data-plane/budget.ts';
import { Enforcer } from '../../src/data-plane/enforcer.ts';
import { RecordKeys } from '../../src/data-plane/obligations.ts';
import { NdjsonPassThrough } from '../../src/data-plane/passthrough.ts';
import { SubjectMemory } from '../../src/data-plane/subject-memory.ts';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import type { TestConnector } from '../support/connectors.ts';
import { attack, persons } from './support/consumer.ts';
import { ledgerOf } from './support/ledger.ts';
import { outcome } from './support/outcome.ts';
import { agree, openSpace, publish, startProvider, type Agreed, type AssetSpec, type Space } from './support/space.ts';

const PSEUDONYM = /^ps_[\w-]{22}$/;
const TYPES = { ndjson: 'application/x-ndjson', json: 'application/json', csv: 'text/csv' } as const;

/** A backend that answers each path with a body written as is, in the type of the asset's format. */
class RawBackend {
  /** Every request that reached the backend: method and URL. */
  readonly requests: Array<{ method: string; url: string }> = [];
  readonly #bodies = new Map<string, { type: string; body: string | Buffer }>();
  readonly #server: Server = createServer((req, res) => {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const found = this.#bodies.get(new URL(req.url ?? '/', 'http://b').pathname);
    if (!found) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': found.type });
    // Written in small pieces, as a real backend's answer arrives.
    const body = Buffer.from(found.body);
    for (let at = 0; at < body.length; at += 64 * 1024) res.write(body.subarray(at, at + 64 * 1024));
    res.end();
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  serve(path: string, format: keyof typeof TYPES, body: string | Buffer): string {
    this.#bodies.set(path, { type: TYPES[format], body });
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }
}

let space: Space;
let backend: RawBackend;
let provider: TestConnector;

beforeAll(async () => {
  backend = new RawBackend();
  await backend.start();
  space = await openSpace();
  provider = await startProvider(space, 'review-hospital');
});

afterAll(async () => {
  await provider?.stop();
  await space?.close();
  await backend?.stop();
});

let assets = 0;
async function offered(spec: Omit<AssetSpec, 'id' | 'url'>, body: string | Buffer): Promise<Agreed> {
  assets += 1;
  const full: AssetSpec = { ...spec, id: `review-${assets}`, url: backend.serve(`/review-${assets}`, spec.format, body) };
  await publish(provider, full);
  return agree(space, provider, full);
}
const pullAs = (agreed: Agreed, attempt: Parameters<typeof attack>[3] = {}) => attack(space.peers, provider.participantId, agreed.edr, { deadlineMs: 20_000, ...attempt });

const patientPi = { fields: ['patient_id', 'patient_name'], subjectIdField: 'patient_id' };
const patientDuties: AssetSpec['duties'] = [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }];

describe('a JSON array holds records, and nothing else passes as one', () => {
  it('a JSON asset whose array holds a nested array, a string or a number stops with GATEWAY_BACKEND_INVALID; no name leaves unmasked', async () => {
    const prefix = `JA-${randomUUID().slice(0, 6)}`;
    const record = (i: number) => ({ patient_id: `${prefix}-${i}`, patient_name: `Secret Name ${i}`, visit: i });
    // A nested array's records would be read as one record keyed "0", "1", … (their fields out of the rules'
    // reach); a string would go out character by character as a record.
    for (const odd of [[[record(9)]], 'Secret Name in a string', 42]) {
      const agreed = await offered({ format: 'json', pi: patientPi, duties: patientDuties }, JSON.stringify([record(0), record(1), odd, record(2)]));
      const received = await pullAs(agreed);
      expect(received.status).toBe(200);
      const got = outcome(received, 'json');
      expect(got.code).toBe('GATEWAY_BACKEND_INVALID');
      expect(received.text).not.toContain('Secret Name');
      expect(received.text).not.toContain(prefix);
      for (const r of got.rows) expect(String(r.patient_id)).toMatch(PSEUDONYM);
      expect(got.rows.length).toBeLessThanOrEqual(2);
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
      expect(ledger.records).toBe(got.rows.length);
    }
  });
});

describe('a CSV byte-order mark does not hide the first column', () => {
  it('a CSV backend that writes a UTF-8 BOM still has its first column pseudonymised and its persons counted under maxDataSubjects', async () => {
    const prefix = `BOM-${randomUUID().slice(0, 6)}`;
    const rows = Array.from({ length: 12 }, (_, i) => `${prefix}-${i % 6},Secret Name ${i % 6},E11.9`);
    const agreed = await offered(
      { format: 'csv', pi: patientPi, duties: patientDuties, constraints: [{ leftOperand: 'maxDataSubjects', operator: 'lteq', rightOperand: 2 }] },
      `\uFEFFpatient_id,patient_name,diagnosis\n${rows.join('\n')}\n`,
    );
    const received = await pullAs(agreed);
    expect(received.status).toBe(200);
    const got = outcome(received, 'csv');
    expect(received.text).not.toContain(prefix);
    expect(received.text).not.toContain('Secret Name');
    for (const r of got.rows) {
      expect(String(r.patient_id)).toMatch(PSEUDONYM);
      expect(r).not.toHaveProperty('patient_name');
    }
    // Persons 0 and 1 (records 0 and 1), then person 2 is refused.
    expect(got.rows).toHaveLength(2);
    expect(persons(got.rows, 'patient_id')).toBe(2);
    expect(got.code).toBe('GATEWAY_MAX_DATA_SUBJECTS_REACHED');
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1, denied: ['GATEWAY_MAX_DATA_SUBJECTS_REACHED'] });
    expect(ledger.newSubjects).toBe(2);
  });
});

describe('every record of an asset with a subject field counts its person', () => {
  const cases = [
    { name: 'records without the subject field (a projection that leaves it out)', id: (_i: number) => undefined },
    { name: 'records whose subject id is null', id: (_i: number) => null },
    { name: 'records whose subject id is an empty string', id: (_i: number) => '' },
  ];
  for (const { name, id } of cases) {
    it(`${name} do not go uncounted past maxDataSubjects: the stream stops with GATEWAY_BACKEND_INVALID`, async () => {
      const prefix = `NS-${randomUUID().slice(0, 6)}`;
      const lines = [
        ...Array.from({ length: 2 }, (_, i) => ({ patient_id: `${prefix}-${i}`, patient_name: `Name ${i}` })),
        ...Array.from({ length: 10 }, (_, i) => ({ ...(id(i) === undefined ? {} : { patient_id: id(i) }), patient_name: `Uncounted ${i}` })),
      ].map((r) => JSON.stringify(r));
      const agreed = await offered(
        { format: 'ndjson', pi: patientPi, duties: [{ action: 'pseudonymise_fields', fields: ['patient_id'] }], constraints: [{ leftOperand: 'maxDataSubjects', operator: 'lteq', rightOperand: 3 }] },
        `${lines.join('\n')}\n`,
      );
      const received = await pullAs(agreed);
      const got = outcome(received);
      expect(got.rows).toHaveLength(2);
      expect(got.code).toBe('GATEWAY_BACKEND_INVALID');
      expect(received.text).not.toContain('Uncounted');
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
      expect(ledger.records).toBe(2);
      expect(ledger.newSubjects).toBe(2);
    });
  }

  it('numeric subject ids beyond 2^53 (18-digit identity numbers) are not merged into fewer persons: the stream stops with GATEWAY_BACKEND_INVALID', async () => {
    // Ten distinct persons whose ids JSON.parse rounds to one or two numbers: counted as one or two, they would all pass maxDataSubjects 3.
    const lines = Array.from({ length: 10 }, (_, i) => `{"patient_id":11010119900307123${i},"patient_name":"Person ${i}"}`);
    const agreed = await offered(
      { format: 'ndjson', pi: patientPi, duties: [{ action: 'drop_fields', fields: ['patient_name'] }], constraints: [{ leftOperand: 'maxDataSubjects', operator: 'lteq', rightOperand: 3 }] },
      `${lines.join('\n')}\n`,
    );
    const got = outcome(await pullAs(agreed));
    expect(got.rows).toHaveLength(0);
    expect(got.code).toBe('GATEWAY_BACKEND_INVALID');
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
    expect(ledger.records).toBe(0);
    expect(ledger.newSubjects).toBe(0);
  });
});

describe('the backend is asked only with GET and one value per allowed parameter', () => {
  it('a HEAD request is refused before authorize: the backend is never asked, no request counted and no usage record left', async () => {
    const agreed = await offered({ format: 'ndjson', pi: patientPi, duties: patientDuties }, `${JSON.stringify({ patient_id: 'H-1', patient_name: 'Secret Name' })}\n`);
    const seen = backend.requests.length;
    const head = await request(agreed.edr.endpoint, { method: 'HEAD', headers: { authorization: `Bearer ${agreed.edr.token}` }, dispatcher: space.peers.agentFor(provider.participantId) });
    await head.body.dump();
    expect(head.statusCode).toBe(404);
    expect(backend.requests.slice(seen)).toEqual([]);
    expect((await provider.stores.usage.agreementUsage(agreed.agreementId)).requests).toBe(0);
    // The GET that follows is the agreement's first request and the backend's first request for it.
    const got = outcome(await pullAs(agreed));
    expect(got.rows).toHaveLength(1);
    expect(backend.requests.slice(seen).map((r) => r.method)).toEqual(['GET']);
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
    expect(ledger.usage).toHaveLength(1);
  });

  it('an allowed query parameter given twice (or as a list) is refused with 400 GATEWAY_QUERY_NOT_ALLOWED, the backend never asked', async () => {
    const agreed = await offered({ format: 'ndjson', query: ['since'], pi: patientPi, duties: patientDuties }, `${JSON.stringify({ patient_id: 'Q-1', patient_name: 'Secret Name' })}\n`);
    const seen = backend.requests.length;
    for (const suffix of ['?since=2026-01-01&since=2020-01-01', '?since=a&since=', '?since=a&since=b&since=c']) {
      const refused = await pullAs(agreed, { suffix });
      expect({ suffix, status: refused.status, code: outcome(refused).code }).toEqual({ suffix, status: 400, code: 'GATEWAY_QUERY_NOT_ALLOWED' });
    }
    expect(backend.requests.slice(seen)).toEqual([]);
    const allowed = await pullAs(agreed, { suffix: '?since=2026-01-01' });
    expect(allowed.status).toBe(200);
    expect(backend.requests.slice(seen).map((r) => r.url)).toEqual([`/review-${assets}?since=2026-01-01`]);
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1, denied: Array(3).fill('GATEWAY_QUERY_NOT_ALLOWED') });
    expect(ledger.codes).toEqual(Array(3).fill('GATEWAY_QUERY_NOT_ALLOWED'));
  });
});

describe('one endless record does not take the gateway\'s memory', () => {
  for (const format of ['ndjson', 'json', 'csv'] as const) {
    it(`a ${format} record longer than 16 MiB stops the stream with GATEWAY_BACKEND_INVALID on the record path, as the pass-through stage stops such a line`, async () => {
      const prefix = `BIG-${randomUUID().slice(0, 6)}`;
      const huge = 'A'.repeat(17 * 1024 * 1024);
      const records = [{ patient_id: `${prefix}-0`, note: 'small' }, { patient_id: `${prefix}-1`, note: huge }, { patient_id: `${prefix}-2`, note: 'small' }];
      const body = format === 'ndjson' ? `${records.map((r) => JSON.stringify(r)).join('\n')}\n`
        : format === 'json' ? JSON.stringify(records)
          : `patient_id,note\n${records.map((r) => `${r.patient_id},${r.note}`).join('\n')}\n`;
      const agreed = await offered({ format, pi: patientPi, duties: patientDuties }, body);
      const received = await pullAs(agreed);
      expect(received.status).toBe(200);
      expect(received.text.length).toBeLessThan(1024 * 1024);
      const got = outcome(received, format);
      expect(got.code).toBe('GATEWAY_BACKEND_INVALID');
      expect(got.rows.length).toBeLessThanOrEqual(1);
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
      expect(ledger.records).toBe(got.rows.length);
    }, 30_000);
  }
});

describe('a long line costs the pass-through stage its length once', () => {
  it('a 15 MiB pass-through line arriving in 16 KiB chunks is forwarded whole, counted once, in well under a second of work (not rejoined per chunk)', async () => {
    const sent: Buffer[] = [];
    const stage = new NdjsonPassThrough({ take: async (want) => want, count: async () => undefined, observe: (bytes) => void sent.push(bytes) });
    stage.resume();
    const line = Buffer.from(`${JSON.stringify({ image: 'A'.repeat(15 * 1024 * 1024) })}\n{"image":"b"}\n`);
    const started = Date.now();
    for (let at = 0; at < line.length; at += 16 * 1024) {
      await new Promise<void>((resolve, reject) => stage.write(line.subarray(at, at + 16 * 1024), (error) => (error ? reject(error) : resolve())));
    }
    await new Promise<void>((resolve) => stage.end(resolve));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(Buffer.concat(sent).equals(line)).toBe(true);
    expect(stage.stats.records).toBe(2);
    expect(stage.stats.stopped).toBeNull();
  });
});

describe('a consumer that hangs up while a reservation is in flight', () => {
  /** A budget whose reservations wait until the test opens the gate (the database is slow, the consumer is not). */
  class GatedBudget extends StreamBudget {
    open: () => void = () => undefined;
    readonly #gate = new Promise<void>((resolve) => (this.open = resolve));
    override async take(kind: BudgetKind, want: number): Promise<number> {
      await this.#gate;
      return super.take(kind, want);
    }
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('the record enforcer counts neither the records nor the persons of a batch whose stream was destroyed before it went', async () => {
    const stores = openSqliteStores(':memory:');
    const scope = { agreementId: 'agreement-abort', exporterId: 'bj-hospital', year: 2026 };
    const budget = new GatedBudget(stores.budgets, stores.usage, scope, { records: 100, agreementSubjects: 100, subjects: Infinity, sensitiveSubjects: Infinity });
    const enforcer = new Enforcer({
      fields: { drop: [], mask: [], pseudonymise: [] }, budget, subjectField: 'id', sensitive: false, memory: new SubjectMemory(new RecordKeys(Buffer.alloc(32, 7))),
      exporterId: scope.exporterId, year: scope.year, agreementId: scope.agreementId, usage: stores.usage, lock: new KeyedLock(),
    });
    const pushed: unknown[] = [];
    enforcer.on('data', (batch) => pushed.push(batch));
    enforcer.on('error', () => undefined);
    enforcer.end([{ id: 'P-1' }, { id: 'P-2' }, { id: 'P-3' }]);
    await settle();
    // The consumer went away (the stream stage destroys the enforcer), then the reservation comes back.
    enforcer.destroy();
    budget.open();
    await settle();
    expect(pushed).toEqual([]);
    expect(enforcer.stats.records).toBe(0);
    expect((await stores.usage.agreementUsage(scope.agreementId)).records).toBe(0);
    expect((await stores.usage.agreementUsage(scope.agreementId)).subjects).toBe(0);
    expect(enforcer.stats.newSubjects).toBe(0);
    // Nothing of the batch left: its reservation went back.
    expect(await stores.budgets.reserved(budgetKey('records', scope))).toBe(0);
  });

  it('the pass-through stage neither observes (digest, bytes) nor counts the lines of a chunk whose stream was destroyed before they went', async () => {
    let observed = 0;
    let counted = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const stage = new NdjsonPassThrough({ take: async (want) => (await gate, want), count: async (n) => void (counted += n), observe: (b) => void (observed += b.length) });
    stage.on('error', () => undefined);
    stage.resume();
    stage.write(Buffer.from('{"a":1}\n{"b":2}\n'));
    await settle();
    stage.destroy();
    open();
    await settle();
    // The usage record was written when the consumer went away; a digest updated after it would throw.
    expect({ observed, counted, records: stage.stats.records }).toEqual({ observed: 0, counted: 0, records: 0 });
  });
});

describe('a record nested deeper than the gateway serialises', () => {
  for (const format of ['ndjson', 'json'] as const) {
    it(`a ${format} record nested 200,000 deep stops the stream with GATEWAY_BACKEND_INVALID (not a 500), the ledger counting only what went`, async () => {
      const prefix = `DEEP-${randomUUID().slice(0, 6)}`;
      const deep = '['.repeat(200_000) + ']'.repeat(200_000);
      const lines = [`{"patient_id":"${prefix}-0","patient_name":"Secret Name"}`, `{"patient_id":"${prefix}-1","deep":${deep}}`, `{"patient_id":"${prefix}-2"}`];
      const agreed = await offered({ format, pi: patientPi, duties: patientDuties }, format === 'ndjson' ? `${lines.join('\n')}\n` : `[${lines.join(',')}]`);
      const received = await pullAs(agreed);
      expect(received.status).toBe(200);
      const got = outcome(received, format);
      expect(got.rows).toHaveLength(1);
      expect(String(got.rows[0]!.patient_id)).toMatch(PSEUDONYM);
      expect(got.code).toBe('GATEWAY_BACKEND_INVALID');
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
      expect(ledger.records).toBe(1);
      expect(ledger.newSubjects).toBe(1);
      expect(ledger.usage[0]!.record.decision).toMatchObject({ stoppedBy: 'GATEWAY_BACKEND_INVALID' });
      // The gateway stays up and answers the next pull alike.
      expect(outcome(await pullAs(agreed), format).code).toBe('GATEWAY_BACKEND_INVALID');
    }, 30_000);
  }
});

describe('a record shaped otherwise than a rule\'s JSON Pointer keeps nothing the rule names', () => {
  it('/patient/name dropped and /contacts/phone masked still hold when the backend sends the patient as a plain name and the contacts as an array', async () => {
    const prefix = `SH-${randomUUID().slice(0, 6)}`;
    const lines = [
      { id: `${prefix}-0`, patient: { name: 'Secret Name 0', ward: 'W1' }, contacts: { phone: '+86 138 0000 0000' }, visit: 0 },
      { id: `${prefix}-1`, patient: 'Secret Name 1', contacts: [{ phone: '+86 138 0000 0001' }, { phone: '+86 138 0000 0002' }], visit: 1 },
      { id: `${prefix}-2`, patient: null, contacts: '+86 138 0000 0003', visit: 2 },
      { id: `${prefix}-3`, visit: 3 },
    ].map((r) => JSON.stringify(r));
    const agreed = await offered({
      format: 'ndjson',
      pi: { fields: ['id', '/patient/name', '/contacts/phone'], subjectIdField: 'id' },
      duties: [
        { action: 'drop_fields', fields: ['/patient/name'] },
        { action: 'mask_fields', fields: ['/contacts/phone'] },
        { action: 'pseudonymise_fields', fields: ['id'] },
      ],
    }, `${lines.join('\n')}\n`);
    const received = await pullAs(agreed);
    const got = outcome(received);
    expect(got.code).toBeNull();
    expect(received.text).not.toContain('Secret Name');
    expect(received.text).not.toContain('+86');
    expect(got.rows.map((r) => [r.patient, r.contacts, r.visit])).toEqual([
      [{ ward: 'W1' }, { phone: '***' }, 0],
      // The value in the path's way goes as a whole (dropped, masked): more than the rule names, never less.
      [undefined, '***', 1],
      [null, '***', 2],
      [undefined, undefined, 3],
    ]);
  });
});

describe('a cap on persons holds only where persons can be counted', () => {
  it('an asset about persons that names no subject field is refused with 403 GATEWAY_SUBJECTS_UNCOUNTABLE under maxDataSubjects, rather than streamed uncounted', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ patient_id: `NSF-${i}`, patient_name: `Secret Name ${i}` }));
    // With and without a field duty: the pass-through stage and the record enforcer alike counted no one.
    for (const duties of [undefined, [{ action: 'drop_fields' as const, fields: ['patient_name'] }]]) {
      const agreed = await offered(
        { format: 'ndjson', pi: { fields: ['patient_id', 'patient_name'], subjectIdField: null }, duties, constraints: [{ leftOperand: 'maxDataSubjects', operator: 'lteq', rightOperand: 2 }] },
        `${lines.join('\n')}\n`,
      );
      const seen = backend.requests.length;
      const received = await pullAs(agreed);
      expect({ status: received.status, code: outcome(received).code }).toEqual({ status: 403, code: 'GATEWAY_SUBJECTS_UNCOUNTABLE' });
      expect(received.text).not.toContain('NSF-');
      expect(backend.requests.slice(seen)).toEqual([]);
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 0, denied: ['GATEWAY_SUBJECTS_UNCOUNTABLE'] });
      expect(ledger.usage).toEqual([]);
      expect(ledger.codes).toEqual(['GATEWAY_SUBJECTS_UNCOUNTABLE']);
    }
  });
});
