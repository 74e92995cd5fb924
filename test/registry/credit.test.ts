import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { parseConfig } from '../../src/core/config.ts';
import { checkCreditParameters, CreditParametersSchema, grade, noInputs, stricter, type CreditInputs, type CreditParameters, type Grade } from '../../src/registry/credit.ts';
import type { CreditReport, SpotCheck } from '../../src/registry/supervision.ts';
import { sampleDraw } from '../../src/registry/supervision.ts';
import { TestPki } from '../support/pki.ts';
import { until } from '../support/until.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { denialRecord, filingRecord, register, signed, startTestRegistry, testConnector, usageRecord, type TestConnector, type TestRegistry } from './support.ts';

const defaults = parseConfig(CreditParametersSchema, {});
const inputs = (change: Partial<Omit<CreditInputs, 'refusals'>> & { refusals?: Partial<CreditInputs['refusals']> } = {}): CreditInputs => {
  const base = noInputs();
  return { ...base, ...change, refusals: { ...base.refusals, ...change.refusals } };
};

describe('credit scoring', () => {
  it.each([
    ['a clean record', inputs(), 100, 'A'],
    ['one overdue filing: exactly the A floor', inputs({ overdueFilings: 1 }), 90, 'A'],
    ['and one refused negotiation: one below it', inputs({ overdueFilings: 1, refusals: { negotiation: 1 } }), 89, 'B'],
    ['a threshold attempt and an overdue filing: the B floor', inputs({ thresholdAttempts: 1, overdueFilings: 1 }), 75, 'B'],
    ['and a refused transfer', inputs({ thresholdAttempts: 1, overdueFilings: 1, refusals: { transfer: 1 } }), 73, 'C'],
    ['two suspensions: the C floor', inputs({ suspensions: 2 }), 50, 'C'],
    ['and a refused data-plane request', inputs({ suspensions: 2, refusals: { 'data-plane': 1 } }), 46, 'D'],
    ['a revoked certificate', inputs({ revocations: 1 }), 80, 'B'],
    ['more penalties than points', inputs({ suspensions: 3, thresholdAttempts: 3, refusals: { 'data-plane-stream': 2 } }), 0, 'D'],
  ] as const)('grades %s', (_name, counted, score, expected) => {
    const result = grade(counted, defaults);
    expect({ score: result.score, grade: result.grade }).toEqual({ score, grade: expected });
  });

  it('explains every input with its count, weight and points', () => {
    const { contributions } = grade(inputs({ thresholdAttempts: 2, refusals: { 'data-plane-stream': 1 } }), defaults);
    expect(contributions).toContainEqual({ input: 'thresholdAttempts', count: 2, weight: 15, points: 30 });
    expect(contributions).toContainEqual({ input: 'refusals.data-plane-stream', count: 1, weight: 6, points: 6 });
    expect(contributions.map((c) => c.input)).toEqual(['refusals.negotiation', 'refusals.transfer', 'refusals.data-plane', 'refusals.data-plane-stream', 'thresholdAttempts', 'overdueFilings', 'suspensions', 'revocations']);
  });

  it('samples A 1 %, B 5 %, C 25 %, D every flow by default', () => {
    expect(defaults.rates).toEqual({ A: 0.01, B: 0.05, C: 0.25, D: 1 });
  });

  it("takes the operator's grade only when it is stricter", () => {
    expect(stricter('A', 'C')).toBe('C');
    expect(stricter('D', 'A')).toBe('D');
    expect(stricter('B', null)).toBe('B');
  });

  it('refuses parameters where a stricter grade would be sampled less or floors are out of order', () => {
    expect(() => checkCreditParameters({ ...defaults, rates: { ...defaults.rates, C: 0.01 } })).toThrow(/A <= B <= C <= D/);
    expect(() => checkCreditParameters({ ...defaults, floors: { A: 70, B: 75, C: 50 } })).toThrow(/A >= B >= C/);
    expect(checkCreditParameters(defaults)).toBe(defaults);
  });

  it('draws from the entry hash as documented (vector computed with Python hashlib)', () => {
    expect(sampleDraw('b1871946c6caa7e5a9268b3812a22a97297d379e6baec6ebcfeb2493b36622f1')).toBe(4306191308459642 / 2 ** 53);
    expect(sampleDraw('0'.repeat(64))).toBe(4917831899285724 / 2 ** 53);
  });
});

