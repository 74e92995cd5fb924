/**
 * Attacks on the budgets an agreement and an export path set, with streams run side by side: whatever the
 * number of parallel pulls, the records and persons that leave add up to the budget, never more, on SQLite and
 * on PostgreSQL alike.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beijingYear } from '../../src/data-plane/inputs.ts';
import type { TestConnector } from '../support/connectors.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { PatientBackend, type Row } from './support/backend.ts';
import { attack, persons } from './support/consumer.ts';
import { ledgerOf } from './support/ledger.ts';
import { allRows, outcome, type Outcome } from './support/outcome.ts';
import { agree, openSpace, publish, startProvider, type AssetSpec, type Space, type Storage } from './support/space.ts';

const STREAMS = 5;
/** Records a second the backend writes in the parallel attacks, so that every stream is open at once (none wins by finishing first). */
const OVERLAP = 100;
const readings = (n: number): Row[] => Array.from({ length: 50 }, (_, i) => ({ sample: `S-${n}-${i}`, reading: 4.2 + i / 100 }));
/** Records about new persons on every request: `count` persons, `each` records per person, in order. */
const cohort = (prefix: string, count: number, each = 1) => (n: number): Row[] =>
  Array.from({ length: count * each }, (_, i) => ({ patient_id: `${prefix}-${n}-${Math.floor(i / each)}`, patient_name: `Name ${i}`, hba1c: 5 + (i % 4) }));

/** Refusals a pull may meet before its stream starts, when parallel streams already spent the budget. */
const SPENT_AT_THE_DOOR: Record<string, string> = {
  GATEWAY_MAX_RECORDS_REACHED: 'CONTRACT_MAX_RECORDS_REACHED',
  GATEWAY_MAX_DATA_SUBJECTS_REACHED: 'CONTRACT_MAX_SUBJECTS_REACHED',
  GATEWAY_THRESHOLD_REACHED: 'GATEWAY_THRESHOLD_REACHED',
};

/** Each parallel pull either streamed and ended in band with `code`, or was refused at the door because the budget was gone. */
function expectEachStopped(outcomes: Outcome[], code: string): void {
  for (const o of outcomes) {
    if (o.status === 200) expect(o.code).toBe(code);
    else expect({ status: o.status, code: o.code }).toEqual({ status: 403, code: SPENT_AT_THE_DOOR[code] });
  }
  expect(outcomes.some((o) => o.status === 200)).toBe(true);
}

/** The denial records: one per stream cut in band, one per refusal at the door, with the consumer's codes. */
const expectedDenials = (outcomes: Outcome[]) => outcomes.map((o) => o.code!).sort();

let space: Space;
let backend: PatientBackend;
const schemas: string[] = [];

beforeAll(async () => {
  backend = new PatientBackend();
  await backend.start();
  space = await openSpace();
});

afterAll(async () => {
  await space?.close();
  await backend?.stop();
  if (schemas.length) await dropSchemas(testPostgresUrl(), schemas);
});

const STORES: Array<{ store: string; storage: () => Storage | undefined }> = [
  { store: 'SQLite', storage: () => undefined },
  {
    store: 'PostgreSQL',
    storage: () => {
      const schema = uniqueSchema('adv_budgets');
      schemas.push(schema);
      return { postgresUrl: testPostgresUrl(), postgresSchema: schema };
    },
  },
];

