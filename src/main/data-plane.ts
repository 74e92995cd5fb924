/** Wires the data plane of a connector: gateway, metrics endpoint, records and their delivery to the registry. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { KouanError } from '../core/errors.ts';
import { KeyedLock } from '../core/keyed-lock.ts';
import { buildGatewayApp } from '../data-plane/gateway.ts';
import { gatewayMetrics } from '../data-plane/metrics.ts';
import { RecordKeys } from '../data-plane/obligations.ts';
import { followTrust } from '../http/mtls.ts';
import type { PolicyEngine } from '../policy/engine.ts';
import { OutboxDelivery, type RecordSender } from '../records/delivery.ts';
import type { RecordEmitter } from '../records/emitter.ts';
import type { ControlPlaneStores, DataPlaneStores } from '../storage/ports.ts';
import type { PeerClient } from '../trust/client.ts';
import type { TrustStore } from '../trust/trust-store.ts';

export interface DataPlaneSettings {
  stateDir: string;
  gateway: { host: string; port: number };
  metrics: { host: string; port: number } | null;
  /** The registry's intake: participant id and base URL; null keeps records in the outbox until one is configured. */
  registry: { participantId: string; url: string } | null;
  delivery?: { intervalMs?: number; leaseMs?: number; backoffMaxMs?: number };
}

export interface RunningDataPlane {
  gatewayUrl: string;
  metricsUrl: string | null;
  records: RecordEmitter;
  delivery: OutboxDelivery | null;
  stop(): Promise<void>;
}

/** The secret behind subject hashes and pseudonyms: generated once, kept in the state folder (0600), never logged. */
export function dataPlaneSecret(stateDir: string): Buffer {
  const file = join(stateDir, 'data-plane-secret');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('base64url')}\n`, { mode: 0o600 });
  return secret;
}

/**
 * Sends records to the registry intake over mutual TLS in one request; the registry answers with a signed receipt for
 * each. A batch larger than the registry's body limit is sent in halves.
 */
export function registrySender(peers: PeerClient, registry: { participantId: string; url: string }): RecordSender {
  const send: RecordSender = async (records) => {
    const r = await peers.request<{ receipts?: Array<Record<string, unknown>>; details?: { index?: unknown } }>({ participantId: registry.participantId, baseUrl: registry.url }, {
      method: 'POST', path: 'intake/v1/batches', body: { records: records.map((record) => ({ id: record.id, kind: record.kind, record: record.record, signature: record.signature })) },
    });
    if (r.status === 413 && records.length > 1) {
      const half = Math.ceil(records.length / 2);
      const first = await send(records.slice(0, half));
      try {
        return [...first, ...(await send(records.slice(half)))];
      } catch (error) {
        const index = (error as { index?: unknown }).index;
        throw typeof index === 'number' ? Object.assign(error as Error, { index: index + half }) : error;
      }
    }
    if (r.status !== 200 || !Array.isArray(r.body.receipts)) {
      const refused = new KouanError('DSP_COUNTERPARTY_REFUSED', `registry answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      throw Object.assign(refused, { index: r.status >= 400 && r.status < 500 ? r.body.details?.index : undefined });
    }
    return r.body.receipts;
  };
  return send;
}

export async function startDataPlane(args: {
  settings: DataPlaneSettings;
  trust: TrustStore;
  clock: Clock;
  log: Logger;
  policy: PolicyEngine;
  stores: ControlPlaneStores & DataPlaneStores;
  peers: PeerClient;
  exporter: () => Promise<{ id: string; ciio: boolean }>;
  /** The connector's one record emitter (the control plane emits filing and negotiation denial records too). */
  records: RecordEmitter;
}): Promise<RunningDataPlane> {
  const { settings, trust, clock, log, stores, records } = args;
  const metrics = gatewayMetrics(() => stores.outbox.backlog());
  const gateway = await buildGatewayApp({
    trust, clock, log, policy: args.policy, stores, records, metrics,
    keys: new RecordKeys(dataPlaneSecret(settings.stateDir)),
    lock: new KeyedLock(),
    exporter: args.exporter,
  });
  await gateway.listen(settings.gateway);
  followTrust(gateway.server as never, trust);

  let metricsApp: FastifyInstance | null = null;
  if (settings.metrics) {
    const app = Fastify({ logger: false });
    app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));
    await app.listen(settings.metrics);
    metricsApp = app;
  }

  const delivery = settings.registry ? new OutboxDelivery(stores.outbox, registrySender(args.peers, settings.registry), clock, log, settings.delivery) : null;
  if (delivery) {
    records.onEnqueued = () => delivery.nudge();
    delivery.start();
  }
  const address = (app: FastifyInstance, scheme: string, host: string) => `${scheme}://${host}:${(app.server.address() as AddressInfo).port}`;
  return {
    gatewayUrl: address(gateway, 'https', settings.gateway.host),
    metricsUrl: metricsApp ? `${address(metricsApp, 'http', settings.metrics!.host)}/metrics` : null,
    records,
    delivery,
    async stop() {
      await delivery?.stop();
      await Promise.all([gateway.close(), metricsApp?.close()]);
    },
  };
}
