import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { TestPki } from './pki.ts';
import { KOUAN } from './cli.ts';
import { freePort } from './ports.ts';

export { freePort };


export interface KouanProcess {
  child: ChildProcess;
  /** The one JSON line the command printed once it was listening (e.g. its participant id and URLs). */
  banner: Record<string, unknown>;
  /** The last lines it wrote to stdout (its JSON log), for failure messages. */
  tail(): string;
  /** Sends `signal` (default SIGTERM) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a long-lived `kouan` command (`registry start`, `connector start`) as its own OS process through the real
 * CLI, and resolves once it printed its start-up line: the JSON object naming `readyKey` (log lines have a `level`).
 */
export function startKouanProcess(args: string[], options: { readyKey: string; label: string; env?: NodeJS.ProcessEnv }): Promise<KouanProcess> {
  const child = spawn(process.execPath, [KOUAN, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env } });
  const lines: string[] = [];
  const tail = () => lines.slice(-40).join('\n');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let partial = '';
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) {
        lines.push(line);
        if (lines.length > 400) lines.shift();
        if (ready) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        if (parsed && typeof parsed === 'object' && options.readyKey in parsed && !('level' in parsed)) {
          ready = true;
          resolve({
            child,
            banner: parsed as Record<string, unknown>,
            tail,
            async stop(signal = 'SIGTERM') {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    void exited.then(({ code, signal }) => {
      if (!ready) reject(new Error(`${options.label} exited (${code ?? signal}) before listening:\n${tail()}`));
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

const processPeers = new WeakMap<TestPki, Array<{ participantId: string; dspUrl: string }>>();

/** A connector run as its own OS process through the real `kouan connector start`, restartable on the same ports and state. */
export async function connectorProcess(pki: TestPki, participantId: string, country: string, extra: Record<string, unknown> = {}): Promise<ConnectorProcess> {
  const credentials = pki.issue(participantId, country);
  const dir = mkdtempSync(join(tmpdir(), `kouan-proc-${participantId}-`));
  const [dspPort, managementPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const apiKey = `process-key-${participantId}-0123456789`;
  const configFile = join(dir, 'connector.json');
  const dspUrl = `https://127.0.0.1:${dspPort}/dsp/2025-1`;
  // The connectors of one data space know each other as static peers (written again at each start, when all are known).
  const peers = processPeers.get(pki) ?? [];
  processPeers.set(pki, [...peers, { participantId, dspUrl }]);
  const writeConfig = () => writeFileSync(configFile, JSON.stringify({
    stateDir: join(dir, 'state'),
    dsp: { listen: { host: '127.0.0.1', port: dspPort } },
    management: { listen: { host: '127.0.0.1', port: managementPort }, apiKey },
    gateway: { listen: { host: '127.0.0.1', port: gatewayPort } },
    metrics: { enabled: false },
    manager: { intervalMs: 20, leaseMs: 500, maxAttempts: 12 },
    tls: { ca: pki.caPath, crl: pki.crlPath, cert: credentials.cert, key: credentials.key },
    log: { level: process.env.KOUAN_TEST_LOG ?? 'warn' },
    peers: (processPeers.get(pki) ?? []).filter((p) => p.participantId !== participantId),
    ...extra,
  }));
  writeConfig();
  const proc: ConnectorProcess = {
    participantId,
    configFile,
    dspUrl,
    managementUrl: `http://127.0.0.1:${managementPort}/management/v1`,
    apiKey,
    child: null,
    async start() {
      writeConfig();
      proc.child = (await startKouanProcess(['connector', 'start', '--config', configFile], { readyKey: 'management', label: participantId })).child;
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
