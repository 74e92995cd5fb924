/**
 * Attacks on the representation: a consumer that asks the backend, through the gateway, for another format,
 * an encoding, a query or a path of its choosing, or that smuggles forwarding headers; and a backend that
 * answers what the asset does not declare. The gateway decides what is asked and what is accepted; obligations
 * and caps hold on every record; refusals leave nothing behind them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestConnector } from '../support/connectors.ts';
import { PatientBackend, type Row } from './support/backend.ts';
import { at, attack, persons } from './support/consumer.ts';
import { ledgerOf } from './support/ledger.ts';
import { allRows, outcome } from './support/outcome.ts';
import { agree, openSpace, publish, startProvider, type Agreed, type AssetSpec, type Space } from './support/space.ts';

const PSEUDONYM = /^ps_[\w-]{22}$/;
const GATEWAY_ACCEPT = { ndjson: 'application/x-ndjson', json: 'application/json', csv: 'text/csv' } as const;

/** Six persons, two visits each: flat records with a name and an id. */
const visits = (prefix: string) => (): Row[] =>
  Array.from({ length: 12 }, (_, i) => ({ patient_id: `${prefix}-${i % 6}`, patient_name: `Secret Name ${i % 6}`, diagnosis: i % 3 ? 'C34.1' : 'E11.9', visit: i }));
/** Ten persons, two records each, with the person nested; `ward` both at the top and inside the patient. */
const nested = (prefix: string) => (): Row[] =>
  Array.from({ length: 20 }, (_, i) => {
    const p = Math.floor(i / 2);
    return { patient: { id: `${prefix}-${p}`, name: `Secret Name ${p}`, phone: `+86 138 0000 ${String(p).padStart(4, '0')}`, ward: 'W3' }, diagnosis: 'E11.9', ward: 'cardiology', visit: i };
  });
const labels = (): Row[] => Array.from({ length: 12 }, (_, i) => ({ image: `img-${i}.jpg`, label: i % 2 ? 'pedestrian' : 'car' }));

const patientDuties: AssetSpec['duties'] = [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }];
const patientPi = { fields: ['patient_id', 'patient_name'], subjectIdField: 'patient_id' };

/** Headers an attacker adds so the backend trusts, routes or identifies it differently. */
const SMUGGLED = {
  'x-forwarded-for': '6.6.6.6',
  forwarded: 'for=6.6.6.6;proto=https;host=evil.example',
  'x-real-ip': '6.6.6.6',
  cookie: 'session=evil-session',
  'x-http-method-override': 'DELETE',
  'x-original-url': '/admin/evil',
  'x-kouan-anything': 'evil',
};

let space: Space;
let backend: PatientBackend;
let provider: TestConnector;

beforeAll(async () => {
  backend = new PatientBackend();
  await backend.start();
  space = await openSpace();
  provider = await startProvider(space, 'bj-hospital');
});

afterAll(async () => {
  await provider?.stop();
  await space?.close();
  await backend?.stop();
});

const pullAs = (agreed: Agreed, attempt: Parameters<typeof attack>[3] = {}) => attack(space.peers, provider.participantId, agreed.edr, { deadlineMs: 10_000, ...attempt });
let assets = 0;
/** Publishes an asset under a fresh id and path, and agrees to it. */
async function offered(spec: Omit<AssetSpec, 'id' | 'url'>, dataset: Parameters<PatientBackend['serve']>[1]): Promise<{ spec: AssetSpec; agreed: Agreed; path: string }> {
  assets += 1;
  const path = `/dataset-${assets}`;
  const full: AssetSpec = { ...spec, id: `asset-${assets}`, url: backend.serve(path, dataset) };
  await publish(provider, full);
  return { spec: full, agreed: await agree(space, provider, full), path };
}

