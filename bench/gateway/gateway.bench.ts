/**
 * The data-plane gateway against a bare @fastify/http-proxy with the same mutual TLS, in one run, on loopback.
 *
 * - Provider: a real connector run as its own process (`kouan connector start`), set up through its management
 *   API; the consumer connector (in this process) negotiates and starts real transfers, whose endpoint data
 *   references the client then pulls. The provider has no registry configured: usage records are signed and
 *   stay in its outbox (delivery is not part of these figures).
 * - Baseline: bench/gateway/bare-proxy.ts, its own process, same server TLS options and client-certificate check;
 *   it also serves the 'codec' mode (the same proxy re-framing the body through Kouan's NDJSON codec only).
 * - Backend: bench/gateway/backend.ts, its own process, the same for all.
 * - Client: this process, undici with keep-alive, the same agent options and concurrency for all.
 *
 * Throughput legs run bare, codec, gateway, gateway, codec, bare (so drift cancels). Then 1 GiB of lazily generated NDJSON is
 * streamed through each, with the proxy process's peak RSS (VmHWM, reset before the stream, and VmRSS sampled every
 * 50 ms). Then the provider stops and each step of a request is timed in-process on a copy of its database.
 * Prints the configuration, tables and, last, one JSON line. BENCH_PROFILE=1 also CPU-profiles the provider.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { parseConfig } from '../../src/core/config.ts';
import type { ContractNegotiation, TransferProcess } from '../../src/control-plane/model.ts';
import { edrOf, type EndpointDataReference } from '../../src/data-plane/pull.ts';
import { ConnectorConfigSchema } from '../../src/main/connector-config.ts';
import { KOUAN } from '../../test/support/cli.ts';
import { restartTestConnector } from '../../test/support/connectors.ts';
import { TestPki } from '../../test/support/pki.ts';
import { freePort } from '../../test/support/processes.ts';
import { breakdown, type Step } from './breakdown.ts';
import { cpuSeconds, peakRssMb, resetPeakRss, rssMb, startChild } from './processes.ts';
import { summarize } from './profile.ts';
import { COHORT } from './records.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const LEG_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const STREAM_BYTES = Math.round(Number(process.env.BENCH_STREAM_MB ?? 1024) * 2 ** 20);
/** Participant keys: `ec` (P-256, the default of `kouan pki issue`) or `rsa` (BENCH_KEY_BITS, default 3072). */
const KEY_TYPE = process.env.BENCH_KEY_TYPE === 'rsa' ? 'rsa' : 'ec';
const KEY_BITS = Number(process.env.BENCH_KEY_BITS ?? 3072);
const KEYS = KEY_TYPE === 'ec' ? 'P-256 participant keys (ES256 access tokens and usage-record signatures)' : `RSA-${KEY_BITS} participant keys (PS256 access tokens and usage-record signatures)`;
const PROFILE = process.env.BENCH_PROFILE === '1';
const LOG_LEVEL = 'warn';
const PAYLOADS = (process.env.BENCH_PAYLOADS ?? '1000,10').split(',').map(Number);
/**
 * BENCH_MAX_RECORDS: a maxRecords constraint on every offer, set high enough never to be reached. With it the
 * agreement's records budget is capped, so every stream takes its records from it in the database before they
 * leave (per batch of 256 on the record path, per chunk on the pass-through path); without it that budget is
 * uncapped and never written.
 */
const MAX_RECORDS = process.env.BENCH_MAX_RECORDS ? Number(process.env.BENCH_MAX_RECORDS) : null;
if (MAX_RECORDS !== null && !(Number.isSafeInteger(MAX_RECORDS) && MAX_RECORDS > 0)) throw new Error(`BENCH_MAX_RECORDS must be a positive integer, not ${process.env.BENCH_MAX_RECORDS}`);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const TSX = ['--import', 'tsx'];
const began = performance.now();
const loadBefore = loadavg();

