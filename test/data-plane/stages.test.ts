import { describe, expect, it } from 'vitest';
import type { Asset } from '../../src/control-plane/model.ts';
import { applyFieldRules, MASK, Pseudonyms } from '../../src/data-plane/obligations.ts';
import { isFieldName, parseField, valueAt } from '../../src/data-plane/pointers.ts';
import { isTransferPath } from '../../src/data-plane/stages/authorize.ts';
import { backendHeaders, backendQuery, checkBackendAnswer } from '../../src/data-plane/stages/backend.ts';

const asset = (backend: Partial<Asset['backend']>): Asset => ({
  id: 'a', title: 'a', description: '', createdAt: '2026-12-08T00:00:00Z',
  classification: { grade: 'general', domain: 'd', categories: [], pi: { subjects: 0, sensitiveSubjects: 0, sensitiveKinds: [], fields: [], subjectIdField: null }, hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null },
  backend: { url: 'http://127.0.0.1:9/data?v=2', format: 'ndjson', ...backend },
});

describe('the backend request: the gateway decides the representation', () => {
  it('sends the gateway\'s own Accept and identity encoding, and never lets configured headers replace them', () => {
    const headers = backendHeaders(asset({ format: 'csv', headers: { Authorization: 'Bearer backend-secret', Accept: 'application/json', 'Accept-Encoding': 'gzip' } }), '127.0.0.1:9');
    expect(headers).toEqual({ Authorization: 'Bearer backend-secret', host: '127.0.0.1:9', accept: 'text/csv', 'accept-encoding': 'identity', 'user-agent': 'kouan-gateway' });
  });

  it('keeps the asset\'s own query and adds only the consumer parameters the asset allows', () => {
    expect(backendQuery(asset({}), '/transfers/t')).toEqual({ ok: true, query: 'v=2' });
    expect(backendQuery(asset({ query: ['since'] }), '/transfers/t?since=2026-01-01')).toEqual({ ok: true, query: 'v=2&since=2026-01-01' });
    const refused = backendQuery(asset({ query: ['since'] }), '/transfers/t?since=x&format=json');
    expect(refused).toMatchObject({ ok: false, marker: { code: 'GATEWAY_QUERY_NOT_ALLOWED' } });
    expect(backendQuery(asset({}), '/transfers/t?v=3')).toMatchObject({ ok: false, marker: { code: 'GATEWAY_QUERY_NOT_ALLOWED' } });
  });

  it('takes a transfer path and nothing below it', () => {
    expect(isTransferPath('/transfers/urn:uuid:1')).toBe(true);
    expect(isTransferPath('/transfers/urn:uuid:1/?x=1')).toBe(true);
    expect(isTransferPath('/transfers/urn:uuid:1/admin')).toBe(false);
    expect(isTransferPath('/transfers/urn:uuid:1/../x')).toBe(false);
  });

  it.each([
    [200, { 'content-type': 'application/x-ndjson' }, null],
    [200, { 'content-type': 'application/ndjson; charset=utf-8' }, null],
    [200, { 'content-type': 'application/json' }, 'GATEWAY_BACKEND_CONTENT_TYPE'],
    [200, {}, 'GATEWAY_BACKEND_CONTENT_TYPE'],
    [200, { 'content-type': 'application/x-ndjson; charset=gb18030' }, 'GATEWAY_BACKEND_CONTENT_TYPE'],
    [200, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, 'GATEWAY_BACKEND_ENCODING'],
    [200, { 'content-type': 'application/x-ndjson', 'content-encoding': 'identity' }, null],
    [500, { 'content-type': 'application/x-ndjson' }, 'GATEWAY_BACKEND_FAILED'],
  ] as const)('an ndjson asset\'s backend answering %i %j: %s', (status, headers, code) => {
    expect(checkBackendAnswer('ndjson', status, headers)?.code ?? null).toBe(code);
  });
});

describe('fields by JSON Pointer', () => {
  const record = { patient: { id: 'P-1', name: '张伟', phones: ['138', '139'] }, contacts: [{ name: 'A', phone: '1' }, { name: 'B', phone: '2' }], 'a/b': 1, visit: 3 };
  const pseudonyms = new Pseudonyms(Buffer.alloc(32, 1));

  it('reads keys and pointers, with escapes', () => {
    expect(parseField('visit')).toEqual(['visit']);
    expect(parseField('/a~1b')).toEqual(['a/b']);
    expect(valueAt(record, parseField('/patient/id'))).toBe('P-1');
    expect(valueAt(record, parseField('/patient/phones/1'))).toBe('139');
    expect(valueAt(record, parseField('/patient/missing/x'))).toBeUndefined();
    expect([isFieldName('/a~2'), isFieldName('/a~'), isFieldName('/'), isFieldName('/a~0b')]).toEqual([false, false, false, true]);
  });

  it('drops, masks and pseudonymises nested fields, each element of an array with *, without changing the input', () => {
    const before = JSON.stringify(record);
    const out = applyFieldRules(record, { drop: ['/patient/name', '/contacts/*/name'], mask: ['/patient/phones/*', '/a~1b'], pseudonymise: ['/patient/id'] }, pseudonyms);
    expect(JSON.stringify(record)).toBe(before);
    expect(out).toEqual({ patient: { id: pseudonyms.of('P-1'), phones: [MASK, MASK] }, contacts: [{ phone: '1' }, { phone: '2' }], 'a/b': MASK, visit: 3 });
  });
});
