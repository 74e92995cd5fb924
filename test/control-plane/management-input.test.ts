/**
 * Malformed input to a real connector's management API over real HTTP. Bodies are generated from one valid
 * example per POST route and the route's own schema (./mutations.ts); each must be refused with a 4xx, a JSON
 * body with a stable code and a message naming the problem, and nothing stored. Also: every route wants the
 * API key, and the OpenAPI document lists every route.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import * as S from '../../src/control-plane/management/schemas.ts';
import type { TransferState } from '../../src/control-plane/model.ts';
import { approval, asset, offer, startWorld } from './management-fixtures.ts';
import { mutations, wholeBodyCases, type Json, type Mutation, type Schema } from './mutations.ts';

const BODY_LIMIT = 1024 * 1024;
const world = await startWorld();
const { consumer } = world;
afterAll(() => world.stop());

interface Route {
  name: string;
  schema: Schema;
  valid: Json;
  /** Refusals specific to the route's meaning rather than its schema. */
  extra?: Array<{ label: string; body: Json; mentions: string[] }>;
  /** The URL path for one case, and the path of the entity it acts on (whose state must not change). */
  target(): Promise<{ path: string; entity: string | null }>;
  /** Forgets the entity acted on (it changed), so the next case gets a fresh one. */
  reset?(): void;
}

const withPermission = (permission: Json): Json => ({ ...offer('offer-under-test', 'seed-asset'), policy: { permissions: [permission] } });
const fixed = (path: string) => async () => ({ path, entity: null });
const SIGNALS: Array<[string, TransferState]> = [['suspend', 'STARTED'], ['resume', 'SUSPENDED'], ['complete', 'STARTED'], ['terminate', 'STARTED']];
const validAsset = asset('asset-under-test');
const routes: Route[] = [
  {
    name: 'POST /assets', schema: S.AssetInput, valid: validAsset, target: fixed('/assets'),
    extra: [{ label: 'more sensitive subjects than subjects', body: { ...validAsset, classification: { ...validAsset.classification, pi: { ...validAsset.classification.pi, sensitiveSubjects: 1201 } } }, mentions: ['sensitiveSubjects'] }],
  },
  {
    name: 'POST /offers', schema: S.OfferInput, valid: offer('offer-under-test', 'seed-asset'), target: fixed('/offers'),
    extra: [
      { label: 'an offer for an asset that does not exist', body: offer('offer-under-test', 'no-such-asset'), mentions: ['no-such-asset'] },
      // Terms the contract policy does not take are refused when the offer is made, not when a partner negotiates.
      { label: 'a misspelt constraint', body: withPermission({ action: 'use', constraints: [{ leftOperand: 'maxRecrods', operator: 'lteq', rightOperand: 10 }] }), mentions: ['OFFER_TERMS_INVALID', 'maxRecrods'] },
      { label: 'a destination country that is not an ISO code', body: withPermission({ action: 'use', constraints: [{ leftOperand: 'destinationCountry', operator: 'isAnyOf', rightOperand: ['XX'] }] }), mentions: ['OFFER_TERMS_INVALID', 'XX'] },
      { label: 'an unknown operator', body: withPermission({ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'like', rightOperand: 'research' }] }), mentions: ['OFFER_TERMS_INVALID', 'like'] },
      { label: 'an unknown duty', body: withPermission({ action: 'use', duties: [{ action: 'anonymise_all' }] }), mentions: ['OFFER_TERMS_INVALID', 'anonymise_all'] },
      { label: 'a prohibition of an action the policy does not know', body: { ...offer('offer-under-test', 'seed-asset'), policy: { permissions: [{ action: 'use' }], prohibitions: [{ action: 'sell' }] } }, mentions: ['OFFER_TERMS_INVALID', 'sell'] },
    ],
  },
  {
    name: 'POST /approvals', schema: S.ApprovalInput, valid: approval('approval-under-test'), target: fixed('/approvals'),
    extra: [
      { label: 'an entry without the date its kind requires', body: { ...approval('approval-under-test'), entry: { ref: 'PIPIA-1', recipient: 'input-consumer' } }, mentions: ['date'] },
      { label: 'an entry whose date is not a date', body: { ...approval('approval-under-test'), entry: { ref: 'PIPIA-1', recipient: 'input-consumer', date: '2026-13-45' } }, mentions: ['date'] },
      { label: 'an entry of another kind', body: { ...approval('approval-under-test'), kind: 'hgr_approval' }, mentions: ['security_review_ref', 'date'] },
    ],
  },
  { name: 'POST /catalog/query', schema: S.CatalogQuery, valid: { providerId: 'input-provider', address: world.provider.dspUrl }, target: fixed('/catalog/query') },
  {
    name: 'POST /negotiations', schema: S.NegotiationInput, valid: world.negotiation, target: fixed('/negotiations'),
    extra: [
      { label: 'an offer the dataset does not have', body: { ...world.negotiation, offerId: 'no-such-offer' }, mentions: ['no-such-offer'] },
      { label: 'a dataset the provider does not show', body: { ...world.negotiation, datasetId: 'no-such-dataset' }, mentions: ['no-such-dataset'] },
    ],
  },
  {
    name: 'POST /transfers', schema: S.TransferInput, valid: { agreementId: world.agreement.id }, target: fixed('/transfers'),
    extra: [{ label: 'an agreement that does not exist', body: { agreementId: 'urn:uuid:no-such-agreement' }, mentions: ['no-such-agreement'] }],
  },
  ...SIGNALS.map(([verb, state]) => acting(`POST /transfers/:id/${verb}`, () => world.freshTransfer(state), (id) => `/transfers/${id}`, `/${verb}`)),
  acting('POST /agreements/:id/terminate', () => world.freshAgreement(), (id) => `/agreements/${id}`, '/terminate'),
];

