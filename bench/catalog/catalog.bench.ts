/**
 * Catalog requests for 10,000 datasets (each with one offer) against a baseline measured in the same run.
 *
 * - Provider and consumer: two real connectors in this process (test/support/connectors.ts), SQLite, mutual TLS
 *   with certificates from a test CA; the provider's datasets are seeded through its management API for the
 *   first BENCH_API_SEED and through its stores (RunningConnector.stores) for the rest, both rates printed.
 * - DSP: POST /dsp/2025-1/catalog/request to the provider with a PeerClient holding the consumer's identity:
 *   mutual TLS, a fresh signed request token per call, keep-alive.
 * - Management: the consumer's POST /management/v1/catalog/query, which makes that same DSP request and hands the
 *   catalog back over plain HTTP.
 * - Baseline: a fastify server with the provider's certificate, the same mtlsServerOptions and mutualTls plugin
 *   (request tokens required), the same request-body schema, answering the same route with the provider's catalog
 *   precomputed as a string of the same bytes. Same client, same token, same parsing: what is left in the ratio is
 *   building the catalog (reading the stores, shaping the JSON-LD, serializing it).
 *
 * The three are requested in rotating order so drift falls on all alike. Prints the configuration, a table and,
 * last, one JSON line.
 */
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { CatalogService } from '../../src/control-plane/catalog.ts';
import type { ControlPlaneDeps } from '../../src/control-plane/deps.ts';
import { DSP_PATH, message } from '../../src/control-plane/dsp/jsonld.ts';
import { CatalogRequestSchema } from '../../src/control-plane/dsp/schemas.ts';
import type { Asset, Offer } from '../../src/control-plane/model.ts';
import { errorResponses } from '../../src/http/errors.ts';
import { mtlsServerOptions, mutualTls } from '../../src/http/mtls.ts';
import { PeerClient, type PeerAddress } from '../../src/trust/client.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import { TrustStore } from '../../src/trust/trust-store.ts';
import { startTestConnector } from '../../test/support/connectors.ts';
import { TestPki } from '../../test/support/pki.ts';

const DATASETS = Number(process.env.BENCH_DATASETS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const API_SEED = Math.min(DATASETS, Number(process.env.BENCH_API_SEED ?? 1000));
const SEED_CONCURRENCY = 8;
const LOG_LEVEL = 'warn';
if (REQUESTS < 50) throw new Error('p99 needs at least 50 requests (BENCH_REQUESTS)');

const asset = (i: number): Omit<Asset, 'createdAt'> => ({
  id: `dataset-${String(i).padStart(5, '0')}`,
  title: `Hospital visit records, cohort ${i}`,
  description: `De-identified outpatient visits of cohort ${i}.`,
  classification: {
    grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial', 'outpatient'],
    pi: { subjects: 1200, sensitiveSubjects: 0, sensitiveKinds: [], fields: ['patient_name', 'patient_id'], subjectIdField: 'patient_id' },
    hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
  },
  backend: { url: `http://127.0.0.1:1/cohort-${i}.ndjson`, format: 'ndjson' },
});
const offer = (i: number): Omit<Offer, 'createdAt'> => ({
  id: `offer-${String(i).padStart(5, '0')}`,
  assetId: asset(i).id,
  policy: {
    permissions: [{
      action: 'use',
      constraints: [
        { leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' },
        { leftOperand: 'destinationCountry', operator: 'isAnyOf', rightOperand: ['DE', 'FR'] },
      ],
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }],
    }],
  },
});

const quantiles = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
};
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