describe('the gateway decides the representation, not the consumer', () => {
  for (const kind of ['patient records with obligations', 'records with nothing to change (pass-through)'] as const) {
    it(`asking for JSON, CSV or gzip still yields the declared NDJSON, counted and capped exactly (${kind})`, async () => {
      const pi = kind.startsWith('patient');
      const { agreed, path } = await offered(
        { format: 'ndjson', ...(pi ? { pi: patientPi, duties: patientDuties } : {}), constraints: [{ leftOperand: 'maxRecords', operator: 'lteq', rightOperand: 30 }] },
        { rows: pi ? visits(`A-${randomUUID().slice(0, 6)}`) : labels },
      );
      const attempts: Array<Record<string, string>> = [{ accept: 'application/json' }, { 'accept-encoding': 'gzip' }, { accept: 'text/csv', 'accept-encoding': 'gzip, deflate, br' }];
      const outcomes = [];
      for (const headers of attempts) {
        const seen = backend.requestsTo(path).length;
        const received = await pullAs(agreed, { headers });
        expect(received.status).toBe(200);
        expect(received.headers['content-type']).toMatch(/^application\/x-ndjson/);
        expect(received.headers['content-encoding']).toBeUndefined();
        const asked = backend.requestsTo(path).slice(seen);
        expect(asked).toHaveLength(1);
        expect(asked[0]!.headers.accept).toBe('application/x-ndjson');
        expect(asked[0]!.headers['accept-encoding']).toBe('identity');
        outcomes.push(outcome(received));
      }
      // 12 + 12 + 6 under maxRecords 30: the third ends in band.
      expect(outcomes.map((o) => o.rows.length)).toEqual([12, 12, 6]);
      expect(outcomes.map((o) => o.code)).toEqual([null, null, 'GATEWAY_MAX_RECORDS_REACHED']);
      const rows = allRows(outcomes);
      if (pi) {
        for (const r of rows) {
          expect(r).not.toHaveProperty('patient_name');
          expect(String(r.patient_id)).toMatch(PSEUDONYM);
        }
      } else {
        expect(rows.map((r) => r.image)).toEqual([...labels(), ...labels(), ...labels().slice(0, 6)].map((r) => r.image));
      }
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 3, denied: ['GATEWAY_MAX_RECORDS_REACHED'] });
      expect(ledger.records).toBe(30);
      expect(ledger.newSubjects).toBe(pi ? persons(rows, 'patient_id') : 0);
      expect(ledger.codes).toEqual(['GATEWAY_MAX_RECORDS_REACHED']);
    });
  }

  for (const format of ['json', 'csv'] as const) {
    it(`a ${format} asset is asked for as ${format} and reaches the consumer as ${format} with its in-band marker, whatever the consumer accepts`, async () => {
      const prefix = `F-${randomUUID().slice(0, 6)}`;
      const { agreed, path } = await offered(
        { format, pi: patientPi, duties: patientDuties, constraints: [{ leftOperand: 'maxRecords', operator: 'lteq', rightOperand: 18 }] },
        { rows: visits(prefix), json: 'array' },
      );
      const outcomes = [];
      for (const accept of ['application/x-ndjson', format === 'json' ? 'text/csv' : 'application/json']) {
        const seen = backend.requestsTo(path).length;
        const received = await pullAs(agreed, { headers: { accept, 'accept-encoding': 'gzip' } });
        expect(received.status).toBe(200);
        expect(received.headers['content-type']).toContain(GATEWAY_ACCEPT[format]);
        const asked = backend.requestsTo(path).slice(seen);
        expect(asked.map((r) => [r.headers.accept, r.headers['accept-encoding']])).toEqual([[GATEWAY_ACCEPT[format], 'identity']]);
        const got = outcome(received, format);
        for (const r of got.rows) {
          expect(r).not.toHaveProperty('patient_name');
          expect(String(r.patient_id)).toMatch(PSEUDONYM);
        }
        expect(received.text).not.toContain('Secret Name');
        expect(received.text).not.toContain(prefix);
        outcomes.push(got);
      }
      // 12 + 6 under maxRecords 18: the second ends with the marker as its format carries it (last array element, trailing CSV comment).
      expect(outcomes.map((o) => [o.rows.length, o.code])).toEqual([[12, null], [6, 'GATEWAY_MAX_RECORDS_REACHED']]);
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 2, denied: ['GATEWAY_MAX_RECORDS_REACHED'] });
      expect(ledger.records).toBe(18);
      expect(ledger.newSubjects).toBe(persons(allRows(outcomes), 'patient_id'));
      expect(ledger.codes).toEqual(['GATEWAY_MAX_RECORDS_REACHED']);
    });
  }

  it('forwarding, cookie, method-override, original-URL and x-kouan headers a consumer sets never reach the backend', async () => {
    const { agreed, path } = await offered({ format: 'ndjson', pi: patientPi, duties: patientDuties }, { rows: visits(`H-${randomUUID().slice(0, 6)}`) });
    const received = await pullAs(agreed, { headers: SMUGGLED });
    expect(received.status).toBe(200);
    expect(outcome(received).rows).toHaveLength(12);
    const asked = backend.requestsTo(path);
    expect(asked).toHaveLength(1);
    const headers = asked[0]!.headers;
    for (const name of ['cookie', 'x-http-method-override', 'x-original-url', 'x-kouan-anything', 'authorization']) expect(headers).not.toHaveProperty(name);
    expect(Object.keys(headers).filter((h) => h.startsWith('x-kouan'))).toEqual([]);
    // The gateway may say where a request came from, but never what the consumer claimed.
    expect(JSON.stringify(headers)).not.toMatch(/6\.6\.6\.6|evil/);
    expect(asked[0]!.method).toBe('GET');
  });
});

