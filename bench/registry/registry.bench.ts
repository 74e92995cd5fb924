/**
 * Registry throughput and ledger verification, each against a baseline measured in the same run:
 *   - ingest: pre-signed records POSTed over mutual TLS by 8 connector identities into the registry on SQLite and
 *     on PostgreSQL, against the same endpoint shape that parses and validates the body but stores nothing;
 *   - verify: `verifyLedger` over a 1,000,000-entry SQLite chain (and the real `kouan ledger verify`).
 * The load generator runs in a worker thread. Prints a table, the configuration, and last one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { systemClock } from '../../src/core/clock.ts';
import { errorResponses } from '../../src/http/errors.ts';
import { mtlsServerOptions, mutualTls } from '../../src/http/mtls.ts';
import { IntakeBatchBody, IntakeBody } from '../../src/records/schemas.ts';
import { canonicalJson } from '../../src/trust/jws.ts';
import { entryHash } from '../../src/registry/ledger/chain.ts';
import { LedgerSigner } from '../../src/registry/ledger/signer.ts';
import { verifyLedger } from '../../src/registry/ledger/verify.ts';
import { checkpointDocument } from '../../src/registry/ledger/chain.ts';
import type { LedgerEntry } from '../../src/registry/model.ts';
import { openSqliteRegistryStores } from '../../src/registry/storage/sqlite/index.ts';
import { KOUAN } from '../../test/support/cli.ts';
import { TestPki } from '../../test/support/pki.ts';
import { startEmbeddedPostgres } from '../../test/support/postgres.ts';
import { concurrentIngest } from '../../test/registry/cluster.ts';
import type { LoadPlan, LoadResult } from '../../test/registry/load.ts';
import { register, signed, startTestRegistry, usageRecord } from '../../test/registry/support.ts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const VERIFY_ENTRIES = Number(process.env.BENCH_VERIFY_ENTRIES ?? 1_000_000);
const CLUSTER_PER_WRITER = Number(process.env.BENCH_CLUSTER_PER_WRITER ?? 5000);
/** Records per request to the batch intake, as a connector's outbox delivery sends them (its default batch size). */
const BATCH = Number(process.env.BENCH_BATCH ?? 100);

const pki = await TestPki.create();
const writers = Array.from({ length: WRITERS }, (_, i) => ({ id: `writer-${i}`, credentials: pki.issue(`writer-${i}`, 'CN') }));

// Records are signed before any clock starts: signing is the connector's cost, not the registry's.
let began = performance.now();
const bodies: string[][] = [];
for (const w of writers) {
  const { loadLocalIdentity } = await import('../../src/trust/identity.ts');
  const identity = loadLocalIdentity(w.credentials.cert, w.credentials.key);
  const mine: string[] = [];
  for (let i = 0; i < RECORDS / WRITERS; i += 1) mine.push(JSON.stringify(await signed(usageRecord(w.id), identity)));
  bodies.push(mine);
}
const signSeconds = (performance.now() - began) / 1000;

interface Measured {
  perS: number;
  /**
   * CPU time of the server's thread (the main thread; the loader has its own) per record: the server's cost,
   * however busy the machine is. Linux only (/proc); elsewhere the event loop's busy time stands in.
   */
  cpuUs: number;
}

/** CPU microseconds the main thread has used, from /proc (clock ticks of 10 ms). */
function mainThreadCpuUs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}

async function measure(url: string, batch?: number): Promise<Measured> {
  const cpuBefore = mainThreadCpuUs();
  const before = performance.eventLoopUtilization();
  const result = await load(url, batch);
  const busy = performance.eventLoopUtilization(before);
  const cpuAfter = mainThreadCpuUs();
  const ok = batch ? 200 : 201;
  if ((result.statuses[ok] ?? 0) !== result.sent) throw new Error(`expected ${result.sent} records answered ${ok}, got ${JSON.stringify(result.statuses)}`);
  const cpu = cpuBefore === null || cpuAfter === null ? busy.active * 1000 : cpuAfter - cpuBefore;
  return { perS: result.sent / result.seconds, cpuUs: cpu / result.sent };
}

