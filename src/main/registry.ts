/** Wires the data-port registry: config → trust → stores → ledger and participants → apps → listen. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../core/clock.ts';
import { createLogger } from '../core/logger.ts';
import { readOrCreateSecret } from '../core/secret-file.ts';
import { followTrust } from '../http/mtls.ts';
import { buildOperatorApp, buildRegistryApp } from '../registry/app.ts';
import { checkCreditParameters } from '../registry/credit.ts';
import type { RegistryDeps } from '../registry/deps.ts';
import { Checkpointer } from '../registry/ledger/checkpointer.ts';
import { Ledger } from '../registry/ledger/ledger.ts';
import { LedgerSigner } from '../registry/ledger/signer.ts';
import { ParticipantRegistry } from '../registry/participants.ts';
import { PolicyDataPublisher } from '../registry/policy-data.ts';
import { openPostgresRegistryStores } from '../registry/storage/postgres/index.ts';
import type { RegistryStores } from '../registry/storage/ports.ts';
import { openSqliteRegistryStores } from '../registry/storage/sqlite/index.ts';
import { readCertificate } from '../trust/identity.ts';
import { TrustStore } from '../trust/trust-store.ts';
import type { RegistryConfig } from './registry-config.ts';

export interface RunningRegistry {
  participantId: string;
  /** Base URL of the mutual-TLS endpoint (https://host:port). */
  intakeUrl: string;
  /** Base URL of the operator API (http://host:port/operator/v1). */
  operatorUrl: string;
  /** The operator dashboard page (public; it asks for the API key or reads it from the URL fragment). */
  dashboardUrl: string;
  apiKey: string;
  deps: RegistryDeps;
  log: Logger;
  stop(): Promise<void>;
}

export function openRegistryStores(config: RegistryConfig): Promise<RegistryStores> | RegistryStores {
  const { postgresUrl, postgresSchema, poolSize } = config.storage;
  return postgresUrl ? openPostgresRegistryStores(postgresUrl, { schema: postgresSchema, poolSize }) : openSqliteRegistryStores(join(config.stateDir, 'registry.db'));
}

export async function startRegistry(config: RegistryConfig, options: { clock?: Clock; logger?: Logger } = {}): Promise<RunningRegistry> {
  const clock = options.clock ?? systemClock;
  const credit = checkCreditParameters(config.credit);
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  // The CRL in force is kept in the state folder: after a restart an older CRL file does not replace it.
  const trust = await TrustStore.load({ ...config.tls, crlKept: join(config.stateDir, 'crl-in-force.pem') });
  const log = (options.logger ?? createLogger({ level: config.log.level, name: 'registry' })).child({ participant: trust.identity.participantId });
  trust.watch(config.tls.crlPollMs, log);
  const stores = await openRegistryStores(config);
  const apps: FastifyInstance[] = [];
  try {
    const signer = LedgerSigner.fromFile(config.ledger.signingKey ?? join(config.stateDir, 'ledger-signing.key'));
    await stores.ledger.addKey(await signer.bind(trust.identity, clock));
    const ledger = new Ledger(stores.ledger, signer, clock, { checkpointEvery: config.ledger.checkpointEvery, maxBatch: config.ledger.maxBatch });
    // The certificate `kouan ledger verify --state-dir` anchors the checkpoints and receipts to (not the database's copy).
    writeFileSync(join(config.stateDir, 'registry-certificate.pem'), trust.identity.certPem);
    const checkpointer = new Checkpointer(stores.ledger, signer, clock, ledger, { everySeconds: config.ledger.checkpointSeconds, ca: trust.caCertificate, certificate: readCertificate(trust.identity.certPem), log });
    checkpointer.start();
    const deps: RegistryDeps = {
      trust, clock, log, stores, ledger,
      participants: new ParticipantRegistry(stores.participants, trust.caCertificate, clock),
      credit,
      policyData: new PolicyDataPublisher(stores.policyBundles, trust.identity, clock),
    };
    const apiKey = config.operator.apiKey ?? readOrCreateSecret(join(config.stateDir, 'operator-api-key'), () => randomBytes(24).toString('base64url'));
    const intake = await buildRegistryApp(deps, {
      skewSeconds: config.tokens.skewSeconds,
      bodyLimit: config.intake.bodyLimitBytes,
      recordTime: { futureSkewSeconds: config.intake.recordFutureSkewSeconds, maxAgeDays: config.intake.recordMaxAgeDays },
    });
    apps.push(intake);
    const operator = await buildOperatorApp(deps, apiKey);
    apps.push(operator);
    await intake.listen(config.intake.listen);
    followTrust(intake.server as never, trust);
    await operator.listen(config.operator.listen);
    const url = (app: FastifyInstance, scheme: string, host: string) => `${scheme}://${host}:${(app.server.address() as AddressInfo).port}`;
    const operatorBase = url(operator, 'http', config.operator.listen.host);
    const running: RunningRegistry = {
      participantId: trust.identity.participantId,
      intakeUrl: url(intake, 'https', config.intake.listen.host),
      operatorUrl: `${operatorBase}/operator/v1`,
      dashboardUrl: `${operatorBase}/dashboard`,
      apiKey,
      deps,
      log,
      async stop() {
        await Promise.all(apps.map((app) => app.close()));
        await ledger.settled();
        await checkpointer.stop();
        trust.close();
        await stores.close();
      },
    };
    log.info({ intake: running.intakeUrl, operator: running.operatorUrl, dashboard: running.dashboardUrl, ledgerKey: signer.kid, storage: config.storage.postgresUrl ? 'postgresql' : 'sqlite' }, 'registry listening');
    return running;
  } catch (error) {
    await Promise.all(apps.map((app) => app.close()));
    trust.close();
    await stores.close();
    throw error;
  }
}