describe('queries and paths reach the backend only as the asset allows', () => {
  it('a query parameter the asset allows is forwarded; any other refuses the request before the backend is asked', async () => {
    const { agreed, path } = await offered({ format: 'ndjson', query: ['since'], pi: patientPi, duties: patientDuties }, { rows: visits(`Q-${randomUUID().slice(0, 6)}`) });
    const allowed = await pullAs(agreed, { suffix: '?since=2026-01-01' });
    expect(allowed.status).toBe(200);
    expect(outcome(allowed).rows).toHaveLength(12);
    expect(backend.requestsTo(path).map((r) => new URL(r.url, 'http://b').searchParams.get('since'))).toEqual(['2026-01-01']);
    expect(backend.requestsTo(path).map((r) => new URL(r.url, 'http://b').searchParams.has('format'))).toEqual([false]);

    for (const suffix of ['?format=json', '?since=2026-01-01&format=json', '?since=2026-01-01&since=2025-01-01&Since=x', '?SINCE=2026-01-01']) {
      const refused = await pullAs(agreed, { suffix });
      expect({ suffix, status: refused.status, code: outcome(refused).code }).toEqual({ suffix, status: 400, code: 'GATEWAY_QUERY_NOT_ALLOWED' });
      expect(refused.text).not.toContain('Secret Name');
    }
    expect(backend.requestsTo(path)).toHaveLength(1);
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1, denied: Array(4).fill('GATEWAY_QUERY_NOT_ALLOWED') });
    expect(ledger.usage).toHaveLength(1);
    expect(ledger.records).toBe(12);
    expect(ledger.codes).toEqual(Array(4).fill('GATEWAY_QUERY_NOT_ALLOWED'));
  });

  it('an asset that allows no query refuses any query string, and a sub-path of the transfer is refused, the backend never asked', async () => {
    const { agreed } = await offered({ format: 'ndjson', pi: patientPi, duties: patientDuties }, { rows: visits(`P-${randomUUID().slice(0, 6)}`) });
    const before = backend.requests.length;
    for (const suffix of ['?since=2026-01-01', '?format=json', '?x']) {
      const refused = await pullAs(agreed, { suffix });
      expect({ suffix, status: refused.status, code: outcome(refused).code }).toEqual({ suffix, status: 400, code: 'GATEWAY_QUERY_NOT_ALLOWED' });
    }
    for (const suffix of ['/anything', '/anything?format=json', '/a/b/c', '/%2Fadmin']) {
      const refused = await pullAs(agreed, { suffix });
      expect({ suffix, status: refused.status, code: outcome(refused).code }).toEqual({ suffix, status: 404, code: 'GATEWAY_PATH_NOT_ALLOWED' });
    }
    expect(backend.requests.length).toBe(before);
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 0, denied: [...Array(3).fill('GATEWAY_QUERY_NOT_ALLOWED'), ...Array(4).fill('GATEWAY_PATH_NOT_ALLOWED')] });
    expect(ledger.usage).toEqual([]);
    expect(ledger.codes.sort()).toEqual([...Array(4).fill('GATEWAY_PATH_NOT_ALLOWED'), ...Array(3).fill('GATEWAY_QUERY_NOT_ALLOWED')]);
  });
});

describe('the gateway accepts from the backend only what the asset declares', () => {
  const cases = [
    { misbehave: 'json', code: 'GATEWAY_BACKEND_CONTENT_TYPE', answer: 'JSON for an NDJSON asset' },
    { misbehave: 'gzip', code: 'GATEWAY_BACKEND_ENCODING', answer: 'gzip' },
  ] as const;
  for (const { misbehave, code, answer } of cases) {
    for (const pi of [true, false]) {
      it(`a backend answering ${answer} is refused with 502 ${code}, none of its body reaching the consumer (${pi ? 'patient records' : 'pass-through'})`, async () => {
        const prefix = `B-${randomUUID().slice(0, 6)}`;
        const { agreed, path } = await offered(
          { format: 'ndjson', ...(pi ? { pi: patientPi, duties: patientDuties } : {}) },
          { rows: pi ? visits(prefix) : () => labels().map((r) => ({ ...r, image: `${prefix}-${String(r.image)}` })), misbehave },
        );
        const received = await pullAs(agreed);
        expect(backend.requestsTo(path)).toHaveLength(1);
        expect(received.status).toBe(502);
        expect(outcome(received).code).toBe(code);
        expect(received.text).not.toContain(prefix);
        expect(received.text).not.toContain('Secret Name');
        expect(received.headers['content-encoding']).toBeUndefined();
        const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 0, denied: [code] });
        expect(ledger.codes).toEqual([code]);
        expect(ledger.records).toBe(0);
        expect(ledger.newSubjects).toBe(0);
      });
    }
  }
});

