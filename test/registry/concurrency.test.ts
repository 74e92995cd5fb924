/**
 * Two registry processes, started through `kouan registry start`, share one PostgreSQL database while eight
 * connectors write to them at once over mutual TLS: one chain, every seq once, every receipt true to the chain.
 * The full 8 × 5,000 run is `npm run bench:registry`; this is the same run, smaller (KOUAN_TEST_PER_WRITER).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresRegistryStores } from '../../src/registry/storage/postgres/index.ts';
import type { RegistryStores } from '../../src/registry/storage/ports.ts';
import { canonicalJson, verifyCanonical } from '../../src/trust/jws.ts';
import { kouanAsync } from '../support/cli.ts';
import { TestPki } from '../support/pki.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { concurrentIngest, type ConcurrentIngest } from './cluster.ts';

const WRITERS = 8;
const PER_WRITER = Number(process.env.KOUAN_TEST_PER_WRITER ?? 250);
const TOTAL = WRITERS * PER_WRITER;

describe('concurrent writers through two registry processes on one PostgreSQL', () => {
  const url = testPostgresUrl();
  const schema = uniqueSchema('concurrency');
  let pki: TestPki;
  let run: ConcurrentIngest;
  let stores: RegistryStores;

  beforeAll(async () => {
    pki = await TestPki.create();
    run = await concurrentIngest(pki, { url, schema, processes: 2, writers: WRITERS, perWriter: PER_WRITER, connections: 4 });
    stores = await openPostgresRegistryStores(url, { schema, readOnly: true, poolSize: 2 });
  }, 600_000);
  afterAll(async () => {
    await stores?.close();
    await run?.stop();
    await dropSchemas(url, [schema]);
    pki?.cleanup();
  });

  it(`accepts all ${TOTAL} records and keeps them in one chain of ${TOTAL} entries, each seq once`, async () => {
    expect(run.load.statuses).toEqual({ 201: TOTAL });
    expect(await stores.ledger.head()).toMatchObject({ seq: TOTAL });
    const receipts = run.load.responses.flat().map((text) => JSON.parse(text) as { receipt: { seq: number; recordId: string; entryHash: string; receivedAt: string }; signature: string });
    expect(receipts.map((r) => r.receipt.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  });

  it('recomputes as whole with `kouan ledger verify`, checkpoints and keys included', async () => {
    const result = await kouanAsync(['ledger', 'verify', '--db', url, '--schema', schema, '--ca', pki.caPath, '--registry-cert', run.registryCredentials.cert, '--signatures', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { checkpoints: number };
    expect(report).toMatchObject({ ok: true, entries: TOTAL, anchored: true, receipts: TOTAL, signatures: TOTAL });
    // One every 1,000 entries, and the timed ones over the head in between.
    expect(report.checkpoints).toBeGreaterThanOrEqual(Math.floor(TOTAL / 1000));
  });

  it("answered every writer with a receipt that verifies with one of the two registries' keys and matches the chain", async () => {
    const keys = new Map<string, KeyObject>((await stores.ledger.keys()).map((k) => [k.kid, createPublicKey({ key: JSON.parse(k.jwk) as never, format: 'jwk' })]));
    expect(keys.size).toBe(2);
    const used = new Set<string>();
    for (const text of run.load.responses.flat()) {
      const { receipt, signature } = JSON.parse(text) as { receipt: { seq: number; recordId: string; entryHash: string }; signature: string };
      const kid = (JSON.parse(Buffer.from(signature.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
      verifyCanonical(canonicalJson(receipt), signature, keys.get(kid)!);
      used.add(kid);
    }
    expect(used.size).toBe(2);
    for (const seq of [1, Math.ceil(TOTAL / 2), TOTAL]) {
      const entry = await stores.ledger.entry(seq);
      const receipt = run.load.responses.flat().map((t) => JSON.parse(t) as { receipt: { seq: number; recordId: string; entryHash: string } }).find((r) => r.receipt.seq === seq)!.receipt;
      expect(receipt).toMatchObject({ recordId: entry!.recordId, entryHash: entry!.hash });
    }
  });
});