function load(url: string, batch?: number): Promise<LoadResult> {
  const plan: LoadPlan = { ca: pki.caPem, connections: CONNECTIONS, ...(batch ? { batch } : {}), writers: writers.map((w, i) => ({ ...pki.pem(w.credentials), url, bodies: bodies[i]! })) };
  return new Promise((resolve, reject) => {
    // A worker does not inherit tsx's loader: register it first, as bin/kouan.js does.
    const script = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./load-worker.ts', import.meta.url).href)}); })`;
    const worker = new Worker(script, { eval: true, workerData: plan });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

// Baseline: the same mutual-TLS endpoint and body schema, answering 201 and storing nothing.
const baselineTrust = await pki.trust(pki.issue('baseline', 'CN'));
const baseline = Fastify({ https: mtlsServerOptions(baselineTrust), logger: false });
await baseline.register(errorResponses);
await baseline.register(mutualTls, { trust: baselineTrust, clock: systemClock, requireTokens: true, skewSeconds: 5 });
baseline.post('/intake/v1/records', { schema: { body: IntakeBody }, config: { tokenless: true } }, async (_request, reply) => reply.code(201).send({ stored: false }));
baseline.post('/intake/v1/batches', { schema: { body: IntakeBatchBody }, config: { tokenless: true } }, async (_request, reply) => reply.code(200).send({ stored: false }));
await baseline.listen({ host: '127.0.0.1', port: 0 });
const baselineUrl = `https://127.0.0.1:${(baseline.server.address() as AddressInfo).port}`;
await load(baselineUrl); // warm-up: JIT, TLS session code paths
const baseSingle = await measure(baselineUrl);
const base = await measure(baselineUrl, BATCH);
await baseline.close();

async function ingest(overrides: Record<string, unknown>, batch?: number): Promise<Measured> {
  const registry = await startTestRegistry(pki, { log: { level: 'warn' }, ...overrides });
  for (const w of writers) await register(registry, w.id, 'CN', w.credentials);
  const measured = await measure(registry.intakeUrl, batch);
  const check = await verifyLedger(registry.deps.stores.ledger);
  if (!check.ok || check.entries !== RECORDS) throw new Error(`the ledger after ingest: ${JSON.stringify(check)}`);
  await registry.stop();
  return measured;
}

const sqliteSingle = await ingest({});
const sqlite = await ingest({}, BATCH);
const pg = await startEmbeddedPostgres();
const postgres = await ingest({ storage: { postgresUrl: pg.url, postgresSchema: 'bench_ingest' } }, BATCH);

// The concurrency run: two `kouan registry start` processes on one PostgreSQL schema, 8 writers × 5,000 records.
const cluster = await concurrentIngest(pki, { url: pg.url, schema: 'bench_cluster', processes: 2, writers: WRITERS, perWriter: CLUSTER_PER_WRITER, connections: CONNECTIONS });
await cluster.stop();
const clusterTotal = WRITERS * CLUSTER_PER_WRITER;
if ((cluster.load.statuses[201] ?? 0) !== clusterTotal) throw new Error(`cluster run: ${JSON.stringify(cluster.load.statuses)}`);
const clusterVerify = spawnSync(process.execPath, [KOUAN, 'ledger', 'verify', '--db', pg.url, '--schema', 'bench_cluster', '--ca', pki.caPath, '--registry-cert', cluster.registryCredentials.cert, '--json'], { encoding: 'utf8' });
const clusterReport = JSON.parse(clusterVerify.stdout) as { ok: boolean; entries: number; checkpoints: number; seconds: number };
if (clusterVerify.status !== 0 || clusterReport.entries !== clusterTotal) throw new Error(`cluster chain: ${clusterVerify.stdout} ${clusterVerify.stderr}`);
await pg.stop();

// A 1,000,000-entry chain, linked by the ledger's own hash function and written through LedgerStore.append in
// batches; checkpoints every 1000 signed by a real ledger key. Each entry carries one real receipt of the right size,
// not re-signed per entry (verification never reads receipts).
const dir = mkdtempSync(join(tmpdir(), 'kouan-bench-ledger-'));
const file = join(dir, 'registry.db');
const stores = openSqliteRegistryStores(file);
const signer = LedgerSigner.fromFile(join(dir, 'ledger.key'));
await stores.ledger.addKey(await signer.bind((await pki.trust(writers[0]!.credentials)).identity, systemClock));
const template = JSON.parse(bodies[0]![0]!) as { record: Record<string, unknown>; signature: string };
const receipt = signer.sign({ recordId: 'urn:kouan:bench:0', seq: 0, entryHash: '0'.repeat(64), receivedAt: new Date(0).toISOString() });
began = performance.now();
const BUILD_BATCH = 5000;
for (let done = 0; done < VERIFY_ENTRIES; done += BUILD_BATCH) {
  await stores.ledger.append([], (head) => {
    const entries: LedgerEntry[] = [];
    const checkpoints = [];
    let { seq, hash } = head;
    const receivedAt = new Date(Date.UTC(2026, 10, 27) + done).toISOString();
    for (let i = 0; i < Math.min(BUILD_BATCH, VERIFY_ENTRIES - done); i += 1) {
      seq += 1;
      const recordId = `urn:kouan:bench:${seq}`;
      const link = { seq, recordId, kind: 'usage' as const, participant: 'writer-0', record: canonicalJson({ ...template.record, id: recordId }), signature: template.signature, receivedAt };
      hash = entryHash(hash, link);
      entries.push({ ...link, hash, receipt });
      if (seq % 1000 === 0) checkpoints.push({ seq, hash, at: receivedAt, signature: signer.sign(checkpointDocument({ seq, hash, at: receivedAt })) });
    }
    return { entries, checkpoints, result: undefined };
  });
}
const buildSeconds = (performance.now() - began) / 1000;
began = performance.now();
const cpuBefore = process.cpuUsage();
const verified = await verifyLedger(stores.ledger);
const verifySeconds = (performance.now() - began) / 1000;
const verifyCpu = process.cpuUsage(cpuBefore);
const verifyCpuSeconds = (verifyCpu.user + verifyCpu.system) / 1e6;
await stores.close();
if (!verified.ok || verified.entries !== VERIFY_ENTRIES) throw new Error(`verification failed: ${JSON.stringify(verified)}`);
began = performance.now();
// The ledger key above is bound by writer-0's certificate, which stands for the registry's here.
const cli = spawnSync(process.execPath, [KOUAN, 'ledger', 'verify', '--db', file, '--ca', pki.caPath, '--registry-cert', writers[0]!.credentials.cert, '--json'], { encoding: 'utf8' });
const cliSeconds = (performance.now() - began) / 1000;
if (cli.status !== 0) throw new Error(`kouan ledger verify exited ${cli.status}: ${cli.stderr}`);
const dbBytes = statSync(file).size;
rmSync(dir, { recursive: true, force: true });
pki.cleanup();

const scale = VERIFY_ENTRIES / 1_000_000;
const fmt = (n: number) => n.toFixed(0);
const row = (name: string, m: Measured) => `| ${name} | ${fmt(m.perS)} | ${(m.perS / base.perS).toFixed(2)} | ${fmt(m.cpuUs)} |`;
console.log(`config: ${RECORDS} records (${(bodies[0]![0]!.length / 1024).toFixed(1)} KiB each as sent) from ${WRITERS} connector identities × ${CONNECTIONS} connections, ${BATCH} records per request to the batch intake (and one per request for the single rows), P-256 connector keys (ES256), ES256 receipts, loader in a worker thread; records signed in ${signSeconds.toFixed(1)} s before timing; SQLite WAL, receipts after an fsync of the log; embedded PostgreSQL (fsync off); node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| case | records/s | vs baseline | server CPU µs/record |');
console.log('|---|---|---|---|');
console.log(row('mutual TLS POST of one record, body validated, nothing stored (baseline, single)', baseSingle));
console.log(row('registry intake of one record per request into SQLite', sqliteSingle));
console.log(row(`mutual TLS POST of ${BATCH} records, body validated, nothing stored (baseline)`, base));
console.log(row(`registry batch intake (${BATCH} per request) into SQLite: checks, signature, chain, receipt`, sqlite));
console.log(row(`registry batch intake (${BATCH} per request) into PostgreSQL`, postgres));
console.log(`two registry processes on one PostgreSQL, ${WRITERS} writers × ${CLUSTER_PER_WRITER}: ${clusterTotal} records in ${cluster.load.seconds.toFixed(1)} s (${fmt(clusterTotal / cluster.load.seconds)}/s; signed beforehand in ${cluster.signSeconds.toFixed(1)} s), one chain of ${clusterReport.entries} entries and ${clusterReport.checkpoints} checkpoints, verified whole by kouan ledger verify in ${clusterReport.seconds} s`);
console.log(`verify: ${VERIFY_ENTRIES} entries (${(dbBytes / 2 ** 20).toFixed(0)} MiB SQLite, built in ${buildSeconds.toFixed(1)} s) in ${verifySeconds.toFixed(2)} s (${verifyCpuSeconds.toFixed(2)} s CPU) in-process, ${cliSeconds.toFixed(2)} s through kouan ledger verify`);
console.log(JSON.stringify({
  bench: 'registry',
  ingest_per_s: Math.round(sqlite.perS),
  ingest_pg_per_s: Math.round(postgres.perS),
  ingest_single_per_s: Math.round(sqliteSingle.perS),
  batch: BATCH,
  baseline_per_s: Math.round(base.perS),
  ingest_ratio: Number((sqlite.perS / base.perS).toFixed(3)),
  ingest_pg_ratio: Number((postgres.perS / base.perS).toFixed(3)),
  server_cpu_us_per_record: { baseline: Math.round(base.cpuUs), sqlite: Math.round(sqlite.cpuUs), postgres: Math.round(postgres.cpuUs), baseline_single: Math.round(baseSingle.cpuUs), sqlite_single: Math.round(sqliteSingle.cpuUs) },
  pg_two_processes: { records: clusterTotal, seconds: Number(cluster.load.seconds.toFixed(2)), per_s: Math.round(clusterTotal / cluster.load.seconds), chain_entries: clusterReport.entries, verified: clusterReport.ok },
  verify_1m_s: Number((verifySeconds / scale).toFixed(2)),
  verify_1m_cpu_s: Number((verifyCpuSeconds / scale).toFixed(2)),
  verify_cli_s: Number(cliSeconds.toFixed(2)),
  verify_entries: VERIFY_ENTRIES,
  load_average: Number(loadavg()[0]!.toFixed(2)),
}));
