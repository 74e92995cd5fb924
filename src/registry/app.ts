/**
 * Builds the registry's two fastify apps, not listening: the mutual-TLS endpoint for
 * connectors (record intake, their own participant record, ledger keys and checkpoints) and the operator API with
 * its dashboard page.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { apiKeyAuthentication } from '../http/api-key.ts';
import { errorResponses } from '../http/errors.ts';
import { mtlsServerOptions, mutualTls } from '../http/mtls.ts';
import { jsonBodies } from '../http/validation.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import type { RegistryDeps } from './deps.ts';
import type { RecordTimeBounds } from './intake/records.ts';
import { intakeRoutes } from './intake/routes.ts';
import { operatorRoutes } from './operator/routes.ts';
import { supervisionRoutes } from './operator/supervision.ts';

export interface RegistryAppOptions {
  /** Clock skew tolerated in request tokens, in seconds. */
  skewSeconds: number;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** How far a record's own time may stand from the registry's clock (the intake's defaults when absent). */
  recordTime?: RecordTimeBounds;
}

// Validate only: a record is signed as sent, so nothing may be coerced, defaulted or dropped on the way in.
const ajv = { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } } as const;

export async function buildRegistryApp(deps: RegistryDeps, options: RegistryAppOptions): Promise<FastifyInstance> {
  // Thousands of records a second: no log line per request; refusals are still logged by the error handler.
  const logController = new LogController({ disableRequestLogging: true });
  const app = Fastify({ https: mtlsServerOptions(deps.trust), loggerInstance: deps.log, logController, bodyLimit: options.bodyLimit, ajv }) as unknown as FastifyInstance;
  await app.register(errorResponses);
  await app.register(mutualTls, { trust: deps.trust, clock: deps.clock, requireTokens: true, skewSeconds: options.skewSeconds });
  await app.register(jsonBodies);
  await app.register(intakeRoutes, { ...deps, ...(options.recordTime ? { recordTime: options.recordTime } : {}) });
  return app;
}

export async function buildOperatorApp(deps: RegistryDeps, apiKey: string): Promise<FastifyInstance> {
  // Query strings are text: numbers are read as numbers and missing paging keys take their defaults.
  const app = Fastify({ loggerInstance: deps.log, ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } } }) as unknown as FastifyInstance;
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Kouan data-port registry operator API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(errorResponses);
  await app.register(jsonBodies);
  await app.register(apiKeyAuthentication, { apiKey, code: 'REGISTRY_OPERATOR_UNAUTHORIZED' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  await app.register(operatorRoutes, { prefix: '/operator/v1', ...deps });
  await app.register(supervisionRoutes, { prefix: '/operator/v1', ...deps });
  await app.register(dashboardRoutes);
  return app;
}
