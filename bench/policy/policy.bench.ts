/**
 * In-process wasm decisions against the same policies served by `opa run --server` over HTTP on loopback,
 * in one run: p50 / p99 latency and throughput for the export and gateway decisions. Prints a table
 * and, last, one JSON line. Needs the pinned OPA (scripts/install-opa.sh) for the baseline.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { Pool } from 'undici';
import type { Entrypoint } from '../../src/policy/decision.ts';
import { PolicyEngine } from '../../src/policy/engine.ts';
import { vectorSets } from '../../test/policy/support.ts';

const N = Number(process.env.BENCH_DECISIONS ?? 20000);
const HTTP_N = Number(process.env.BENCH_HTTP_DECISIONS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const OPA = new URL('../../.tools/bin/opa', import.meta.url).pathname;
const PORT = 18181;

const engine = PolicyEngine.load();
const pick = (entrypoint: Entrypoint) => vectorSets().find((s) => s.entrypoint === entrypoint)!.vectors.find((v) => v.expect.allow)!.input;
const cases: Array<{ name: string; entrypoint: Entrypoint; input: unknown }> = [
  { name: 'export', entrypoint: 'kouan/export/decision', input: pick('kouan/export/decision') },
  { name: 'gateway', entrypoint: 'kouan/gateway/decision', input: pick('kouan/gateway/decision') },
];

const quantiles = (samples: number[]) => {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
};

function inProcess(entrypoint: Entrypoint, input: unknown, validate: boolean) {
  return timed(validate ? () => engine.evaluate(entrypoint, input) : () => engine.evaluateTrusted(entrypoint, input));
}

/**
 * The gateway's decision as the gateway makes it (PolicyEngine.evaluateStaged, the input validated each time): per
 * request, with the transfer's standing terms kept from its first request, or on a transfer's first request, where
 * the standing terms are worked out too (`first`: a new token expiry on each call makes each one new).
 */
function staged(input: Record<string, unknown>, first: boolean) {
  const token = input.token as { exp: number };
  let i = 0;
  return timed(first
    ? () => engine.evaluateStaged('kouan/gateway/decision', { ...input, token: { ...token, exp: token.exp + 1 + (i++ % 1_000_000) } })
    : () => engine.evaluateStaged('kouan/gateway/decision', { ...input }));
}

function timed(evaluate: () => unknown) {
  for (let i = 0; i < 2000; i++) evaluate();
  const samples: number[] = [];
  const began = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    evaluate();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return { ...quantiles(samples), per_s: N / seconds };
}

async function overHttp(pool: Pool, entrypoint: Entrypoint, input: unknown) {
  const body = JSON.stringify({ input });
  const call = async () => {
    const r = await pool.request({ method: 'POST', path: `/v1/data/${entrypoint}`, body, headers: { 'content-type': 'application/json' } });
    const json = (await r.body.json()) as { result?: { allow?: boolean } };
    if (typeof json.result?.allow !== 'boolean') throw new Error(`opa server answered ${JSON.stringify(json)}`);
  };
  for (let i = 0; i < 500; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < HTTP_N; i++) {
    const t = process.hrtime.bigint();
    await call();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  let next = 0;
  const began = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next++ < HTTP_N) await call(); }));
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return { ...quantiles(samples), per_s: HTTP_N / seconds };
}

if (!existsSync(OPA)) throw new Error('the baseline needs the pinned OPA: run scripts/install-opa.sh');
const server = spawn(OPA, ['run', '--server', '--addr', `127.0.0.1:${PORT}`, '--log-level', 'error', 'policies/kouan', 'policies/data'], { stdio: 'inherit' });
const pool = new Pool(`http://127.0.0.1:${PORT}`, { connections: CONCURRENCY });
try {
  for (let i = 0; ; i++) {
    try {
      const r = await pool.request({ method: 'GET', path: '/health' });
      await r.body.dump();
      if (r.statusCode === 200) break;
    } catch {
      if (i > 100) throw new Error('opa server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const rows: Array<{ case: string; mode: string; p50: number; p99: number; per_s: number }> = [];
  // Every in-process case first, then every HTTP case: the OPA server's work under load (its garbage collector
  // included) must not run beside an in-process measurement on the same two cores.
  for (const c of cases) {
    if (c.name === 'gateway') {
      const input = c.input as Record<string, unknown>;
      rows.push({ case: c.name, mode: 'wasm in-process + schema validation, per request as the gateway decides (standing terms kept)', ...staged(input, false) });
      rows.push({ case: c.name, mode: 'wasm in-process + schema validation, first request of a transfer (both stages)', ...staged(input, true) });
      rows.push({ case: c.name, mode: 'wasm in-process, whole entrypoint (trusted input)', ...inProcess(c.entrypoint, c.input, false) });
      continue;
    }
    rows.push({ case: c.name, mode: 'wasm in-process (trusted input)', ...inProcess(c.entrypoint, c.input, false) });
    rows.push({ case: c.name, mode: 'wasm in-process + schema validation', ...inProcess(c.entrypoint, c.input, true) });
  }
  for (const c of cases) rows.push({ case: c.name, mode: `opa run --server, HTTP keep-alive (throughput at concurrency ${CONCURRENCY})`, ...(await overHttp(pool, c.entrypoint, c.input)) });
  const order = (r: { case: string }) => cases.findIndex((c) => c.name === r.case);
  rows.sort((a, b) => order(a) - order(b));
  console.log(`config: ${N} in-process / ${HTTP_N} HTTP decisions per case, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, opa v1.22.3`);
  console.log('| decision | mode | p50 µs | p99 µs | decisions/s |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.case} | ${r.mode} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${Math.round(r.per_s)} |`);
  const summary: Record<string, number | string> = { bench: 'policy' };
  for (const c of cases) {
    const wasm = rows.find((r) => r.case === c.name && (r.mode.startsWith('wasm in-process (trusted') || r.mode.includes('per request')))!;
    const http = rows.find((r) => r.case === c.name && r.mode.startsWith('opa run'))!;
    summary[`${c.name}_wasm_p50_us`] = Number(wasm.p50.toFixed(1));
    summary[`${c.name}_wasm_p99_us`] = Number(wasm.p99.toFixed(1));
    summary[`${c.name}_http_p99_us`] = Number(http.p99.toFixed(1));
    summary[`${c.name}_throughput_ratio`] = Number((wasm.per_s / http.per_s).toFixed(2));
  }
  const gatewayRow = (mode: string) => rows.find((r) => r.case === 'gateway' && r.mode.includes(mode))!;
  summary.gateway_first_p99_us = Number(gatewayRow('first request').p99.toFixed(1));
  summary.gateway_whole_p50_us = Number(gatewayRow('whole entrypoint').p50.toFixed(1));
  summary.gateway_whole_p99_us = Number(gatewayRow('whole entrypoint').p99.toFixed(1));
  console.log(JSON.stringify(summary));
} finally {
  await pool.close();
  server.kill();
}