/** A route acting on an entity: the same one while cases leave it alone, a fresh one once a case changed it. */
function acting(name: string, create: () => Promise<string>, entity: (id: string) => string, verb: string): Route {
  let id: string | null = null;
  return {
    name, schema: S.SignalInput, valid: { reason: 'operator request' },
    async target() {
      if (!id) {
        id = encodeURIComponent(await create());
        unchanged = null;
      }
      return { path: `${entity(id)}${verb}`, entity: entity(id) };
    },
    reset: () => {
      id = null;
    },
  };
}

interface Case {
  route: Route;
  label: string;
  kind: string;
  body: string | Buffer | null;
  contentType: string | null;
  mentions: string[];
  status?: number;
}


type ErrorBody = { code?: unknown; message?: unknown };
async function post(path: string, body: string | Buffer | null, contentType: string | null, apiKey: string | null = consumer.apiKey) {
  const headers: Record<string, string> = {};
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  if (contentType !== null) headers['content-type'] = contentType;
  const r = await request(`${consumer.managementUrl}${path}`, { method: 'POST', headers, body });
  const text = await r.body.text();
  let json: ErrorBody | null = null;
  try {
    json = JSON.parse(text) as ErrorBody;
  } catch {
    /* the assertions say so */
  }
  return { status: r.statusCode, text, json, contentType: String(r.headers['content-type'] ?? '') };
}

const get = async <T>(path: string) => (await consumer.api<T>('GET', path)).body;
const ids = (list: Array<{ id: string }>) => list.map((e) => e.id).sort();
type Listed = Array<{ id: string }>;
/** What the list endpoints show: resources in full where nothing else changes them, ids of processes. */
async function stored() {
  const [assets, offers, approvals, negotiations, transfers] = await Promise.all([
    get<Listed>('/assets?limit=1000'), get<Listed>('/offers?limit=1000'), get<Listed>('/approvals'), get<Listed>('/negotiations?limit=1000'), get<Listed>('/transfers?limit=1000'),
  ]);
  return { assets, offers, approvals, negotiations: ids(negotiations), transfers: ids(transfers) };
}
type Stored = Awaited<ReturnType<typeof stored>>;
/** The lists as the last case left them, when it changed nothing (saves listing twice per case). */
let unchanged: Stored | null = null;