interface Entry {
  seq: number;
  recordId: string;
  kind: string;
  participant: string;
  receivedAt: string;
  hash: string;
  record: { stage?: string; event?: string; agreement?: string; reasons?: Array<{ code: string }>; deadlines?: Array<{ type: string; due: string }> };
}

/**
 * What an outsider does with the ledger export and the published parameters and histories, written from
 * docs/registry/supervision.md without the registry's code.
 */
function recomputeSample(entries: readonly Entry[], p: CreditParameters, published: readonly CreditReport[]): Array<Pick<SpotCheck, 'recordId' | 'seq' | 'entryHash' | 'exporter' | 'grade' | 'rate' | 'draw'>> {
  const order: Grade[] = ['A', 'B', 'C', 'D'];
  const sample = [];
  for (const [i, e] of entries.entries()) {
    if (e.kind !== 'usage') continue;
    const t = Date.parse(e.receivedAt);
    const inWindow = (at: string) => Date.parse(at) > t - p.windowDays * 86_400_000 && Date.parse(at) <= t;
    const before = entries.slice(0, i).filter((x) => x.participant === e.participant);
    let points = 0;
    for (const d of before.filter((x) => x.kind === 'denial' && inWindow(x.receivedAt))) {
      points += d.record.reasons!.some((r) => p.thresholdCodes.includes(r.code)) ? p.weights.thresholdAttempt : p.weights.refusal[d.record.stage as 'transfer'];
    }
    const latest = new Map(before.filter((x) => x.kind === 'filing' && x.record.event === 'concluded').map((x) => [x.record.agreement, x.record]));
    const today = new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);
    for (const f of latest.values()) points += f.deadlines!.filter((d) => d.type === 'file_standard_contract' && d.due < today).length * p.weights.overdueFiling;
    const history = published.find((r) => r.participant === e.participant)!;
    points += history.suspensions.filter((s) => inWindow(s.at)).length * p.weights.suspension;
    const score = Math.max(0, 100 - points);
    const computed: Grade = score >= p.floors.A ? 'A' : score >= p.floors.B ? 'B' : score >= p.floors.C ? 'C' : 'D';
    const operator = history.operatorGrades.filter((g) => Date.parse(g.at) <= t).at(-1)?.grade ?? null;
    const effective = operator !== null && order.indexOf(operator) > order.indexOf(computed) ? operator : computed;
    const draw = Number(BigInt(`0x${createHash('sha256').update(`${e.hash}kouan-sample-v1`).digest('hex').slice(0, 16)}`) >> 11n) / 2 ** 53;
    if (draw < p.rates[effective]) sample.push({ recordId: e.recordId, seq: e.seq, entryHash: e.hash, exporter: e.participant, grade: effective, rate: p.rates[effective], draw });
  }
  return sample;
}

