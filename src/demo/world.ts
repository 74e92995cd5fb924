/**
 * The demo data space on loopback: a data-space CA, the registry (operator and CA), and five connectors
 * (a Beijing hospital, a German pharma firm, an annotation vendor in the Beijing FTZ, a Singapore AI lab, and a
 * lab whose certificate the operator revoked). Everything lives under one state folder; a second start reuses it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { request } from 'undici';
import { systemClock } from '../core/clock.ts';
import { parseConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { StaticPeerDirectory } from '../control-plane/callbacks.ts';
import { ConnectorConfigSchema } from '../main/connector-config.ts';
import { startConnector, type RunningConnector } from '../main/connector.ts';
import { RegistryConfigSchema } from '../main/registry-config.ts';
import { startRegistry, type RunningRegistry } from '../main/registry.ts';
import { CaDirectory } from '../trust/pki/ca-dir.ts';
import { initCa, issueCertificate, writeIssued } from '../trust/pki/ca.ts';
import { revoke } from '../trust/pki/crl.ts';

export interface Participant {
  id: string;
  legalName: string;
  country: string;
  ftz: string | null;
}

export const PARTICIPANTS = {
  registry: { id: 'data-port', legalName: 'Beijing International Data Port (operator)', country: 'CN', ftz: null },
  hospital: { id: 'bj-hospital', legalName: 'Beijing Union Teaching Hospital', country: 'CN', ftz: null },
  pharma: { id: 'pharma-de', legalName: 'Rheinland Pharma GmbH', country: 'DE', ftz: null },
  vendor: { id: 'annotate-bj', legalName: 'Zhongguancun Annotation Co. (Beijing FTZ)', country: 'CN', ftz: 'CN-BJ-FTZ' },
  lab: { id: 'ai-lab-sg', legalName: 'Lion City AI Lab Pte. Ltd.', country: 'SG', ftz: null },
  rogue: { id: 'revoked-lab', legalName: 'Revoked Analytics Ltd.', country: 'US', ftz: null },
} as const satisfies Record<string, Participant>;

export type Role = keyof typeof PARTICIPANTS;

export interface Api {
  <T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export interface World {
  state: string;
  registry: RunningRegistry;
  operator: Api;
  connectors: Record<Exclude<Role, 'registry'>, RunningConnector & { api: Api }>;
  revoke(role: Role): Promise<void>;
  connectorTls(role: Exclude<Role, 'registry'>): { ca: string; crl: string; cert: string; key: string };
  stop(): Promise<void>;
}

function api(base: string, key: string, header: string): Api {
  return async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => {
    const r = await request(`${base}${path}`, { method, headers: { [header]: key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? null : JSON.stringify(body) });
    const text = await r.body.text();
    return { status: r.statusCode, body: (text ? JSON.parse(text) : null) as T };
  };
}

/** Creates (or reuses) the CA and a certificate per participant. */
async function ensurePki(state: string): Promise<string> {
  const dir = join(state, 'ca');
  if (!new CaDirectory(dir).exists()) await initCa({ dir, clock: systemClock, name: 'Kouan demo data-space CA' });
  for (const p of Object.values(PARTICIPANTS)) {
    const prefix = join(state, 'certs', p.id);
    if (existsSync(`${prefix}.crt`)) continue;
    mkdirSync(join(state, 'certs'), { recursive: true });
    writeIssued(prefix, issueCertificate({ dir, participantId: p.id, country: p.country, organization: p.legalName, dns: ['localhost'], ips: ['127.0.0.1'], clock: systemClock }));
  }
  return dir;
}

export async function startWorld(state: string, log: (line: string) => void): Promise<World> {
  mkdirSync(join(state, 'logs'), { recursive: true });
  const caDir = await ensurePki(state);
  const tls = (id: string) => ({ ca: join(caDir, 'ca.crt'), crl: join(caDir, 'ca.crl'), cert: join(state, 'certs', `${id}.crt`), key: join(state, 'certs', `${id}.key`), crlPollMs: 200 });
  const fileLogger = (name: string): Logger => createLogger({ level: 'info', name }, pino.destination({ dest: join(state, 'logs', `${name}.log`), sync: false }));
  const any = { host: '127.0.0.1', port: 0 };

  const registry = await startRegistry(
    parseConfig(RegistryConfigSchema, { stateDir: join(state, 'registry'), tls: tls(PARTICIPANTS.registry.id), intake: { listen: any }, operator: { listen: { host: '127.0.0.1', port: Number(process.env.KOUAN_DEMO_OPERATOR_PORT ?? 7070) } } }),
    { logger: fileLogger('registry') },
  );
  log(`registry (data-port operator) up: intake ${registry.intakeUrl}, operator ${registry.operatorUrl}`);
  const operator = api(registry.operatorUrl, registry.apiKey, 'x-api-key');
  for (const p of Object.values(PARTICIPANTS)) {
    if (p.id === PARTICIPANTS.registry.id) continue;
    const known = await operator('GET', `/participants/${p.id}`);
    if (known.status === 200) continue;
    const r = await operator('POST', '/participants', { id: p.id, legalName: p.legalName, country: p.country, ciio: false, ftz: p.ftz, certificatePem: readFileSync(tls(p.id).cert, 'utf8') });
    if (r.status !== 201) throw new Error(`registering ${p.id} failed: ${JSON.stringify(r.body)}`);
  }

  const connectors = {} as World['connectors'];
  // The demo's connectors come up on ports chosen at start and know each other as static peers: a provider calls a
  // consumer back only at the DSP endpoint known for its participant.
  const peers = new StaticPeerDirectory();
  for (const role of ['hospital', 'pharma', 'vendor', 'lab', 'rogue'] as const) {
    const p = PARTICIPANTS[role];
    const config = parseConfig(ConnectorConfigSchema, {
      stateDir: join(state, 'connectors', p.id),
      exporter: { ciio: false, ftz: p.ftz },
      dsp: { listen: any }, management: { listen: any }, gateway: { listen: any }, metrics: { enabled: false },
      registry: { participantId: PARTICIPANTS.registry.id, url: registry.intakeUrl, deliveryIntervalMs: 100, backoffMaxMs: 2000 },
      manager: { intervalMs: 50 },
      tls: tls(p.id),
    });
    const running = await startConnector(config, { logger: fileLogger(p.id), peers });
    peers.set(p.id, running.dspUrl);
    connectors[role] = { ...running, api: api(running.managementUrl, running.apiKey, 'x-api-key') };
    log(`connector ${p.id} (${p.country}${p.ftz ? `, ${p.ftz}` : ''}) up: DSP ${running.dspUrl}`);
  }

  return {
    state,
    registry,
    operator,
    connectors,
    connectorTls: (role) => tls(PARTICIPANTS[role].id),
    async revoke(role) {
      await revoke(caDir, { participantId: PARTICIPANTS[role].id }, systemClock);
    },
    async stop() {
      for (const c of Object.values(connectors)) await c.stop();
      await registry.stop();
    },
  };
}
