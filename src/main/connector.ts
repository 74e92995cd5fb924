/** Wires a connector: config → identity and trust → stores → services → listening apps and state machines. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../core/clock.ts';
import { createLogger } from '../core/logger.ts';
import { buildDspApp, buildManagementApp } from '../control-plane/app.ts';
import { directories, StaticPeerDirectory, type PeerDirectory } from '../control-plane/callbacks.ts';
import type { ControlPlaneDeps } from '../control-plane/deps.ts';
import { MtlsDispatcher, PlainHttpDispatcher } from '../control-plane/dispatcher.ts';
import { conformanceScript, setUpConformance } from '../control-plane/conformance/index.ts';
import { DSP_PATH } from '../control-plane/dsp/jsonld.ts';
import { Initiator } from '../control-plane/initiator.ts';
import { StateMachineManager } from '../control-plane/manager.ts';
import type { ContractNegotiation, NegotiationState, TransferProcess, TransferState } from '../control-plane/model.ts';
import { negotiationProcessors } from '../control-plane/negotiation/processors.ts';
import { negotiationTransitions, transferTransitions, transition } from '../control-plane/states.ts';
import { transferProcessors } from '../control-plane/transfer/processors.ts';
import { followTrust } from '../http/mtls.ts';
import { PolicyEngine } from '../policy/engine.ts';
import { openPostgresStores } from '../storage/postgres/index.ts';
import { openSqliteStores } from '../storage/sqlite/index.ts';
import type { Stores } from '../storage/ports.ts';
import { beijingYear } from '../data-plane/inputs.ts';
import { startDataPlane, type RunningDataPlane } from './data-plane.ts';
import { RecordEmitter } from '../records/emitter.ts';
import { ExporterProfileSource, registryProfile } from './exporter-profile.ts';
import { connectorHealth } from './health.ts';
import { RegistryPeerDirectory } from './registry-directory.ts';
import { PolicyDataSource, registryPolicyData } from './policy-data.ts';
import { PeerClient } from '../trust/client.ts';
import type { LocalIdentity } from '../trust/identity.ts';
import { TokenIssuer } from '../trust/tokens.ts';
import { TrustStore } from '../trust/trust-store.ts';
import type { ConnectorConfig } from './connector-config.ts';

export interface RunningConnector {
  participantId: string;
  dspUrl: string;
  managementUrl: string;
  apiKey: string;
  stores: Stores;
  /** The gateway's public URL (production profile). */
  gatewayUrl: string | null;
  metricsUrl: string | null;
  log: Logger;
  stop(): Promise<void>;
}

