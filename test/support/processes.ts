import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { TestPki } from './pki.ts';
import { KOUAN } from './cli.ts';

/** A free TCP port on loopback (so that a restarted process comes back at the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ConnectorProcess {
  participantId: string;
  configFile: string;
  dspUrl: string;
  managementUrl: string;
  apiKey: string;
  child: ChildProcess | null;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  api<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** A connector run as its own OS process through the real `kouan connector start`, restartable on the same ports and state. */
export async function connectorProcess(pki: TestPki, participantId: string, country: string, extra: Record<string, unknown> = {}): Promise<ConnectorProcess> {
  const credentials = pki.issue(participantId, country);
  const dir = mkdtempSync(join(tmpdir(), `kouan-proc-${participantId}-`));
  const [dspPort, managementPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const apiKey = `process-key-${participantId}-0123456789`;
  const configFile = join(dir, 'connector.json');
  writeFileSync(configFile, JSON.stringify({
    stateDir: join(dir, 'state'),
    dsp: { listen: { host: '127.0.0.1', port: dspPort } },
    management: { listen: { host: '127.0.0.1', port: managementPort }, apiKey },
    gateway: { listen: { host: '127.0.0.1', port: gatewayPort } },
    metrics: { enabled: false },
    manager: { intervalMs: 20, leaseMs: 500, maxAttempts: 12 },
    tls: { ca: pki.caPath, crl: pki.crlPath, cert: credentials.cert, key: credentials.key },
    log: { level: process.env.KOUAN_TEST_LOG ?? 'warn' },
    ...extra,
  }));
  const proc: ConnectorProcess = {
    participantId,
    configFile,
    dspUrl: `https://127.0.0.1:${dspPort}/dsp/2025-1`,
    managementUrl: `http://127.0.0.1:${managementPort}/management/v1`,
    apiKey,
    child: null,
    async start() {
      const child = spawn(process.execPath, [KOUAN, 'connector', 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
      proc.child = child;
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('"management"')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`${participantId} exited with ${code} before listening: ${out}`)));
      });
    },
    async kill(signal = 'SIGKILL') {
      const child = proc.child;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
      proc.child = null;
    },
    async api<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
      const r = await request(`${proc.managementUrl}${path}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
    },
  };
  return proc;
}