// --- participants, backend, provider (child process), consumer (in process) --------------------------------------
const pki = await TestPki.create();
const hospitalCreds = pki.issue('bj-hospital', 'CN', { keyType: KEY_TYPE, keyBits: KEY_BITS });
const pharmaCreds = pki.issue('pharma-de', 'DE', { keyType: KEY_TYPE, keyBits: KEY_BITS });
const work = mkdtempSync(join(tmpdir(), 'kouan-bench-gateway-'));
const profileDir = process.env.BENCH_PROFILE_DIR ?? join(work, 'profile');

const backend = await startChild('backend', [...TSX, here('./backend.ts')]);
const backendUrl = `http://127.0.0.1:${String(backend.hello.port)}`;

const [dspPort, managementPort, gatewayPort, pharmaDspPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
// The provider calls the consumer back only at a DSP endpoint it knows for the consumer's participant.
const peers = 'peers' in ConnectorConfigSchema.properties ? { peers: [{ participantId: 'pharma-de', dspUrl: `https://127.0.0.1:${pharmaDspPort}/dsp/2025-1` }] } : {};
const hospitalKey = 'bench-key-bj-hospital-0123456789';
const stateDir = join(work, 'hospital');
const configFile = join(work, 'hospital.json');
writeFileSync(configFile, JSON.stringify({
  stateDir,
  dsp: { listen: { host: '127.0.0.1', port: dspPort } },
  management: { listen: { host: '127.0.0.1', port: managementPort }, apiKey: hospitalKey },
  gateway: { listen: { host: '127.0.0.1', port: gatewayPort } },
  metrics: { enabled: false },
  tls: { ca: pki.caPath, crl: pki.crlPath, cert: hospitalCreds.cert, key: hospitalCreds.key },
  log: { level: LOG_LEVEL },
  ...peers,
}));
const provider = await startChild('provider connector', [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), KOUAN, 'connector', 'start', '--config', configFile], (h) => typeof h.management === 'string');
const providerPid = provider.child.pid!;
const hospitalDsp = String(provider.hello.dsp);