/** Removes what a wrongly accepted case stored, so one defect does not leak into the next case. */
async function restore(before: Stored) {
  const after = await stored();
  for (const kind of ['offers', 'assets', 'approvals'] as const) {
    const known = new Set(ids(before[kind]));
    for (const id of ids(after[kind]).filter((i) => !known.has(i))) await consumer.api('DELETE', `/${kind}/${encodeURIComponent(id)}`);
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Sends one malformed body; it must be refused with a 4xx and a JSON error naming the problem, and store nothing. */
async function expectRefused(c: Case) {
  const { path, entity } = await c.route.target();
  const before = unchanged ?? (await stored());
  const targetBefore = entity ? await get(entity) : null;
  unchanged = null;
  let clean = false;
  try {
    const r = await post(path, c.body, c.contentType);
    const seen = `${c.route.name} answered ${r.status} ${r.text.slice(0, 300)}`;
    expect(r.status, seen).toBeGreaterThanOrEqual(400);
    expect(r.status, seen).toBeLessThan(500);
    if (c.status) expect(r.status, seen).toBe(c.status);
    expect(r.contentType, seen).toContain('application/json');
    expect(r.json, seen).toMatchObject({ code: expect.stringMatching(/^[A-Z][A-Z_]+$/), message: expect.any(String) });
    expect(r.json!.message, seen).toMatch(new RegExp(c.mentions.map(escape).join('|'), 'i'));
    const after = await stored();
    expect(after, `${c.route.name}: the list endpoints changed`).toEqual(before);
    if (entity) expect(await get(entity), `${c.route.name}: ${entity} changed`).toEqual(targetBefore);
    expect(Object.prototype, 'Object.prototype was polluted').not.toHaveProperty('polluted');
    clean = true;
    unchanged = after;
  } finally {
    if (!clean) {
      await restore(before);
      c.route.reset?.();
    }
  }
}

const json = 'application/json';
const casesOf = (route: Route): Case[] => [
  ...mutations(route.schema, route.valid).map((m: Mutation) => ({ route, label: m.label, kind: m.kind, body: m.text, contentType: json, mentions: m.mentions })),
  ...(route.extra ?? []).map((e) => ({ route, label: e.label, kind: 'meaning', body: JSON.stringify(e.body), contentType: json, mentions: e.mentions })),
  ...wholeBodyCases(route.valid, BODY_LIMIT).map((w) => ({ route, ...w })),
];
const allCases = routes.flatMap(casesOf);

describe('the valid example of each POST route is accepted, so each refusal below is its mutation’s doing', () => {
  for (const route of routes) {
    it(`${route.name} accepts its valid example`, async () => {
      const { path } = await route.target();
      const r = await post(path, JSON.stringify(route.valid), json);
      route.reset?.();
      unchanged = null;
      expect([200, 201], r.text.slice(0, 300)).toContain(r.status);
    });
  }
  it('the valid examples leave nothing behind once deleted', async () => {
    for (const path of ['/offers/offer-under-test', '/assets/asset-under-test', '/approvals/approval-under-test']) expect((await consumer.api('DELETE', path)).status).toBe(204);
    unchanged = null;
  });
});

describe('the management API refuses malformed bodies with a 4xx naming the problem and stores nothing', () => {
  it(`generates at least 200 malformed bodies, each POST route and mutation kind represented`, () => {
    expect(allCases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(allCases.map((c) => c.route.name))).toEqual(new Set(routes.map((r) => r.name)));
    expect(new Set(allCases.map((c) => c.kind))).toEqual(new Set([
      'wrong-type', 'missing', 'unknown-key', 'too-long', 'too-short', 'pattern', 'path-traversal', 'bad-url', 'enum', 'out-of-range', 'too-many', 'too-few', 'huge-array',
      'deep-nesting', 'prototype-pollution', 'meaning', 'empty', 'not-json', 'unicode', 'root-type', 'content-type', 'too-large',
    ]));
  });
  for (const route of routes) {
    describe(route.name, () => {
      for (const c of allCases.filter((x) => x.route === route)) {
        it(`refuses ${c.label}`, () => expectRefused(c));
      }
    });
  }
});

describe('ids in the URL path', () => {
  const paths = [
    '/transfers/..%2F..%2Fassets/suspend', '/transfers/..%2F..%2Fagreements%2Fx/terminate', '/transfers/..%5C..%5Cassets/complete', '/agreements/..%2F..%2Fassets/terminate',
    '/agreements/%00/terminate', `/transfers/${'x'.repeat(513)}/suspend`, `/agreements/${'x'.repeat(513)}/terminate`,
  ];
  for (const path of paths) {
    it(`refuses POST ${path.slice(0, 60)} with a 4xx naming the id and changes nothing`, async () => {
      const before = await stored();
      const r = await post(path, JSON.stringify({ reason: 'x' }), json);
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.status, r.text).toBeLessThan(500);
      expect(r.json, r.text).toMatchObject({ code: expect.any(String), message: expect.stringMatching(/transfer|agreement|id/) });
      expect(await stored()).toEqual(before);
    });
  }
});

const ROUTES: Array<['GET' | 'POST' | 'DELETE', string]> = [
  ['POST', '/assets'], ['GET', '/assets'], ['GET', '/assets/{id}'], ['DELETE', '/assets/{id}'],
  ['POST', '/offers'], ['GET', '/offers'], ['GET', '/offers/{id}'], ['DELETE', '/offers/{id}'],
  ['POST', '/approvals'], ['GET', '/approvals'], ['GET', '/approvals/{id}'], ['DELETE', '/approvals/{id}'],
  ['POST', '/catalog/query'], ['POST', '/negotiations'], ['GET', '/negotiations'], ['GET', '/negotiations/{id}'],
  ['GET', '/agreements'], ['GET', '/agreements/{id}'], ['POST', '/agreements/{id}/terminate'],
  ['POST', '/transfers'], ['GET', '/transfers'], ['GET', '/transfers/{id}'],
  ...SIGNALS.map(([verb]): ['POST', string] => ['POST', `/transfers/{id}/${verb}`]),
];

describe('every management route wants the participant’s API key', () => {
  const keys: Array<[string, Record<string, string | string[]>]> = [
    ['no key', {}],
    ['an empty key', { 'x-api-key': '' }],
    ['a wrong key', { 'x-api-key': 'not-the-key' }],
    ['the key with one more character', { 'x-api-key': `${consumer.apiKey}x` }],
    ['the key without its last character', { 'x-api-key': consumer.apiKey.slice(0, -1) }],
    ['the key in upper case', { 'x-api-key': consumer.apiKey.toUpperCase() }],
    ['the key sent twice', { 'x-api-key': [consumer.apiKey, consumer.apiKey] }],
    ['another connector’s key', { 'x-api-key': world.provider.apiKey }],
    ['the key as a bearer token', { authorization: `Bearer ${consumer.apiKey}` }],
  ];
  for (const [method, route] of ROUTES) {
    it(`${method} ${route} answers 401 MANAGEMENT_UNAUTHORIZED to ${keys.length} wrong credentials, before reading the body`, async () => {
      const path = route.replace('{id}', 'seed-asset');
      for (const [name, headers] of keys) {
        const r = await request(`${consumer.managementUrl}${path}`, {
          method, headers: { ...headers, ...(method === 'POST' ? { 'content-type': json } : {}) }, body: method === 'POST' ? '{"malformed":' : null,
        });
        const body = (await r.body.json()) as { code: string; message: string };
        expect([r.statusCode, body.code], `${name}: ${JSON.stringify(body)}`).toEqual([401, 'MANAGEMENT_UNAUTHORIZED']);
        expect(body.message).toMatch(/x-api-key/);
      }
    });
  }
  it('stores nothing sent with a wrong key, and deletes nothing either', async () => {
    const before = await stored();
    const r = await post('/assets', JSON.stringify(asset('asset-without-key')), json, 'not-the-key');
    expect(r.status).toBe(401);
    const gone = await request(`${consumer.managementUrl}/assets/seed-asset`, { method: 'DELETE', headers: { 'x-api-key': 'not-the-key' } });
    expect(gone.statusCode).toBe(401);
    await gone.body.dump();
    expect(await stored()).toEqual(before);
  });
  it('answers the health check without a key', async () => {
    const r = await request(`${consumer.managementUrl}/health`);
    expect(r.statusCode).toBe(200);
    expect(await r.body.json()).toMatchObject({ status: 'ok', participantId: 'input-consumer' });
  });
});

describe('the OpenAPI document', () => {
  it('is served without a key and lists every route with its method, its body schema and the API-key scheme', async () => {
    const r = await request(new URL('/openapi.json', consumer.managementUrl));
    expect(r.statusCode).toBe(200);
    const doc = (await r.body.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace('/management/v1', '')}`));
    expect(listed.filter((l) => l !== 'GET /health').sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of ROUTES.filter(([m]) => m === 'POST')) {
      expect(doc.paths[`/management/v1${path}`]![method.toLowerCase()]!.requestBody?.content[json]?.schema.properties, `${method} ${path}`).toBeDefined();
    }
  });
});