describe('obligations and counting on nested records and on pass-through records', () => {
  it('JSON Pointers in the classification and the duties reach nested fields: no /patient/name, /patient/phone masked, /patient/id pseudonymised, persons counted by /patient/id', async () => {
    const prefix = `N-${randomUUID().slice(0, 6)}`;
    const { agreed } = await offered({
      format: 'ndjson',
      pi: { fields: ['/patient/id', '/patient/name', '/patient/phone'], subjectIdField: '/patient/id' },
      constraints: [{ leftOperand: 'maxDataSubjects', operator: 'lteq', rightOperand: 4 }],
      duties: [
        { action: 'drop_fields', fields: ['/patient/name', 'ward'] },
        { action: 'mask_fields', fields: ['/patient/phone'] },
        { action: 'pseudonymise_fields', fields: ['/patient/id'] },
      ],
    }, { rows: nested(prefix) });
    const received = await pullAs(agreed);
    expect(received.status).toBe(200);
    const got = outcome(received);
    // Two records per person: four persons' eight records, then the fifth person is refused.
    expect(got.rows).toHaveLength(8);
    expect(got.code).toBe('GATEWAY_MAX_DATA_SUBJECTS_REACHED');
    for (const r of got.rows) {
      const patient = r.patient as Row;
      expect(patient).not.toHaveProperty('name');
      expect(patient.phone).toBe('***');
      expect(String(patient.id)).toMatch(PSEUDONYM);
      // A plain name is a top-level key: the top-level ward is dropped, the patient's ward is not.
      expect(r).not.toHaveProperty('ward');
      expect(patient.ward).toBe('W3');
      expect(r.diagnosis).toBe('E11.9');
    }
    expect(persons(got.rows, '/patient/id')).toBe(4);
    expect(got.rows.map((r) => at(r, '/visit'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(received.text).not.toContain(prefix);
    expect(received.text).not.toContain('Secret Name');
    expect(received.text).not.toContain('+86');
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1, denied: ['GATEWAY_MAX_DATA_SUBJECTS_REACHED'] });
    expect(ledger.records).toBe(8);
    expect(ledger.newSubjects).toBe(4);
  });

  it('a pass-through stream stops at a backend line that is not a JSON object, having counted only the records before it', async () => {
    const good = (i: number) => JSON.stringify({ image: `img-${i}.jpg`, label: 'car' });
    const body = `${[0, 1, 2].map(good).join('\n')}\n\n${good(3)}\n[1,2,3]\n${good(4)}\n${good(5)}\n`;
    const { agreed } = await offered({ format: 'ndjson', constraints: [{ leftOperand: 'maxRecords', operator: 'lteq', rightOperand: 100 }] }, { rows: () => [], ndjson: body });
    const received = await pullAs(agreed);
    expect(received.status).toBe(200);
    const got = outcome(received);
    expect(got.rows.map((r) => r.image)).toEqual(['img-0.jpg', 'img-1.jpg', 'img-2.jpg', 'img-3.jpg']);
    expect(got.code).toBe('GATEWAY_BACKEND_INVALID');
    expect(received.text).not.toContain('img-4.jpg');
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
    expect(ledger.records).toBe(4);
    expect((await provider.stores.usage.agreementUsage(agreed.agreementId)).records).toBe(4);
  });

  it('a pass-through stream counts parsed records, not lines: blank lines and scalars do not pass as records', async () => {
    const body = `{"image":"a"}\n\n\r\n{"image":"b"}\n"a string"\n{"image":"c"}\n`;
    const { agreed } = await offered({ format: 'ndjson' }, { rows: () => [], ndjson: body });
    const got = outcome(await pullAs(agreed));
    expect(got.rows.map((r) => r.image)).toEqual(['a', 'b']);
    expect(got.code).toBe('GATEWAY_BACKEND_INVALID');
    const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1 });
    expect(ledger.records).toBe(2);
  });
});