const hospital = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> => {
  const r = await request(`http://127.0.0.1:${managementPort}/management/v1${path}`, {
    method, headers: { 'x-api-key': hospitalKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await r.body.text();
  return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
};

const pharma = await restartTestConnector(parseConfig(ConnectorConfigSchema, {
  stateDir: join(work, 'pharma'),
  dsp: { listen: { host: '127.0.0.1', port: pharmaDspPort } },
  management: { listen: { host: '127.0.0.1', port: 0 }, apiKey: 'bench-key-pharma-de-0123456789' },
  gateway: { listen: { host: '127.0.0.1', port: 0 } },
  metrics: { enabled: false },
  manager: { intervalMs: 20, leaseMs: 1000, maxAttempts: 5 },
  tls: pki.paths({ cert: pharmaCreds.cert, key: pharmaCreds.key }),
  log: { level: 'silent' },
}), 'pharma-de');

// Clinical visits: sensitive PI (medical_health) of a 5,000-patient cohort, so the agreement is on the
// standard-contract path and the enforcer hashes, looks up and records every record's subject.
const classification = {
  grade: 'general', domain: 'pharmaceutical', categories: ['clinical_trial'],
  pi: { subjects: COHORT, sensitiveSubjects: COHORT, sensitiveKinds: ['medical_health'], fields: ['patient_name', 'patient_id', 'birth_year'], subjectIdField: 'patient_id' },
  hgr: { present: false, sequencingSubjects: 0 }, exportControlled: false, scenario: null,
};
const OBLIGATIONS = [{ action: 'drop_fields', fields: ['patient_name'] }, { action: 'pseudonymise_fields', fields: ['patient_id'] }, { action: 'mask_fields', fields: ['birth_year'] }];
// 'plain-N': the same bytes from the same backend, declared as carrying no personal information and offered with no
// field duty: the full gateway (mTLS, token, policy, usage record, digest) on its pass-through path.
const PLAIN = { ...classification, grade: 'general', domain: 'automobile', categories: ['sensor'], pi: { subjects: 0, sensitiveSubjects: 0, sensitiveKinds: [], fields: [], subjectIdField: null } };
const datasets = [
  ...PAYLOADS.map((n) => ({ id: `visits-${n}`, path: `records-${n}.ndjson`, plain: false })),
  ...PAYLOADS.map((n) => ({ id: `plain-${n}`, path: `records-${n}.ndjson`, plain: true })),
  { id: 'visits-stream', path: `stream-${STREAM_BYTES}.ndjson`, plain: false },
];
const dutiesOf = (assetId: string) => (datasets.find((d) => d.id === assetId)?.plain ? [] : OBLIGATIONS);
for (const d of datasets) {
  const asset = await hospital('POST', '/assets', { id: d.id, title: d.id, classification: d.plain ? PLAIN : classification, backend: { url: `${backendUrl}/${d.path}`, format: 'ndjson' } });
  const offer = await hospital('POST', '/offers', {
    id: `offer-${d.id}`, assetId: d.id,
    policy: { permissions: [{ action: 'use', constraints: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'clinical-research' }, ...(MAX_RECORDS === null ? [] : [{ leftOperand: 'maxRecords', operator: 'lteq', rightOperand: MAX_RECORDS }])], duties: dutiesOf(d.id) }] },
  });
  if (asset.status !== 201 || offer.status !== 201) throw new Error(`could not set up ${d.id}: ${JSON.stringify([asset.body, offer.body])}`);
}
await hospital('POST', '/approvals', { id: 'pipia', kind: 'pipia', entry: { ref: 'PIPIA-1', recipient: 'pharma-de', date: '2026-01-10' } });
await hospital('POST', '/approvals', { id: 'scc', kind: 'standard_contract', entry: { ref: 'SCC-1', recipient: 'pharma-de', effective: '2026-01-05', filing_ref: 'FILED-1' } });

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}
const transferOf = async (assetId: string): Promise<{ transfer: TransferProcess; exportPath: string }> => {
  const n = await pharma.api<ContractNegotiation>('POST', '/negotiations', { providerId: 'bj-hospital', address: hospitalDsp, datasetId: assetId, offerId: `offer-${assetId}`, purpose: 'clinical-research', acceptedObligations: dutiesOf(assetId).map((o) => o.action) });
  const done = await until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(n.body.id)}`)).body, (x) => x.state === 'FINALIZED' || x.state === 'TERMINATED');
  if (done.state !== 'FINALIZED') throw new Error(`negotiation for ${assetId} ended ${done.state}: ${JSON.stringify(done.reasons)}`);
  const t = await pharma.api<TransferProcess>('POST', '/transfers', { agreementId: done.agreementId });
  const transfer = await until(async () => (await pharma.api<TransferProcess>('GET', `/transfers/${encodeURIComponent(t.body.id)}`)).body, (x) => x.state === 'STARTED' || x.state === 'TERMINATED');
  if (transfer.state !== 'STARTED') throw new Error(`transfer for ${assetId} ended ${transfer.state}: ${JSON.stringify(transfer.reasons)}`);
  const agreement = await hospital<{ exportPath: string }>('GET', `/agreements/${encodeURIComponent(done.agreementId!)}`);
  return { transfer, exportPath: agreement.body.exportPath };
};
const transfers = new Map<string, { edr: EndpointDataReference; providerTransferId: string; exportPath: string }>();
for (const d of datasets) {
  const { transfer, exportPath } = await transferOf(d.id);
  transfers.set(d.id, { edr: edrOf(transfer.dataAddress), providerTransferId: transfer.providerPid!, exportPath });
}
// The consumer's part is done (its state machines would only add noise to the client process).
await pharma.stop();

const bare = await startChild('bare proxy', [...TSX, here('./bare-proxy.ts'), JSON.stringify({ tls: pki.paths({ cert: hospitalCreds.cert, key: hospitalCreds.key }), backend: backendUrl, log: LOG_LEVEL })]);
const barePid = bare.child.pid!;
const bareUrl = `https://127.0.0.1:${String(bare.hello.port)}`;
const setupSeconds = (performance.now() - began) / 1000;

