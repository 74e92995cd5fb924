import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { canonicalEntry, entryHash, receiptOf, type ChainLink } from '../../src/registry/ledger/chain.ts';
import { Ledger, type AppendRequest } from '../../src/registry/ledger/ledger.ts';
import { LedgerSigner } from '../../src/registry/ledger/signer.ts';
import { verifyLedger } from '../../src/registry/ledger/verify.ts';
import { GENESIS_HASH, type LedgerEntry } from '../../src/registry/model.ts';
import type { RegistryStores } from '../../src/registry/storage/ports.ts';
import { openSqliteRegistryStores } from '../../src/registry/storage/sqlite/index.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { canonicalJson, verifyCanonical } from '../../src/trust/jws.ts';
import { TestPki } from '../support/pki.ts';

const root = mkdtempSync(join(tmpdir(), 'kouan-ledger-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

/** The test vector of docs/registry/ledger.md. */
const VECTOR: ChainLink = {
  seq: 1,
  recordId: 'urn:uuid:7f1d1c1e-0000-4000-8000-000000000001',
  kind: 'denial',
  participant: 'bj-hospital',
  record: canonicalJson({ id: 'urn:uuid:7f1d1c1e-0000-4000-8000-000000000001', kind: 'denial', participant: 'bj-hospital', at: '2026-11-27T10:00:00.000Z', stage: 'transfer', consumer: 'pharma-de', destinationCountry: 'DE', reasons: [{ code: 'EXPORT_FORBIDDEN', message: '出境被拒绝', basis: 'DSL art. 31' }] }),
  signature: 'eyJhbGciOiJQUzI1NiJ9..c2lnbmF0dXJl',
  receivedAt: '2026-11-27T10:00:01.000Z',
};

describe('the hash chain', () => {
  it('hashes an entry as SHA-256 over the previous hash and the RFC 8785 form of the entry', () => {
    const document = { ...VECTOR, record: JSON.parse(VECTOR.record) as unknown };
    expect(canonicalEntry(VECTOR)).toBe(canonicalJson(document));
    expect(entryHash(GENESIS_HASH, VECTOR)).toBe(createHash('sha256').update(GENESIS_HASH + canonicalJson(document), 'utf8').digest('hex'));
    expect(entryHash(GENESIS_HASH, VECTOR)).toBe('b1871946c6caa7e5a9268b3812a22a97297d379e6baec6ebcfeb2493b36622f1');
  });

  it('writes strings, numbers and nesting exactly as RFC 8785 does, however awkward the record', () => {
    const record = { z: [1e21, 0.000001, -0, 5e-7, 'tab\there', '\u2028', 'é', '😀'], a: { y: null, b: true, '': 'empty key' }, id: 'x"y\\z', kind: 'usage' };
    const link = { ...VECTOR, recordId: 'quote " and \\ backslash', signature: 'line\nbreak', record: canonicalJson(record) };
    expect(canonicalEntry(link)).toBe(canonicalJson({ ...link, record }));
  });

  it('changes every later hash when anything of an entry changes', () => {
    const base = entryHash(GENESIS_HASH, VECTOR);
    for (const change of [{ seq: 2 }, { recordId: 'other' }, { kind: 'usage' as const }, { participant: 'ai-lab' }, { signature: `${VECTOR.signature}x` }, { receivedAt: '2026-11-27T10:00:02.000Z' }, { record: VECTOR.record.replace('DE', 'US') }]) {
      expect(entryHash(GENESIS_HASH, { ...VECTOR, ...change }), JSON.stringify(change)).not.toBe(base);
    }
    expect(entryHash('1'.repeat(64), VECTOR)).not.toBe(base);
  });
});

describe('the ledger', () => {
  const opened: RegistryStores[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const clock = new ManualClock('2026-11-27T10:00:00.000Z');
  let pki: TestPki;
  let registry: LocalIdentity;
  beforeAll(async () => {
    pki = await TestPki.create();
    const credentials = pki.issue('data-port-registry', 'CN');
    registry = loadLocalIdentity(credentials.cert, credentials.key);
  });
  afterAll(() => pki.cleanup());

  async function ledgerOn(options: { checkpointEvery?: number; maxBatch?: number } = {}) {
    const stores = openSqliteRegistryStores(join(root, `ledger-${(files += 1)}.db`));
    opened.push(stores);
    const signer = LedgerSigner.fromFile(join(root, `key-${files}`));
    await stores.ledger.addKey(await signer.bind(registry, clock));
    const ledger = new Ledger(stores.ledger, signer, clock, { checkpointEvery: options.checkpointEvery ?? 1000, maxBatch: options.maxBatch ?? 16 });
    return { stores, signer, ledger, publicKey: () => import('node:crypto').then(({ createPublicKey }) => createPublicKey({ key: signer.jwk, format: 'jwk' })) };
  }
  const request = (n: number, over: Partial<AppendRequest> = {}): AppendRequest => ({
    recordId: `urn:kouan:test:${n}`,
    kind: 'usage',
    participant: 'bj-hospital',
    record: canonicalJson({ id: `urn:kouan:test:${n}`, n }),
    signature: `sig-${n}`,
    ...over,
  });

  it('numbers records appended at once 1, 2, 3 … without a gap and signs a receipt for each', async () => {
    const { ledger, stores, publicKey } = await ledgerOn();
    const appended = await Promise.all(Array.from({ length: 300 }, (_, i) => ledger.append(request(i))));
    expect(appended.map((a) => a.entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const key = await publicKey();
    for (const { entry, receipt, duplicate } of appended) {
      expect(duplicate).toBe(false);
      expect(receipt.receipt).toEqual(receiptOf(entry));
      expect(() => verifyCanonical(canonicalJson(receipt.receipt), receipt.signature, key)).not.toThrow();
    }
    expect(await verifyLedger(stores.ledger)).toMatchObject({ ok: true, entries: 300 });
  });

  it('takes its timestamps from the clock it is given', async () => {
    const { ledger } = await ledgerOn();
    clock.set('2031-01-02T03:04:05.678Z');
    expect((await ledger.append(request(1))).entry.receivedAt).toBe('2031-01-02T03:04:05.678Z');
  });

  it('answers a record that arrives twice in one batch once, and refuses other content under its id', async () => {
    const { ledger, stores } = await ledgerOn();
    const [a, b, c] = await Promise.allSettled([ledger.append(request(1)), ledger.append(request(1)), ledger.append(request(1, { record: canonicalJson({ id: 'urn:kouan:test:1', n: 2 }) }))]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { duplicate: false } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { duplicate: true } });
    expect((b as PromiseFulfilledResult<{ receipt: unknown }>).value.receipt).toEqual((a as PromiseFulfilledResult<{ receipt: unknown }>).value.receipt);
    expect(c).toMatchObject({ status: 'rejected', reason: { code: 'REGISTRY_RECORD_CONFLICT', status: 409 } });
    expect(await stores.ledger.head()).toMatchObject({ seq: 1 });
  });

  it('signs a checkpoint over the head every N entries', async () => {
    const { ledger, stores, publicKey } = await ledgerOn({ checkpointEvery: 5 });
    for (let i = 0; i < 12; i += 1) await ledger.append(request(i));
    const checkpoints = await stores.ledger.checkpoints(0, 10);
    expect(checkpoints.map((c) => c.seq)).toEqual([5, 10]);
    const key = await publicKey();
    for (const c of checkpoints) {
      expect(c.hash).toBe((await stores.ledger.entry(c.seq))!.hash);
      expect(() => verifyCanonical(canonicalJson({ seq: c.seq, headHash: c.hash, at: c.at }), c.signature, key)).not.toThrow();
    }
  });

  it('tells listeners of new entries in chain order, once each, never of duplicates', async () => {
    const { ledger } = await ledgerOn({ maxBatch: 4 });
    const seen: number[] = [];
    ledger.on('appended', (entries: LedgerEntry[]) => seen.push(...entries.map((e) => e.seq)));
    await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.append(request(i % 7))));
    await ledger.settled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('refuses every record of a batch it could not write, and takes new ones afterwards', async () => {
    const { ledger, stores } = await ledgerOn();
    const failing = new Ledger({ ...stores.ledger, append: async () => Promise.reject(new Error('disk full')) }, LedgerSigner.fromFile(join(root, 'key-failing')), clock, { checkpointEvery: 10, maxBatch: 10 });
    const results = await Promise.allSettled([failing.append(request(1)), failing.append(request(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await ledger.append(request(3))).entry.seq).toBe(1);
  });

  it('verifies a chain that grows while it is being read', async () => {
    const { ledger, stores } = await ledgerOn({ checkpointEvery: 7 });
    for (let i = 0; i < 50; i += 1) await ledger.append(request(i));
    const growing = Promise.all(Array.from({ length: 100 }, (_, i) => ledger.append(request(100 + i))));
    const result = await verifyLedger(stores.ledger, { pageSize: 10 });
    await growing;
    expect(result).toMatchObject({ ok: true });
    expect(await verifyLedger(stores.ledger)).toMatchObject({ ok: true, entries: 150 });
  });
});
