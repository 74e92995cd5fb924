/**
 * One provider run as several `kouan connector start` processes: the same certificate, state folder, API key and
 * PostgreSQL schema, each on its own ports. A consumer may pull through any of their gateways at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { TestPki } from '../../support/pki.ts';
import { freePort, startKouanProcess, type KouanProcess } from '../../support/processes.ts';

export interface ProviderProcess {
  dspUrl: string;
  managementUrl: string;
  /** The gateway's origin (https://127.0.0.1:port). */
  gateway: string;
  process: KouanProcess;
}

export interface ProviderProcesses {
  participantId: string;
  instances: ProviderProcess[];
  api<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startProviderProcesses(pki: TestPki, participantId: string, count: number, shared: Record<string, unknown>): Promise<ProviderProcesses> {
  const credentials = pki.issue(participantId, 'CN');
  const dir = mkdtempSync(join(tmpdir(), `kouan-adv-${participantId}-`));
  const apiKey = `process-key-${participantId}-0123456789`;
  const instances: ProviderProcess[] = [];
  try {
    // One after the other: the first generates the state folder's secrets, the others read them.
    for (let i = 0; i < count; i++) {
      const [dsp, management, gateway] = [await freePort(), await freePort(), await freePort()];
      const configFile = join(dir, `connector-${i}.json`);
      writeFileSync(configFile, JSON.stringify({
        stateDir: join(dir, 'state'),
        dsp: { listen: { host: '127.0.0.1', port: dsp } },
        management: { listen: { host: '127.0.0.1', port: management }, apiKey },
        gateway: { listen: { host: '127.0.0.1', port: gateway } },
        metrics: { enabled: false },
        manager: { intervalMs: 20, leaseMs: 500, maxAttempts: 12 },
        tls: { ca: pki.caPath, crl: pki.crlPath, cert: credentials.cert, key: credentials.key, crlPollMs: 100 },
        log: { level: process.env.KOUAN_TEST_LOG ?? 'warn' },
        ...shared,
      }));
      const started = await startKouanProcess(['connector', 'start', '--config', configFile], { readyKey: 'management', label: `${participantId}#${i}` });
      instances.push({
        dspUrl: `https://127.0.0.1:${dsp}/dsp/2025-1`,
        managementUrl: `http://127.0.0.1:${management}/management/v1`,
        gateway: `https://127.0.0.1:${gateway}`,
        process: started,
      });
    }
  } catch (error) {
    await Promise.all(instances.map((p) => p.process.stop()));
    throw error;
  }
  return {
    participantId,
    instances,
    async api<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
      const r = await request(`${instances[0]!.managementUrl}${path}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
    },
    async stop() {
      await Promise.all(instances.map((p) => p.process.stop()));
    },
  };
}