// --- the client ---------------------------------------------------------------------------------------------------
const agent = (connections: number) => new Agent({ connections, keepAliveTimeout: 60_000, connect: { ca: pki.caPem, ...pki.pem(pharmaCreds), checkServerIdentity: () => undefined } });
/** bare and codec: the baseline proxy; gateway: Kouan on the clinical visits (obligations, subjects); plain: Kouan on the same bytes with nothing to change. */
type Mode = 'bare' | 'codec' | 'gateway' | 'plain';
const ALL_MODES: Mode[] = ['bare', 'codec', 'gateway', 'plain'];
/** BENCH_MODES (e.g. `bare,plain`) runs only those legs: for profiling one path; the ratios need bare. */
const MODES: Mode[] = process.env.BENCH_MODES ? ALL_MODES.filter((m) => process.env.BENCH_MODES!.split(',').includes(m)) : ALL_MODES;
const target = (mode: Mode, dataset: string) => {
  const t = transfers.get(mode === 'plain' ? dataset.replace(/^visits-/, 'plain-') : dataset)!;
  const path = datasets.find((d) => d.id === dataset)!.path;
  // All get the same Authorization header; only the gateway reads it.
  const kouan = mode === 'gateway' || mode === 'plain';
  const url = kouan ? t.edr.endpoint : `${bareUrl}/${mode === 'bare' ? 'transfers' : 'codec'}/${path}`;
  return { url, headers: { authorization: `Bearer ${t.edr.token}` }, pid: kouan ? providerPid : barePid };
};

interface Leg { requests: number; seconds: number; bytes: number; latencies: number[]; serverCpu: number; backendCpu: number; clientCpu: number }

async function leg(dispatcher: Agent, mode: Mode, dataset: string, seconds: number): Promise<Leg> {
  const { url, headers, pid } = target(mode, dataset);
  const latencies: number[] = [];
  let bytes = 0;
  const server0 = cpuSeconds(pid);
  const backend0 = cpuSeconds(backend.child.pid!);
  const client0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const response = await request(url, { dispatcher, headers });
      for await (const chunk of response.body) bytes += (chunk as Buffer).length;
      if (response.statusCode !== 200) throw new Error(`${mode} answered ${response.statusCode}`);
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const client = process.cpuUsage(client0);
  return { requests: latencies.length, seconds: elapsed, bytes, latencies, serverCpu: cpuSeconds(pid) - server0, backendCpu: cpuSeconds(backend.child.pid!) - backend0, clientCpu: (client.user + client.system) / 1e6 };
}

