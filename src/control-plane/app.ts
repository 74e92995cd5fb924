/**
 * Builds the connector's two fastify apps, not listening: the DSP endpoint behind
 * mutual TLS (or, in the conformance profile only, the kit's static credential) and the management API.
 */
import type { ServerOptions } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { errorResponses } from '../http/errors.ts';
import { strictJson } from '../http/validation.ts';
import { mtlsServerOptions, mutualTls } from '../http/mtls.ts';
import { staticAuthentication, type StaticAuthOptions } from '../http/static-auth.ts';
import type { TrustStore } from '../trust/trust-store.ts';
import { CatalogService } from './catalog.ts';
import type { ControlPlaneDeps } from './deps.ts';
import { DSP_PATH, DSP_VERSION } from './dsp/jsonld.ts';
import { dspRoutes } from './dsp/routes.ts';
import type { Initiator } from './initiator.ts';
import { managementRoutes } from './management/routes.ts';
import { NegotiationProtocol } from './negotiation/protocol.ts';
import { TransferProtocol } from './transfer/protocol.ts';

export type DspAuth = { kind: 'mtls'; trust: TrustStore; skewSeconds: number } | ({ kind: 'static' } & StaticAuthOptions);

const BODY_LIMIT = 1024 * 1024;

export async function buildDspApp(deps: ControlPlaneDeps, auth: DspAuth, nudge: () => void, logger: Logger): Promise<FastifyInstance> {
  const https: ServerOptions | null = auth.kind === 'mtls' ? mtlsServerOptions(auth.trust) : null;
  const app = (https ? Fastify({ https, loggerInstance: logger, bodyLimit: BODY_LIMIT }) : Fastify({ loggerInstance: logger, bodyLimit: BODY_LIMIT })) as unknown as FastifyInstance;
  await app.register(errorResponses);
  await app.register(strictJson);
  if (auth.kind === 'mtls') await app.register(mutualTls, { trust: auth.trust, clock: deps.clock, requireTokens: true, skewSeconds: auth.skewSeconds });
  else await app.register(staticAuthentication, auth);
  app.get('/.well-known/dspace-version', { config: { public: true } }, async () => ({
    protocolVersions: [{ version: DSP_VERSION, path: DSP_PATH, binding: 'HTTPS', identifierType: 'urn:kouan:participant' }],
  }));
  await app.register(dspRoutes, {
    prefix: DSP_PATH,
    catalog: new CatalogService(deps),
    negotiations: new NegotiationProtocol(deps),
    transfers: new TransferProtocol(deps),
    nudge,
  });
  return app;
}

export async function buildManagementApp(deps: ControlPlaneDeps, initiator: Initiator, apiKey: string, nudge: () => void, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger, bodyLimit: BODY_LIMIT }) as unknown as FastifyInstance;
  await app.register(strictJson);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Kouan connector management API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(errorResponses);
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  await app.register(managementRoutes, { prefix: '/management/v1', deps, initiator, apiKey, nudge });
  return app;
}