describe.each(['sqlite', 'postgresql'] as const)('graded supervision through the registry on %s', (storage) => {
  let pki: TestPki;
  let registry: TestRegistry;
  let clean: TestConnector;
  let risky: TestConnector;
  const schema = uniqueSchema('credit');
  // The registry's clock: near real time while connectors connect, moved on a second between phases so that every
  // grade change and every record has its own instant.
  const clock = new ManualClock(Date.now());
  const riskyLate: string[] = [];

  const send = async (connector: TestConnector, record: Record<string, unknown>) => {
    const r = await connector.send(await signed(record, connector.identity));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return String(record.id);
  };
  const flows = async (connector: TestConnector, n: number) => {
    const ids = [];
    for (let i = 0; i < n; i++) ids.push(await send(connector, usageRecord(connector.id)));
    return ids;
  };

  beforeAll(async () => {
    pki = await TestPki.create();
    const overrides = storage === 'postgresql' ? { storage: { postgresUrl: testPostgresUrl(), postgresSchema: schema } } : {};
    registry = await startTestRegistry(pki, overrides, undefined, clock);
    clean = await testConnector(pki, registry, 'clean-co', 'CN');
    risky = await testConnector(pki, registry, 'risky-co', 'CN');
    await register(registry, 'clean-co', 'CN', clean.credentials);
    await register(registry, 'risky-co', 'CN', risky.credentials);
    await register(registry, 'paused-co', 'CN', pki.issue('paused-co', 'CN'));

    // Phase 1: both exporters with a clean record.
    await flows(clean, 10);
    await flows(risky, 10);
    // Phase 2: the risky exporter tries to cross the threshold three times, is refused twice at the data plane,
    // and leaves a standard-contract filing overdue.
    clock.advance(1000);
    for (const stage of ['data-plane', 'data-plane-stream', 'data-plane-stream']) await send(risky, denialRecord('risky-co', ['GATEWAY_THRESHOLD_REACHED'], { stage }));
    for (let i = 0; i < 2; i++) await send(risky, denialRecord('risky-co', ['GATEWAY_TRANSFER_SUSPENDED'], { stage: 'data-plane' }));
    await send(risky, filingRecord('risky-co', 'agreement-late', { deadlines: [{ type: 'file_standard_contract', due: '2020-01-10' }] }));
    // Phase 3: the operator tightens the clean exporter to C and tries to ease the risky one to A; one suspension.
    clock.advance(1000);
    expect((await registry.operator('PATCH', '/participants/clean-co', { creditGrade: 'C' })).status).toBe(200);
    expect((await registry.operator('PATCH', '/participants/risky-co', { creditGrade: 'A' })).status).toBe(200);
    expect((await registry.operator('POST', '/participants/paused-co/suspend', { reason: 'late answers' })).status).toBe(200);
    expect((await registry.operator('POST', '/participants/paused-co/reinstate')).status).toBe(200);
    // Phase 4: more flows under the new grades.
    clock.advance(1000);
    await flows(clean, 10);
    riskyLate.push(...(await flows(risky, 10)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([clean?.close(), risky?.close()]);
    await registry?.stop();
    if (storage === 'postgresql') await dropSchemas(testPostgresUrl(), [schema]);
    pki.cleanup();
  });

  const credit = async (id: string) => {
    const r = await registry.operator<CreditReport>('GET', `/participants/${id}/credit`);
    expect(r.status).toBe(200);
    return r.body;
  };

  it('grades an exporter with refusals and threshold attempts worse, and samples it more', async () => {
    const worse = await credit('risky-co');
    expect(worse.inputs).toEqual({ refusals: { negotiation: 0, transfer: 0, 'data-plane': 2, 'data-plane-stream': 0 }, thresholdAttempts: 3, overdueFilings: 1, suspensions: 0, revocations: 0 });
    expect(worse.contributions.filter((c) => c.points > 0)).toEqual([
      { input: 'refusals.data-plane', count: 2, weight: 4, points: 8 },
      { input: 'thresholdAttempts', count: 3, weight: 15, points: 45 },
      { input: 'overdueFilings', count: 1, weight: 10, points: 10 },
    ]);
    // The operator's A does not ease a D earned on the record.
    expect(worse).toMatchObject({ score: 37, computedGrade: 'D', operatorGrade: 'A', grade: 'D', rate: 1 });
    const better = await credit('clean-co');
    expect(better).toMatchObject({ score: 100, computedGrade: 'A', operatorGrade: 'C', grade: 'C', rate: 0.25 });
    expect(better.operatorGrades.map((g) => g.grade)).toEqual(['C']);
    expect(await credit('paused-co')).toMatchObject({ score: 75, computedGrade: 'B', grade: 'B', rate: 0.05, inputs: { suspensions: 1 } });
  });

  it('lists every participant with the parameters it was graded with', async () => {
    const r = await registry.operator<{ parameters: CreditParameters; participants: CreditReport[] }>('GET', '/credit');
    expect(r.status).toBe(200);
    expect(r.body.parameters).toEqual(defaults);
    expect(r.body.participants.map((p) => [p.participant, p.grade])).toEqual([['clean-co', 'C'], ['paused-co', 'B'], ['risky-co', 'D']]);
  });

  it('marks for spot checks exactly the flows an outsider recomputes from the ledger export', async () => {
    const published = (await registry.operator<{ parameters: CreditParameters; participants: CreditReport[] }>('GET', '/credit')).body;
    const entries = (await registry.operator<Entry[]>('GET', '/ledger/entries?limit=1000')).body;
    const expected = recomputeSample(entries, published.parameters, published.participants);
    const r = await registry.operator<{ flows: number; spotChecks: SpotCheck[] }>('GET', '/spot-checks');
    expect(r.status).toBe(200);
    expect(r.body.flows).toBe(40);
    expect(r.body.spotChecks.map(({ recordId, seq, entryHash, exporter, grade: g, rate, draw }) => ({ recordId, seq, entryHash, exporter, grade: g, rate, draw }))).toEqual(expected);
    // Every flow of the risky exporter after its refusals is marked (D samples all); none of the first ten was graded D.
    const marked = r.body.spotChecks.filter((s) => s.exporter === 'risky-co');
    expect(marked.filter((s) => s.grade === 'D').map((s) => s.recordId)).toEqual(riskyLate);
    expect(marked.filter((s) => !riskyLate.includes(s.recordId)).every((s) => s.grade === 'A' && s.draw < 0.01)).toBe(true);
    // The clean exporter's first flows were graded A, the later ones C: a grade applies from when it was set.
    const cleanFlows = entries.filter((e) => e.participant === 'clean-co' && e.kind === 'usage');
    const gradeOf = new Map(r.body.spotChecks.map((s) => [s.recordId, s.grade]));
    for (const [i, e] of cleanFlows.entries()) if (gradeOf.has(e.recordId)) expect(gradeOf.get(e.recordId)).toBe(i < 10 ? 'A' : 'C');
  });

  it('filters spot checks by exporter and time, and answers CSV', async () => {
    const all = (await registry.operator<{ spotChecks: SpotCheck[] }>('GET', '/spot-checks')).body.spotChecks;
    const risky = await registry.operator<{ flows: number; spotChecks: SpotCheck[] }>('GET', '/spot-checks?exporter=risky-co&from=2026-11-27&to=2026-11-28');
    expect(risky.body.flows).toBe(20);
    expect(risky.body.spotChecks).toEqual(all.filter((s) => s.exporter === 'risky-co'));
    expect((await registry.operator<{ flows: number }>('GET', '/spot-checks?from=2026-11-28')).body.flows).toBe(0);
    const csv = await request(`${registry.operatorUrl}/spot-checks?format=csv`, { headers: { 'x-api-key': registry.apiKey } });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = (await csv.body.text()).trimEnd().split('\r\n').map((line) => line.split(','));
    expect(header).toEqual(['recordId', 'seq', 'entryHash', 'exporter', 'at', 'receivedAt', 'score', 'computedGrade', 'operatorGrade', 'grade', 'rate', 'draw']);
    expect(rows.map((row) => [row[0], Number(row[1]), row[9], Number(row[11])])).toEqual(all.map((s) => [s.recordId, s.seq, s.grade, s.draw]));
  });

  it('forgets refusals and suspensions older than the window, but not a filing still overdue', async () => {
    const now = clock.now();
    clock.advance(366 * 86_400_000);
    try {
      expect(await credit('risky-co')).toMatchObject({ score: 90, computedGrade: 'A', grade: 'A', inputs: { thresholdAttempts: 0, overdueFilings: 1 } });
      expect(await credit('paused-co')).toMatchObject({ score: 100, inputs: { suspensions: 0 } });
    } finally {
      clock.set(now);
    }
  });

  it('answers an unknown participant with 404 and a bad query with 400', async () => {
    for (const path of ['/participants/nobody/credit', '/spot-checks?exporter=nobody']) {
      const r = await registry.operator<{ code: string }>('GET', path);
      expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
    for (const path of ['/spot-checks?from=yesterday', '/spot-checks?format=xml', '/spot-checks?colour=red']) {
      const r = await registry.operator<{ code: string }>('GET', path);
      expect({ path, status: r.status, code: r.body.code }).toEqual({ path, status: 400, code: 'INPUT_INVALID' });
    }
    expect((await registry.operator('GET', '/credit', undefined, 'wrong-key-0123456789')).status).toBe(401);
    expect((await registry.operator('PATCH', '/participants/clean-co', { creditGrade: 'E' })).status).toBe(400);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const openapi = (await (await fetch(registry.operatorUrl.replace('/operator/v1', '/openapi.json'))).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/operator/v1/participants/{id}/credit', '/operator/v1/credit', '/operator/v1/spot-checks']));
  });

  it("counts its certificates the CA revoked, from the CA's CRL, and publishes them for recomputation", async () => {
    // clean-co has presented its certificate (its flows), so the registry knows the serial.
    const before = await credit('clean-co');
    expect(before).toMatchObject({ score: 100, inputs: { revocations: 0 }, revocations: [] });
    await pki.revoke({ participantId: 'clean-co' });
    await until(async () => registry.deps.trust.revocations.size, (n) => n > 0, 10_000);
    const now = clock.now();
    clock.set(Date.now() + 1000); // the registry's clock after the revocation
    try {
      const after = await credit('clean-co');
      expect(after).toMatchObject({ score: 80, computedGrade: 'B', inputs: { revocations: 1 }, revocations: [{ serial: clean.identity.serial }] });
      expect(Date.parse(after.revocations[0]!.revokedAt)).toBeLessThanOrEqual(Date.now());
      expect(await credit('risky-co')).toMatchObject({ inputs: { revocations: 0 } });
    } finally {
      clock.set(now);
    }
  });
});