describe.each(STORES)('budgets shared by concurrent streams ($store)', ({ store, storage }) => {
  let provider: TestConnector;
  const tag = store.toLowerCase();
  const pullAll = (agreed: Awaited<ReturnType<typeof agree>>, n: number) =>
    Promise.all(Array.from({ length: n }, () => attack(space.peers, provider.participantId, agreed.edr, { deadlineMs: 15_000 })));

  beforeAll(async () => {
    provider = await startProvider(space, `hospital-${tag}`, storage());
  });

  afterAll(async () => {
    await provider?.stop();
  });

  it('five parallel pulls of a 50-record dataset take exactly maxRecords (10) between them', async () => {
    const spec: AssetSpec = { id: `readings-${tag}`, url: backend.serve(`/readings-${tag}`, { rows: readings, perSecond: OVERLAP }), format: 'ndjson', constraints: [{ leftOperand: 'maxRecords', operator: 'lteq', rightOperand: 10 }] };
    await publish(provider, spec);
    const agreed = await agree(space, provider, spec);

    const outcomes = (await pullAll(agreed, STREAMS)).map((r) => outcome(r));
    expect(allRows(outcomes)).toHaveLength(10);
    expect(new Set(allRows(outcomes).map((r) => r.sample)).size).toBe(10);
    expectEachStopped(outcomes, 'GATEWAY_MAX_RECORDS_REACHED');

    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: outcomes.filter((o) => o.status === 200).length, denied: expectedDenials(outcomes) });
    expect(ledger.usage).toHaveLength(outcomes.filter((o) => o.status === 200).length);
    expect(ledger.records).toBe(10);
    expect(ledger.codes.sort()).toEqual(expectedDenials(outcomes));
    expect((await provider.stores.usage.agreementUsage(agreed.agreementId)).records).toBe(10);

    // Spent: one more pull gets nothing.
    const after = outcome(await attack(space.peers, provider.participantId, agreed.edr, { deadlineMs: 10_000 }));
    expect(after.rows).toHaveLength(0);
    expect(after.code === 'GATEWAY_MAX_RECORDS_REACHED' || after.code === 'CONTRACT_MAX_RECORDS_REACHED').toBe(true);
  });

  it('one response with 120 distinct persons under maxDataSubjects 5 carries the records of exactly 5 persons, then the marker', async () => {
    const prefix = `M-${randomUUID().slice(0, 8)}`;
    const spec: AssetSpec = {
      id: `subjects-${tag}`, url: backend.serve(`/subjects-${tag}`, { rows: cohort(prefix, 120, 2) }), format: 'ndjson',
      pi: { fields: ['patient_id', 'patient_name'], subjectIdField: 'patient_id' },
      constraints: [{ leftOperand: 'maxDataSubjects', operator: 'lteq', rightOperand: 5 }],
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }],
    };
    await publish(provider, spec);
    const agreed = await agree(space, provider, spec);

    const got = outcome(await attack(space.peers, provider.participantId, agreed.edr, { deadlineMs: 15_000 }));
    expect(got.status).toBe(200);
    // Two records per person, in order: the five persons' ten records go, the sixth person's first record does not.
    expect(got.rows).toHaveLength(10);
    expect(persons(got.rows, 'patient_id')).toBe(5);
    expect(got.rows.every((r) => !('patient_name' in r))).toBe(true);
    expect(got.code).toBe('GATEWAY_MAX_DATA_SUBJECTS_REACHED');

    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1, denied: ['GATEWAY_MAX_DATA_SUBJECTS_REACHED'] });
    expect(ledger.records).toBe(10);
    expect(ledger.newSubjects).toBe(5);
    expect(ledger.codes).toEqual(['GATEWAY_MAX_DATA_SUBJECTS_REACHED']);
  });

  it('five parallel pulls, each of new persons, reach exactly maxDataSubjects (5) persons between them', async () => {
    const prefix = `Q-${randomUUID().slice(0, 8)}`;
    const spec: AssetSpec = {
      id: `subjects-par-${tag}`, url: backend.serve(`/subjects-par-${tag}`, { rows: cohort(prefix, 30), perSecond: OVERLAP }), format: 'ndjson',
      pi: { fields: ['patient_id', 'patient_name'], subjectIdField: 'patient_id' },
      constraints: [{ leftOperand: 'maxDataSubjects', operator: 'lteq', rightOperand: 5 }],
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }],
    };
    await publish(provider, spec);
    const agreed = await agree(space, provider, spec);

    const outcomes = (await pullAll(agreed, STREAMS)).map((r) => outcome(r));
    expect(persons(allRows(outcomes), 'patient_id')).toBe(5);
    expect(allRows(outcomes)).toHaveLength(5);
    expectEachStopped(outcomes, 'GATEWAY_MAX_DATA_SUBJECTS_REACHED');

    const streamed = outcomes.filter((o) => o.status === 200).length;
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: streamed, denied: expectedDenials(outcomes) });
    expect(ledger.usage).toHaveLength(streamed);
    expect(ledger.records).toBe(5);
    expect(ledger.newSubjects).toBe(5);
    expect(ledger.codes.sort()).toEqual(expectedDenials(outcomes));
  });

  // Last in this provider's run: it brings the exporter to its cap for the year.
  it('parallel streams never take the exporter past its yearly cap: new persons across them equal the remaining budget', async () => {
    const prefix = `X-${randomUUID().slice(0, 8)}`;
    const spec: AssetSpec = {
      id: `sensitive-${tag}`, url: backend.serve(`/sensitive-${tag}`, { rows: cohort(prefix, 20), perSecond: OVERLAP }), format: 'ndjson',
      pi: { fields: ['patient_id', 'patient_name'], subjectIdField: 'patient_id', sensitive: true },
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }],
    };
    await publish(provider, spec);
    const agreed = await agree(space, provider, spec);
    expect(agreed.transfer.state).toBe('STARTED');
    // Sensitive PI of fewer than 10,000 persons a year on the standard-contract path: 9,990 already went, 9 more may.
    const year = beijingYear(new Date());
    const before = await provider.stores.usage.cumulative(provider.participantId, year);
    const earlier = Array.from({ length: 9_990 - before.sensitiveSubjects }, () => randomUUID());
    await provider.stores.usage.addSubjects(provider.participantId, year, 'urn:adversarial-earlier', earlier, true);

    const outcomes = (await pullAll(agreed, STREAMS)).map((r) => outcome(r));
    expect(persons(allRows(outcomes), 'patient_id')).toBe(9);
    expect(allRows(outcomes)).toHaveLength(9);
    expectEachStopped(outcomes, 'GATEWAY_THRESHOLD_REACHED');
    expect((await provider.stores.usage.cumulative(provider.participantId, year)).sensitiveSubjects).toBe(9_999);

    const streamed = outcomes.filter((o) => o.status === 200).length;
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: streamed, denied: expectedDenials(outcomes) });
    expect(ledger.usage).toHaveLength(streamed);
    expect(ledger.records).toBe(9);
    expect(ledger.newSubjects).toBe(9);
    expect(ledger.codes.sort()).toEqual(expectedDenials(outcomes));
  });
});