const noLeg: Leg = { requests: 0, seconds: 0, bytes: 0, latencies: [], serverCpu: 0, backendCpu: 0, clientCpu: 0 };
const merge = (legs: Leg[]): Leg => legs.reduce((a, b) => ({ requests: a.requests + b.requests, seconds: a.seconds + b.seconds, bytes: a.bytes + b.bytes, latencies: a.latencies.concat(b.latencies), serverCpu: a.serverCpu + b.serverCpu, backendCpu: a.backendCpu + b.backendCpu, clientCpu: a.clientCpu + b.clientCpu }), noLeg);
const figures = (l: Leg) => {
  const sorted = [...l.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { rps: l.requests / l.seconds, p50: at(0.5), p99: at(0.99), kbPerResponse: l.bytes / l.requests / 1024, serverCpuUs: (l.serverCpu / l.requests) * 1e6, backendCpuUs: (l.backendCpu / l.requests) * 1e6, clientCpuUs: (l.clientCpu / l.requests) * 1e6, serverCores: l.serverCpu / l.seconds, requests: l.requests };
};

/** One response through the gateway, checked: every record there, obligations applied, no stop marker. */
async function checkGateway(dataset: string, records: number): Promise<void> {
  const { url, headers } = target('gateway', dataset);
  const dispatcher = agent(1);
  const response = await request(url, { dispatcher, headers });
  const lines = (await response.body.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  await dispatcher.close();
  const bad = lines.find((l) => 'kouan:error' in l || 'patient_name' in l || !/^ps_/.test(String(l.patient_id)) || l.birth_year !== '***');
  if (response.statusCode !== 200 || lines.length !== records || bad) throw new Error(`gateway answer not as expected (${response.statusCode}, ${lines.length} lines): ${JSON.stringify(bad ?? lines[0])}`);
}

/** The pass-through answer is the backend's own bytes, as the bare proxy returns them. */
async function checkPlain(dataset: string): Promise<void> {
  const dispatcher = agent(1);
  const [viaKouan, viaBare] = await Promise.all((['plain', 'bare'] as const).map(async (mode) => (await request(target(mode, dataset).url, { dispatcher, headers: target(mode, dataset).headers })).body.text()));
  await dispatcher.close();
  if (viaKouan !== viaBare) throw new Error(`the pass-through answer for ${dataset} differs from the backend's bytes`);
}

async function throughputOf(records: number) {
  const dataset = `visits-${records}`;
  const agents = { bare: agent(CONCURRENCY), codec: agent(CONCURRENCY), gateway: agent(CONCURRENCY), plain: agent(CONCURRENCY) };
  for (const mode of MODES) await leg(agents[mode], mode, dataset, WARMUP_SECONDS);
  const runs: Record<Mode, Leg[]> = { bare: [], codec: [], gateway: [], plain: [] };
  // bare, codec, gateway, plain, plain, gateway, codec, bare: a drift over the run weighs on each mode alike.
  for (const mode of [...MODES, ...[...MODES].reverse()]) runs[mode].push(await leg(agents[mode], mode, dataset, LEG_SECONDS));
  await Promise.all(MODES.map((m) => agents[m].close()));
  return { records, bare: figures(merge(runs.bare)), codec: figures(merge(runs.codec)), gateway: figures(merge(runs.gateway)), plain: figures(merge(runs.plain)) };
}

// --- 1 GiB streamed through each, peak RSS of the proxy process ---------------------------------------------------
interface Streamed { bytes: number; records: number; seconds: number; rssBeforeMb: number; sampledPeakMb: number; vmhwmMb: number; hwmReset: boolean; head: string; tail: string }
async function stream(mode: Mode): Promise<Streamed> {
  const { url, headers, pid } = target(mode, 'visits-stream');
  const dispatcher = agent(1);
  const rssBeforeMb = rssMb(pid);
  const hwmReset = resetPeakRss(pid);
  let sampledPeakMb = rssBeforeMb;
  const sampler = setInterval(() => (sampledPeakMb = Math.max(sampledPeakMb, rssMb(pid))), 50);
  let bytes = 0;
  let records = 0;
  let head = '';
  let tail: Buffer = Buffer.alloc(0);
  const start = performance.now();
  const response = await request(url, { dispatcher, headers, bodyTimeout: 0 });
  for await (const data of response.body) {
    const chunk = data as Buffer;
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records += 1;
    if (head.length < 2048) head += chunk.subarray(0, 2048).toString();
    tail = chunk.length >= 2048 ? chunk.subarray(chunk.length - 2048) : Buffer.concat([tail, chunk]).subarray(-2048);
  }
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  sampledPeakMb = Math.max(sampledPeakMb, rssMb(pid));
  const vmhwmMb = peakRssMb(pid);
  await dispatcher.close();
  if (response.statusCode !== 200) throw new Error(`${mode} stream answered ${response.statusCode}`);
  return { bytes, records, seconds, rssBeforeMb, sampledPeakMb, vmhwmMb, hwmReset, head, tail: tail.toString() };
}
for (const records of PAYLOADS) await checkGateway(`visits-${records}`, records);
for (const records of PAYLOADS) await checkPlain(`visits-${records}`);
// The stream first, so the provider's RSS is not the high-water mark of the throughput phase's heap.
const bareStream = await stream('bare');
const gatewayStream = await stream('gateway');
const lastLine = gatewayStream.tail.trim().split('\n').pop() ?? '';
if (gatewayStream.records !== bareStream.records || lastLine.includes('kouan:error') || gatewayStream.head.includes('patient_name') || !gatewayStream.head.includes('"patient_id":"ps_')) {
  throw new Error(`the gateway stream was cut or not enforced: ${gatewayStream.records} of ${bareStream.records} records; last line ${lastLine.slice(0, 300)}`);
}
const providerRssAfterStreamMb = rssMb(providerPid);
// Peak RSS of each proxy under the throughput load (concurrency CONCURRENCY), from here on.
const hwmUnderLoad = resetPeakRss(providerPid) && resetPeakRss(barePid);
const throughput = [];
for (const records of PAYLOADS) throughput.push(await throughputOf(records));
const loadPeakMb = { gateway: hwmUnderLoad ? peakRssMb(providerPid) : NaN, bare: hwmUnderLoad ? peakRssMb(barePid) : NaN };

// --- stop; cost breakdown on a copy of the provider's database; profile ------------------------------------------
await Promise.all([bare.stop(), provider.stop()]);
await backend.stop();
const large = transfers.get(`visits-${PAYLOADS[0]}`)!;
const steps = await breakdown({ stateDir, provider: hospitalCreds, consumer: pharmaCreds, token: large.edr.token, transferId: large.providerTransferId, records: PAYLOADS[0]!, extraSubjects: 100_000 });
const profile = PROFILE
  ? (() => {
      const files = readdirSync(profileDir).map((f) => join(profileDir, f)).sort((a, b) => statSync(b).size - statSync(a).size);
      return files[0] ? summarize(files[0]) : null;
    })()
  : null;
pki.cleanup();
rmSync(work, { recursive: true, force: true });

// --- report -------------------------------------------------------------------------------------------------------
const loadAfter = loadavg();
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const mib = (b: number) => b / 2 ** 20;
const exportPaths = [...new Set([...transfers.values()].map((t) => t.exportPath))].join(', ');
console.log(`config: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; concurrency ${CONCURRENCY}, keep-alive, one undici Agent per mode with the same options; `
  + `each mode ${2 * LEG_SECONDS} s per payload in legs bare/codec/gateway/plain/plain/gateway/codec/bare after ${WARMUP_SECONDS} s warm-up each; ${KEYS}; `
  + `records ~250 B NDJSON clinical visits, ${COHORT}-patient cohort, sensitive PI, export path ${exportPaths}; obligations: drop patient_name, pseudonymise patient_id, mask birth_year; `
  + `${MAX_RECORDS === null ? 'no maxRecords (records budget uncapped)' : `maxRecords ${MAX_RECORDS} on every offer (never reached: the records budget is capped and reserved from)`}; `
  + `provider = \`kouan connector start\` child process (SQLite, log ${LOG_LEVEL}, no registry: usage records stay signed in the outbox); bare proxy, backend = their own child processes; client in the bench process; `
  + `stream ${f1(mib(STREAM_BYTES))} MiB; setup ${f1(setupSeconds)} s; load average (1 min) ${f2(loadBefore[0]!)} before, ${f2(loadAfter[0]!)} after${PROFILE ? '; PROFILED RUN (--cpu-prof on the provider): throughput not representative' : ''}`);
console.log('');
console.log('| payload | proxy | req/s | p50 ms | p99 ms | KiB/response | proxy CPU µs/req | proxy cores busy | backend CPU µs/req | client CPU µs/req |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
const names: Record<Mode, string> = {
  bare: 'bare @fastify/http-proxy + mTLS (baseline)',
  codec: 'bare proxy + NDJSON codec only (parse → serialise)',
  gateway: 'Kouan gateway (full: obligations + subject counting)',
  plain: 'Kouan gateway (full, same bytes with nothing to change: pass-through)',
};
for (const t of throughput) {
  for (const mode of MODES) {
    const r = t[mode];
    console.log(`| ${t.records} records | ${names[mode]} | ${Math.round(r.rps)} | ${f2(r.p50)} | ${f2(r.p99)} | ${f1(r.kbPerResponse)} | ${Math.round(r.serverCpuUs)} | ${f2(r.serverCores)} | ${Math.round(r.backendCpuUs)} | ${Math.round(r.clientCpuUs)} |`);
  }
  for (const [name, a, b] of [['pass-through gateway/bare', t.plain, t.bare], ['gateway/bare', t.gateway, t.bare], ['codec/bare', t.codec, t.bare], ['gateway/codec', t.gateway, t.codec]] as const) {
    console.log(`| ${t.records} records | **ratio ${name}** | **${f2(a.rps / b.rps)}** | ${f2(a.p50 / b.p50)}x | ${f2(a.p99 / b.p99)}x | | ${f2(a.serverCpuUs / b.serverCpuUs)}x | | | |`);
  }
}
console.log('');
console.log(`| ${f1(mib(STREAM_BYTES))} MiB NDJSON stream | MiB sent | records | seconds | records/s | MiB/s | RSS before MiB | peak RSS (VmHWM) MiB | peak RSS sampled /50 ms MiB |`);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [name, s] of [['bare @fastify/http-proxy + mTLS (baseline)', bareStream], ['Kouan gateway (full, obligations + subject counting)', gatewayStream]] as const) {
  console.log(`| ${name} | ${f1(mib(s.bytes))} | ${s.records} | ${f1(s.seconds)} | ${Math.round(s.records / s.seconds)} | ${f1(mib(s.bytes) / s.seconds)} | ${f1(s.rssBeforeMb)} | ${s.hwmReset ? f1(s.vmhwmMb) : 'n/a'} | ${f1(s.sampledPeakMb)} |`);
}
console.log(`gateway (provider) RSS just after the stream: ${f1(providerRssAfterStreamMb)} MiB; peak RSS during the throughput phase (concurrency ${CONCURRENCY}): gateway ${f1(loadPeakMb.gateway)} MiB, bare proxy ${f1(loadPeakMb.bare)} MiB (same process serves the codec mode)`);
console.log('');
const table = (title: string, rows: Step[]) => {
  console.log(`| ${title} | µs |`);
  console.log('|---|---|');
  for (const r of rows) console.log(`| ${r.step} | ${r.us < 10 ? r.us.toFixed(2) : f1(r.us)} |`);
  console.log('');
};
table('per request, timed in-process on a copy of the provider database (median)', steps.perRequest);
table('per record (median over batches of 1,000)', steps.perRecord);
if (steps.reservations.length > 0) table('reservations and checks, timed in-process on the same copy (median)', steps.reservations);
else console.log('(this tree has no budgets table: no reservation steps to time)\n');
table('per-request counts after adding 100,000 subjects', steps.growth);
if (profile) {
  console.log(`provider CPU profile: ${f1(profile.totalMs - profile.idleMs)} ms busy of ${f1(profile.totalMs)} ms sampled (setup and all phases)`);
  console.log('| area (self time) | ms | % of busy |');
  console.log('|---|---|---|');
  for (const a of profile.areas) console.log(`| ${a.area} | ${f1(a.ms)} | ${f1((100 * a.ms) / (profile.totalMs - profile.idleMs))} |`);
  console.log('');
  console.log('| function (self time) | ms | % of busy |');
  console.log('|---|---|---|');
  for (const a of profile.self) console.log(`| ${a.fn} | ${f1(a.ms)} | ${f1((100 * a.ms) / (profile.totalMs - profile.idleMs))} |`);
  console.log('');
  console.log('| src function (inclusive, synchronous part) | ms | % of busy |');
  console.log('|---|---|---|');
  for (const a of profile.inclusive) console.log(`| ${a.fn} | ${f1(a.ms)} | ${f1((100 * a.ms) / (profile.totalMs - profile.idleMs))} |`);
  console.log('');
}
const [big, small = throughput[0]!] = throughput as [(typeof throughput)[0], (typeof throughput)[0]];
console.log(JSON.stringify({
  bench: 'gateway',
  ratio: Number((big.plain.rps / big.bare.rps).toFixed(3)),
  ratio_small: Number((small.plain.rps / small.bare.rps).toFixed(3)),
  ratio_records: Number((big.gateway.rps / big.bare.rps).toFixed(3)),
  ratio_records_small: Number((small.gateway.rps / small.bare.rps).toFixed(3)),
  plain_rps: Math.round(big.plain.rps), plain_cpu_us_per_req: Math.round(big.plain.serverCpuUs), plain_rps_small: Math.round(small.plain.rps), plain_cpu_us_per_req_small: Math.round(small.plain.serverCpuUs),
  records_per_response: big.records, max_records: MAX_RECORDS,
  reserve_us: steps.reservations[0] ? Number(steps.reservations[0].us.toFixed(1)) : null,
  passthrough_us_per_record: Object.fromEntries(steps.perRecord.filter((r) => r.step.startsWith('NdjsonPassThrough') || r.step.startsWith('JSON.parse')).map((r, i) => [['parse', 'free', 'uncapped', 'capped'][i], Number(r.us.toFixed(3))])),
  gateway_rps: Math.round(big.gateway.rps), bare_rps: Math.round(big.bare.rps),
  gateway_p50_ms: Number(big.gateway.p50.toFixed(2)), gateway_p99_ms: Number(big.gateway.p99.toFixed(2)),
  bare_p50_ms: Number(big.bare.p50.toFixed(2)), bare_p99_ms: Number(big.bare.p99.toFixed(2)),
  gateway_rps_small: Math.round(small.gateway.rps), bare_rps_small: Math.round(small.bare.rps),
  gateway_cpu_us_per_req: Math.round(big.gateway.serverCpuUs), bare_cpu_us_per_req: Math.round(big.bare.serverCpuUs),
  gateway_cpu_us_per_req_small: Math.round(small.gateway.serverCpuUs), bare_cpu_us_per_req_small: Math.round(small.bare.serverCpuUs),
  codec_ratio: Number((big.codec.rps / big.bare.rps).toFixed(3)), gateway_to_codec_ratio: Number((big.gateway.rps / big.codec.rps).toFixed(3)),
  codec_rps: Math.round(big.codec.rps), codec_cpu_us_per_req: Math.round(big.codec.serverCpuUs),
  stream_mb: Number(mib(gatewayStream.bytes).toFixed(1)), stream_rss_before_mb: Number(gatewayStream.rssBeforeMb.toFixed(1)), load_rss_mb: Number(loadPeakMb.gateway.toFixed(1)), load_rss_bare_mb: Number(loadPeakMb.bare.toFixed(1)),
  stream_rss_mb: Number((gatewayStream.hwmReset ? Math.max(gatewayStream.vmhwmMb, gatewayStream.sampledPeakMb) : gatewayStream.sampledPeakMb).toFixed(1)),
  stream_rss_bare_mb: Number((bareStream.hwmReset ? Math.max(bareStream.vmhwmMb, bareStream.sampledPeakMb) : bareStream.sampledPeakMb).toFixed(1)),
  ndjson_records_per_s: Math.round(gatewayStream.records / gatewayStream.seconds),
  ndjson_records_per_s_bare: Math.round(bareStream.records / bareStream.seconds),
  ndjson_ratio: Number((gatewayStream.records / gatewayStream.seconds / (bareStream.records / bareStream.seconds)).toFixed(3)),
  concurrency: CONCURRENCY, node: process.version, cpus: cpus().length, load_before: Number(loadBefore[0]!.toFixed(2)), load_after: Number(loadAfter[0]!.toFixed(2)),
  total_s: Number(((performance.now() - began) / 1000).toFixed(1)),
}));
