/**
 * Every shared policy vector (test/policy/vectors) through the in-process wasm engine: p50 / p99 latency per vector,
 * the slowest first. Where policy.bench.ts measures one typical decision per entrypoint against `opa run --server`,
 * this finds the inputs that take the longest paths (working days, offsets, malformed terms).
 *   npx tsx bench/policy/vectors.bench.ts        (BENCH_VECTOR_DECISIONS per vector, default 2000; BENCH_TOP, default 15)
 */
import { cpus } from 'node:os';
import { PolicyEngine } from '../../src/policy/engine.ts';
import { vectorSets } from '../../test/policy/support.ts';

const N = Number(process.env.BENCH_VECTOR_DECISIONS ?? 2000);
const TOP = Number(process.env.BENCH_TOP ?? 15);
const engine = PolicyEngine.load();

const rows: Array<{ entrypoint: string; vector: string; p50: number; p99: number }> = [];
for (const { entrypoint, vectors } of vectorSets()) {
  for (const vector of vectors) {
    const evaluate = () => engine.evaluateTrusted(entrypoint, vector.input);
    for (let i = 0; i < 200; i++) evaluate();
    const samples: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = process.hrtime.bigint();
      evaluate();
      samples.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
    rows.push({ entrypoint, vector: vector.name, p50: at(0.5), p99: at(0.99) });
  }
}
rows.sort((a, b) => b.p50 - a.p50);

console.log(`config: ${N} in-process decisions per vector, ${rows.length} vectors, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
console.log('| entrypoint | vector | p50 µs | p99 µs |');
console.log('|---|---|---|---|');
for (const r of rows.slice(0, TOP)) console.log(`| ${r.entrypoint} | ${r.vector} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
const summary: Record<string, number | string> = { bench: 'policy-vectors' };
for (const entrypoint of [...new Set(rows.map((r) => r.entrypoint))]) {
  const mine = rows.filter((r) => r.entrypoint === entrypoint);
  const name = entrypoint.split('/')[1]!;
  const p50s = mine.map((r) => r.p50).sort((a, b) => a - b);
  summary[`${name}_median_p50_us`] = Number(p50s[p50s.length >> 1]!.toFixed(1));
  summary[`${name}_worst_p50_us`] = Number(mine[0]!.p50.toFixed(1));
  summary[`${name}_worst_vector`] = mine[0]!.vector;
}
console.log(JSON.stringify(summary));