// --- two connectors, seeded --------------------------------------------------------------------------------------
const pki = await TestPki.create();
const quiet = { log: { level: LOG_LEVEL }, manager: { intervalMs: 1000, leaseMs: 5000, maxAttempts: 5 } };
const provider = await startTestConnector(pki, 'bench-provider', 'CN', quiet);
const consumer = await startTestConnector(pki, 'bench-consumer', 'DE', quiet);
const trust = await TrustStore.load(consumer.config.tls);
const client = new PeerClient(trust, new TokenIssuer(trust.identity, systemClock), 60);
const baselineTrust = await TrustStore.load(provider.config.tls);
const baseline = Fastify({ https: mtlsServerOptions(baselineTrust), loggerInstance: createLogger({ level: LOG_LEVEL, name: 'baseline' }), bodyLimit: 1024 * 1024 }) as unknown as FastifyInstance;

try {
  let t = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, async () => {
    while (next < API_SEED) {
      const i = next++;
      for (const [path, body] of [['/assets', asset(i)], ['/offers', offer(i)]] as const) {
        const r = await provider.api('POST', path, body);
        if (r.status !== 201) throw new Error(`seeding ${path} answered ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
  }));
  const apiSeedMs = ms(t);
  t = process.hrtime.bigint();
  for (let i = API_SEED; i < DATASETS; i++) {
    const createdAt = new Date().toISOString();
    await provider.stores.assets.put({ ...asset(i), createdAt });
    await provider.stores.offers.put({ ...offer(i), createdAt });
  }
  const storeSeedMs = ms(t);

  // --- the three requests --------------------------------------------------------------------------------------
  const catalogRequest = message('CatalogRequestMessage', { filter: [] });
  type Catalog = { dataset?: unknown[] };
  const dspRequest = async (peer: PeerAddress) => {
    const r = await client.request<Catalog>(peer, { method: 'POST', path: 'catalog/request', body: catalogRequest });
    if (r.status !== 200 || r.body.dataset?.length !== DATASETS) throw new Error(`catalog request answered ${r.status} with ${r.body.dataset?.length ?? 'no'} datasets`);
    return r;
  };
  const providerPeer: PeerAddress = { participantId: provider.participantId, baseUrl: provider.dspUrl };
  const first = await dspRequest(providerPeer);
  const precomputed = JSON.stringify(first.body);
  const contentType = String(first.headers['content-type'] ?? 'application/json');

  await baseline.register(errorResponses);
  await baseline.register(mutualTls, { trust: baselineTrust, clock: systemClock, requireTokens: true, skewSeconds: 5 });
  baseline.post(`${DSP_PATH}/catalog/request`, { schema: { body: CatalogRequestSchema } }, async (_request, reply) => reply.type(contentType).send(precomputed));
  await baseline.listen({ host: '127.0.0.1', port: 0 });
  const baselinePeer: PeerAddress = { participantId: provider.participantId, baseUrl: `https://127.0.0.1:${(baseline.server.address() as AddressInfo).port}${DSP_PATH}` };

  const legs: Array<{ name: string; call: () => Promise<unknown>; samples: number[] }> = [
    { name: 'baseline: same mutual TLS + request token, precomputed catalog', call: () => dspRequest(baselinePeer), samples: [] },
    { name: 'DSP POST /dsp/2025-1/catalog/request (PeerClient)', call: () => dspRequest(providerPeer), samples: [] },
    {
      name: 'management POST /catalog/query (consumer → provider DSP)',
      samples: [],
      call: async () => {
        const r = await request(`${consumer.managementUrl}/catalog/query`, {
          method: 'POST', headers: { 'x-api-key': consumer.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ providerId: provider.participantId, address: provider.dspUrl }),
        });
        const body = (await r.body.json()) as Catalog;
        if (r.statusCode !== 200 || body.dataset?.length !== DATASETS) throw new Error(`catalog query answered ${r.statusCode}`);
      },
    },
  ];
  for (let i = 0; i < WARMUP; i++) for (const leg of legs) await leg.call();
  for (let i = 0; i < REQUESTS; i++) {
    for (let k = 0; k < legs.length; k++) {
      const leg = legs[(i + k) % legs.length]!;
      const began = process.hrtime.bigint();
      await leg.call();
      leg.samples.push(ms(began));
    }
  }

  // --- where the building time goes: the provider's CatalogService and stores, in-process ------------------------
  const service = new CatalogService({ stores: provider.stores, self: { participantId: provider.participantId }, callbackAddress: provider.dspUrl } as unknown as ControlPlaneDeps);
  const builds: number[] = [];
  const reads: number[] = [];
  const serializations: number[] = [];
  for (let i = 0; i < 10; i++) {
    let began = process.hrtime.bigint();
    const built = await service.catalog();
    builds.push(ms(began));
    began = process.hrtime.bigint();
    JSON.stringify(built);
    serializations.push(ms(began));
    began = process.hrtime.bigint();
    for (const store of [provider.stores.assets, provider.stores.offers]) {
      for (let offset = 0; ; offset += 1000) if ((await store.list({ offset, limit: 1000 })).length < 1000) break;
    }
    reads.push(ms(began));
  }

  const [base, dsp, management] = legs.map((leg) => quantiles(leg.samples)) as [ReturnType<typeof quantiles>, ReturnType<typeof quantiles>, ReturnType<typeof quantiles>];
  const bytes = Buffer.byteLength(precomputed);
  console.log(
    `config: ${DATASETS} datasets x 1 offer, catalog ${(bytes / 2 ** 20).toFixed(1)} MiB, ${REQUESTS} timed requests per leg after ${WARMUP} warm-up, sequential, rotating order; ` +
      `SQLite (WAL), RSA 2048 certificates, RS256 request tokens, mutual TLS (minVersion TLSv1.2), keep-alive; ` +
      `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; all in one process`,
  );
  console.log(
    `seeding: ${API_SEED} datasets (asset + offer) through the management API in ${(apiSeedMs / 1000).toFixed(1)} s (${(apiSeedMs / Math.max(1, API_SEED)).toFixed(2)} ms each, concurrency ${SEED_CONCURRENCY}; ` +
      `all ${DATASETS} this way ≈ ${((apiSeedMs / Math.max(1, API_SEED)) * DATASETS / 1000).toFixed(0)} s), ${DATASETS - API_SEED} through RunningConnector.stores in ${(storeSeedMs / 1000).toFixed(1)} s (${(storeSeedMs / Math.max(1, DATASETS - API_SEED)).toFixed(2)} ms each)`,
  );
  console.log('| request | p50 ms | p99 ms | p50 / baseline p50 |');
  console.log('|---|---|---|---|');
  for (const [leg, q] of [[legs[0]!, base], [legs[1]!, dsp], [legs[2]!, management]] as const) {
    console.log(`| ${leg.name} | ${q.p50.toFixed(1)} | ${q.p99.toFixed(1)} | ${(q.p50 / base.p50).toFixed(2)} |`);
  }
  const [build, read, serialize] = [builds, reads, serializations].map((s) => quantiles(s).p50) as [number, number, number];
  console.log(
    `in-process, p50 of 10: CatalogService.catalog() ${build.toFixed(1)} ms, of which reading ${DATASETS} assets + ${DATASETS} offers in pages of 1000 ${read.toFixed(1)} ms; ` +
      `JSON.stringify of the catalog ${serialize.toFixed(1)} ms`,
  );
  console.log(JSON.stringify({
    datasets: DATASETS,
    p50_ms: Number(dsp.p50.toFixed(1)),
    p99_ms: Number(dsp.p99.toFixed(1)),
    baseline_p50_ms: Number(base.p50.toFixed(1)),
    ratio: Number((dsp.p50 / base.p50).toFixed(2)),
    baseline_p99_ms: Number(base.p99.toFixed(1)),
    management_p50_ms: Number(management.p50.toFixed(1)),
    management_p99_ms: Number(management.p99.toFixed(1)),
    management_ratio: Number((management.p50 / base.p50).toFixed(2)),
    catalog_bytes: bytes,
    requests: REQUESTS,
  }));
} finally {
  await baseline.close();
  await client.close();
  trust.close();
  baselineTrust.close();
  await Promise.all([provider.stop(), consumer.stop()]);
  pki.cleanup();
}
