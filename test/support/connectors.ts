import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { StaticPeerDirectory } from '../../src/control-plane/callbacks.ts';
import { parseConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { ConnectorConfigSchema, type ConnectorConfig } from '../../src/main/connector-config.ts';
import { startConnector, type RunningConnector } from '../../src/main/connector.ts';
import type { TestPki } from './pki.ts';

export interface TestConnector extends RunningConnector {
  config: ConnectorConfig;
  api<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/**
 * A real connector on loopback: its own certificate from the test CA, SQLite in a temporary folder. It knows the
 * other test connectors of its CA as static peers unless `staticPeers` is false (then only its configuration and
 * the registry's directory say where a counterparty is).
 */
export async function startTestConnector(pki: TestPki, participantId: string, country: string, overrides: Record<string, unknown> = {}, { staticPeers = true } = {}): Promise<TestConnector> {
  const credentials = pki.issue(participantId, country);
  return start(participantId, { tls: { ...pki.paths({ cert: credentials.cert, key: credentials.key }), crlPollMs: 100 }, ...overrides }, staticPeers);
}

/** A real connector in the conformance profile (plain HTTP, the kit's static credential, seeded ids, scripts). */
export async function startConformanceConnector(overrides: Record<string, unknown> = {}): Promise<TestConnector> {
  return start('kouan-tck', { profile: 'conformance', ...overrides });
}

async function start(participantId: string, overrides: Record<string, unknown>, staticPeers = true): Promise<TestConnector> {
  const config = parseConfig(ConnectorConfigSchema, {
    stateDir: mkdtempSync(join(tmpdir(), `kouan-${participantId}-`)),
    dsp: { listen: { host: '127.0.0.1', port: 0 } },
    management: { listen: { host: '127.0.0.1', port: 0 }, apiKey: `test-key-${participantId}-0123456789` },
    gateway: { listen: { host: '127.0.0.1', port: 0 } },
    metrics: { enabled: false },
    manager: { intervalMs: 20, leaseMs: 1000, maxAttempts: 5 },
    log: { level: process.env.KOUAN_TEST_LOG ?? 'silent' },
    ...overrides,
  });
  return restartTestConnector(config, participantId, staticPeers);
}

/**
 * The test connectors of one data space (one CA) know each other as static peers: a provider calls a consumer back
 * only at the endpoint known for its participant (src/control-plane/callbacks.ts), and ports are chosen at start.
 */
const peersByCa = new Map<string, StaticPeerDirectory>();
const peersOf = (config: ConnectorConfig): StaticPeerDirectory => {
  let peers = peersByCa.get(config.tls.ca);
  if (!peers) peersByCa.set(config.tls.ca, (peers = new StaticPeerDirectory()));
  return peers;
};

/** Starts a connector from an existing config (same state folder and identity), e.g. after stopping it. */
export async function restartTestConnector(config: ConnectorConfig, name = 'connector', staticPeers = true): Promise<TestConnector> {
  const peers = staticPeers ? peersOf(config) : null;
  const connector = await startConnector(config, { logger: createLogger({ level: config.log.level, name }), ...(peers ? { peers } : {}) });
  if (peers && config.profile !== 'conformance') peers.set(connector.participantId, connector.dspUrl);
  return {
    ...connector,
    config,
    async api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
      const r = await request(`${connector.managementUrl}${path}`, {
        method,
        headers: { 'x-api-key': connector.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
    },
  };
}
