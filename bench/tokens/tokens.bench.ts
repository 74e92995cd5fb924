/**
 * The cost of request tokens: the same mutual-TLS endpoint called with and without a fresh signed,
 * bound token per request (signing on the client, verification and replay check on the server),
 * in one run, on loopback. Prints a table and, last, one JSON line.
 */
import { cpus } from 'node:os';
import { Agent, request } from 'undici';
import { systemClock } from '../../src/core/clock.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import { TestPki } from '../../test/support/pki.ts';
import { startEchoServer } from '../../test/support/servers.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Participant keys: `ec` (P-256, ES256; the default of `kouan pki issue`) or `rsa` (BENCH_KEY_BITS, PS256). */
const KEY_TYPE = process.env.BENCH_KEY_TYPE === 'rsa' ? 'rsa' : 'ec';
const KEY_BITS = Number(process.env.BENCH_KEY_BITS ?? 3072);
const KEYS = KEY_TYPE === 'ec' ? 'P-256 participant keys, ES256' : `RSA-${KEY_BITS} participant keys, PS256`;

const pki = await TestPki.create();
const hospital = pki.issue('bj-hospital', 'CN', { keyType: KEY_TYPE, keyBits: KEY_BITS });
const pharma = pki.issue('pharma-de', 'DE', { keyType: KEY_TYPE, keyBits: KEY_BITS });
const serverTrust = await pki.trust(hospital);
const clientTrust = await pki.trust(pharma);
const plain = await startEchoServer(serverTrust, systemClock, false);
const tokened = await startEchoServer(serverTrust, systemClock, true);
const issuer = new TokenIssuer(clientTrust.identity, systemClock);

type Mode = 'none' | 'sign-and-verify' | 'verify';

async function run(url: string, mode: Mode): Promise<{ rps: number; p50: number; p99: number }> {
  // 'verify': tokens signed before the clock starts (each with its own jti), so only the server's work is timed.
  const presigned = mode === 'verify' ? await Promise.all(Array.from({ length: REQUESTS }, () => issuer.issue({ audience: 'bj-hospital', ttlSeconds: 300 }))) : [];
  const agent = new Agent({ connections: CONCURRENCY, connect: { ca: pki.caPem, ...pki.pem(pharma), checkServerIdentity: () => undefined } });
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const index = next++;
      const start = process.hrtime.bigint();
      const token = mode === 'verify' ? presigned[index] : mode === 'sign-and-verify' ? await issuer.issue({ audience: 'bj-hospital', ttlSeconds: 60 }) : undefined;
      const headers = token ? { authorization: `Bearer ${token}` } : {};
      const response = await request(`${url}/echo`, { dispatcher: agent, headers });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`unexpected ${response.statusCode}`);
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  };
  const began = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  await agent.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

await run(plain.url, 'none'); // warm-up: TLS sessions, JIT
await run(tokened.url, 'sign-and-verify');
const baseline = await run(plain.url, 'none');
const withTokens = await run(tokened.url, 'sign-and-verify');
const verifyOnly = await run(tokened.url, 'verify');

await Promise.all([plain.close(), tokened.close()]);
pki.cleanup();

const fmt = (n: number) => n.toFixed(2);
console.log(`config: ${REQUESTS} requests, concurrency ${CONCURRENCY}, ${KEYS}, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
console.log('| case | req/s | p50 ms | p99 ms |');
console.log('|---|---|---|---|');
console.log(`| mutual TLS only (baseline) | ${fmt(baseline.rps)} | ${fmt(baseline.p50)} | ${fmt(baseline.p99)} |`);
console.log(`| mutual TLS + token signed by the client and verified by the server, per request | ${fmt(withTokens.rps)} | ${fmt(withTokens.p50)} | ${fmt(withTokens.p99)} |`);
console.log(`| mutual TLS + pre-signed token verified by the server (server cost alone) | ${fmt(verifyOnly.rps)} | ${fmt(verifyOnly.p50)} | ${fmt(verifyOnly.p99)} |`);
console.log(JSON.stringify({ bench: 'tokens', baseline_rps: Math.round(baseline.rps), tokens_rps: Math.round(withTokens.rps), ratio: Number((withTokens.rps / baseline.rps).toFixed(3)), verify_only_rps: Math.round(verifyOnly.rps), verify_only_ratio: Number((verifyOnly.rps / baseline.rps).toFixed(3)), added_ms_p50: Number((withTokens.p50 - baseline.p50).toFixed(3)) }));