/** The management API key: from config, or generated once into the state folder (0600). */
function managementKey(config: ConnectorConfig): string {
  if (config.management.apiKey) return config.management.apiKey;
  const file = join(config.stateDir, 'management-api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** In the conformance profile the kit cannot check certificates; agreements are signed with a key of this run. */
function conformanceIdentity(config: ConnectorConfig): LocalIdentity {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { participantId: config.conformance.selfId, country: 'CN', certThumbprint: '', serial: '', certPem: '', certDer: Buffer.alloc(0), key: privateKey };
}

export interface ConnectorOptions {
  clock?: Clock;
  logger?: Logger;
  /** Peers known besides the configured ones (connectors started together on one machine, as the demo does). */
  peers?: PeerDirectory;
}

export async function startConnector(config: ConnectorConfig, options: ConnectorOptions = {}): Promise<RunningConnector> {
  const clock = options.clock ?? systemClock;
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const conformance = config.profile === 'conformance';
  // The CRL in force is kept in the state folder: after a restart an older CRL file does not replace it.
  const trust = conformance ? null : await TrustStore.load({ ...config.tls, crlKept: join(config.stateDir, 'crl-in-force.pem') });
  const self = trust ? trust.identity : conformanceIdentity(config);
  const log = (options.logger ?? createLogger({ level: config.log.level, name: 'connector' })).child({ participant: self.participantId });
  if (conformance) log.warn('CONFORMANCE PROFILE: plain HTTP and a static credential on the DSP endpoint; never use it in production');
  trust?.watch(config.tls.crlPollMs, log);

  const stores = config.storage.postgresUrl
    ? await openPostgresStores(config.storage.postgresUrl, { schema: config.storage.postgresSchema })
    : openSqliteStores(join(config.stateDir, 'connector.db'));
  const peers = trust ? new PeerClient(trust, new TokenIssuer(trust.identity, clock), config.tokens.requestTtlSeconds) : null;
  const records = trust ? new RecordEmitter(trust.identity, stores.outbox, clock, log) : null;
  const registryAt = config.registry.participantId && config.registry.url ? { participantId: config.registry.participantId, url: config.registry.url } : null;
  const exporter = new ExporterProfileSource({
    id: self.participantId,
    configured: { ...config.exporter },
    fetch: peers && registryAt ? registryProfile(peers, registryAt) : null,
    clock,
    log,
  });
  const policy = PolicyEngine.load();
  // One engine for the control plane and the data plane, so a new bundle reaches every decision point at once.
  const policyData = trust && peers && registryAt
    ? new PolicyDataSource({ engine: policy, registry: registryAt.participantId, trust, fetch: registryPolicyData(peers, registryAt), file: join(config.stateDir, 'policy-data.json'), clock, log, intervalMs: config.registry.policyDataPollMs })
    : null;
  policyData?.start();
  const deps: ControlPlaneDeps = {
    self,
    stores,
    policy,
    ...(policyData ? { policyData: () => policyData.status() } : {}),
    clock,
    dispatcher: peers ? new MtlsDispatcher(peers) : new PlainHttpDispatcher(config.conformance.authorization),
    log,
    exporter: () => exporter.get(),
    // Distinct persons this exporter has provided this calendar year, as the data plane counted them.
    cumulative: () => stores.usage.cumulative(self.participantId, beijingYear(clock.now())),
    requireSignatures: !conformance,
    records,
    callbackAddress: '',
    // The kit's callback addresses are plain HTTP (docs/tck.md): the callback check belongs to the secured profile.
    peerDirectory: conformance ? null : directories(
      new StaticPeerDirectory(config.peers),
      ...(options.peers ? [options.peers] : []),
      ...(peers && registryAt ? [new RegistryPeerDirectory(peers, registryAt, clock, log)] : []),
    ),
    script: conformance ? conformanceScript() : null,
  };

  const managers: Array<StateMachineManager<string, never>> = [];
  const nudge = () => managers.forEach((m) => m.nudge());
  const dsp = await buildDspApp(deps, trust ? { kind: 'mtls', trust, skewSeconds: config.tokens.skewSeconds } : { kind: 'static', authorization: config.conformance.authorization, peer: { participantId: config.conformance.participantId, country: config.conformance.country } }, nudge, log);
  const initiator = new Initiator(deps);
  const apiKey = managementKey(config);
  const management = await buildManagementApp(deps, initiator, apiKey, nudge, log);
  // Conformance profile only: the kit's seeded datasets and agreements, and its initiate hooks (docs/tck.md).
  if (conformance) await setUpConformance(dsp, { deps, initiator, nudge, kit: config.conformance });

  await dsp.listen(config.dsp.listen);
  if (trust) followTrust(dsp.server as never, trust);
  await management.listen(config.management.listen);
  const dspPort = (dsp.server.address() as AddressInfo).port;
  const scheme = conformance ? 'http' : 'https';
  deps.callbackAddress = config.dsp.publicUrl ?? `${scheme}://${config.dsp.listen.host}:${dspPort}${DSP_PATH}`;
  let dataPlane: RunningDataPlane | null = null;
  if (trust && peers) {
    const { registry } = config;
    dataPlane = await startDataPlane({
      settings: {
        stateDir: config.stateDir,
        gateway: config.gateway.listen,
        metrics: config.metrics.enabled ? config.metrics.listen : null,
        registry: registry.participantId && registry.url ? { participantId: registry.participantId, url: registry.url } : null,
        delivery: { intervalMs: registry.deliveryIntervalMs, backoffMaxMs: registry.backoffMaxMs },
      },
      trust, clock, log, policy: deps.policy, stores, peers,
      exporter: async () => {
        const { id, ciio } = await exporter.get();
        return { id, ciio };
      },
      records: records!,
    });
  }
  if (trust) deps.health = connectorHealth({ trust, clock, outbox: stores.outbox, delivery: dataPlane?.delivery ?? null });
  const gatewayUrl = config.gateway.publicUrl ?? dataPlane?.gatewayUrl ?? `https://${config.gateway.listen.host}:${config.gateway.listen.port}`;

  const giveUp = <S extends string, T extends { id: string; state: S; updatedAt: string; stateCount: number; stateTimestamp: string; reasons: unknown[] }>(
    store: { save(e: T, v: string): Promise<void> },
    table: Record<S, readonly S[]>,
  ) => async (entity: T, error: Error) => {
    const reasons = [{ code: 'DSP_DELIVERY_FAILED', message: error.message.slice(0, 500), basis: 'protocol', effect: 'deny' }];
    await store.save({ ...transition(entity, 'TERMINATED' as S, table, clock), reasons } as T, entity.updatedAt).catch((e: Error) => log.error({ err: e }, 'could not record give-up'));
  };
  const managerOptions = { intervalMs: config.manager.intervalMs, leaseMs: config.manager.leaseMs, maxAttempts: config.manager.maxAttempts };
  const negotiationManager = new StateMachineManager<NegotiationState, ContractNegotiation>({
    name: 'negotiation', store: stores.negotiations, processors: negotiationProcessors(deps), onGiveUp: giveUp(stores.negotiations, negotiationTransitions), clock, log, options: managerOptions,
  });
  const transferManager = new StateMachineManager<TransferState, TransferProcess>({
    name: 'transfer', store: stores.transfers, processors: transferProcessors(deps, { gatewayUrl }), onGiveUp: giveUp(stores.transfers, transferTransitions), clock, log, options: managerOptions,
  });
  managers.push(negotiationManager as never, transferManager as never);
  negotiationManager.start();
  transferManager.start();

  const url = (app: FastifyInstance, s: string) => `${s}://${config.management.listen.host}:${(app.server.address() as AddressInfo).port}`;
  log.info({ dsp: deps.callbackAddress, management: `${url(management, 'http')}/management/v1` }, 'connector listening');
  return {
    participantId: self.participantId,
    dspUrl: deps.callbackAddress,
    managementUrl: `${url(management, 'http')}/management/v1`,
    apiKey,
    stores,
    log,
    gatewayUrl: dataPlane?.gatewayUrl ?? null,
    metricsUrl: dataPlane?.metricsUrl ?? null,
    async stop() {
      await Promise.all(managers.map((m) => m.stop()));
      await policyData?.stop();
      await dataPlane?.stop();
      await Promise.all([dsp.close(), management.close()]);
      await peers?.close();
      trust?.close();
      // Records decided before the servers closed are signed on the thread pool: they reach the outbox first.
      await records?.settled();
      await stores.close();
    },
  };
}
