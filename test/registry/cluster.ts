/**
 * Several registry processes, each started through the real `kouan registry start`, sharing one PostgreSQL
 * database; connectors with real certificates write to them at once. Used by the concurrency test (a smaller
 * run) and by `npm run bench:registry` (8 writers × 5,000 records).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadLocalIdentity } from '../../src/trust/identity.ts';
import { KOUAN } from '../support/cli.ts';
import type { Credentials, TestPki } from '../support/pki.ts';
import { runLoad, type LoadResult } from './load.ts';
import { signed, usageRecord } from './support.ts';

export interface RegistryProcess {
  intakeUrl: string;
  operatorUrl: string;
  apiKey: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `kouan registry start` in a process of its own, on loopback ports it picks, with its own state folder. */
export async function startRegistryProcess(pki: TestPki, credentials: Credentials, storage: Record<string, unknown>, ledger: Record<string, unknown> = {}): Promise<RegistryProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'kouan-registry-proc-'));
  const apiKey = `registry-process-key-${Math.random().toString(36).slice(2)}`;
  const configFile = join(dir, 'registry.json');
  writeFileSync(configFile, JSON.stringify({
    stateDir: join(dir, 'state'),
    storage,
    ledger,
    intake: { listen: { host: '127.0.0.1', port: 0 } },
    operator: { listen: { host: '127.0.0.1', port: 0 }, apiKey },
    tls: { ca: pki.caPath, crl: pki.crlPath, cert: credentials.cert, key: credentials.key },
    log: { level: process.env.KOUAN_TEST_LOG ?? 'warn' },
  }));
  const child = spawn(process.execPath, [KOUAN, 'registry', 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<{ intake: string; operator: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"intake"'));
      if (line) resolve(JSON.parse(line) as { intake: string; operator: string });
    });
    child.once('exit', (code) => reject(new Error(`kouan registry start exited with ${code}: ${out}`)));
  });
  return {
    intakeUrl: started.intake,
    operatorUrl: started.operator,
    apiKey,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function operatorCall(registry: RegistryProcess, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const r = await request(`${registry.operatorUrl}${path}`, {
    method,
    headers: { 'x-api-key': registry.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: r.statusCode, body: await r.body.json() };
}

export interface ConcurrentIngest {
  registries: RegistryProcess[];
  /** The certificate and key every registry process presents. */
  registryCredentials: Credentials;
  writers: Array<{ id: string; credentials: Credentials }>;
  load: LoadResult;
  /** Seconds spent signing the records before the clock started (the connectors' cost). */
  signSeconds: number;
  stop(): Promise<void>;
}

/**
 * Starts `processes` registries on one PostgreSQL schema, registers `writers` connectors and has each send
 * `perWriter` pre-signed records over mutual TLS, writer i to registry i mod processes, all at once.
 */
export async function concurrentIngest(pki: TestPki, options: { url: string; schema: string; processes: number; writers: number; perWriter: number; connections: number }): Promise<ConcurrentIngest> {
  const registryCredentials = pki.issue('data-port-registry', 'CN');
  const storage = { postgresUrl: options.url, postgresSchema: options.schema, poolSize: 8 };
  const registries: RegistryProcess[] = [];
  try {
    for (let i = 0; i < options.processes; i += 1) registries.push(await startRegistryProcess(pki, registryCredentials, storage));
    const writers = Array.from({ length: options.writers }, (_, i) => ({ id: `writer-${i}`, credentials: pki.issue(`writer-${i}`, 'CN') }));
    for (const w of writers) {
      const r = await operatorCall(registries[0]!, 'POST', '/participants', { id: w.id, legalName: `${w.id} Ltd.`, country: 'CN', certificatePem: readFileSync(w.credentials.cert, 'utf8') });
      if (r.status !== 201) throw new Error(`registering ${w.id}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const began = performance.now();
    const bodies: string[][] = [];
    for (const w of writers) {
      const identity = loadLocalIdentity(w.credentials.cert, w.credentials.key);
      const mine: string[] = [];
      for (let i = 0; i < options.perWriter; i += 1) mine.push(JSON.stringify(await signed(usageRecord(w.id), identity)));
      bodies.push(mine);
    }
    const signSeconds = (performance.now() - began) / 1000;
    const load = await runLoad({
      ca: pki.caPem,
      connections: options.connections,
      keepBodies: true,
      writers: writers.map((w, i) => ({ ...pki.pem(w.credentials), url: registries[i % registries.length]!.intakeUrl, bodies: bodies[i]! })),
    });
    return { registries, registryCredentials, writers, load, signSeconds, stop: () => Promise.all(registries.map((r) => r.stop())).then(() => undefined) };
  } catch (error) {
    await Promise.all(registries.map((r) => r.stop()));
    throw error;
  }
}
