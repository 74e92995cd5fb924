/**
 * The data-plane gateway: @fastify/http-proxy behind mutual TLS, as a pipeline of stages, each in its own file:
 * - authorize (./stages/authorize.ts): path, access token bound to the certificate, the transfer and agreement
 *   as stored now, kouan/gateway with the consumer's attested country, the allowed query; the budgets it sets;
 * - backend (./stages/backend.ts): the backend request carries the gateway's headers only, and its answer is
 *   taken only in the asset's declared format, unencoded;
 * - stream (./stages/stream.ts): records transformed, counted and reserved from the shared budgets before they
 *   leave; the stream watched while it runs (./stages/watch.ts) and cut in band when its grant stops holding;
 * - evidence (./stages/evidence.ts): a denial record for each refusal, a usage record for each stream.
 */
import { createPublicKey } from 'node:crypto';
import httpProxy from '@fastify/http-proxy';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { TokenRejectedError } from '../core/errors.ts';
import type { KeyedLock } from '../core/keyed-lock.ts';
import { errorResponses } from '../http/errors.ts';
import { mtlsServerOptions, mutualTls } from '../http/mtls.ts';
import type { Reason } from '../policy/decision.ts';
import type { PolicyEngine } from '../policy/engine.ts';
import type { RecordEmitter } from '../records/emitter.ts';
import type { ControlPlaneStores, DataPlaneStores } from '../storage/ports.ts';
import { AccessTokenVerifier, issueAccessToken, verifyAccessToken, REFRESH_GRACE_SECONDS, type AccessClaims } from '../trust/access-tokens.ts';
import type { TrustStore } from '../trust/trust-store.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { RecordKeys } from './obligations.ts';
import { SubjectMemory } from './subject-memory.ts';
import { authorize, type Grant } from './stages/authorize.ts';
import { backendHeaders } from './stages/backend.ts';
import { Evidence } from './stages/evidence.ts';
import { streamAnswer } from './stages/stream.ts';
import { StreamWatch } from './stages/watch.ts';

export interface GatewayDeps {
  trust: TrustStore;
  clock: Clock;
  log: Logger;
  policy: PolicyEngine;
  stores: ControlPlaneStores & DataPlaneStores;
  records: RecordEmitter;
  keys: RecordKeys;
  lock: KeyedLock;
  exporter: () => Promise<{ id: string; ciio: boolean }>;
  metrics: GatewayMetrics;
  /** How often running streams are looked at (./stages/watch.ts). */
  watchIntervalMs?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    grant: Grant | null;
  }
}

const bearer = (header: string | undefined) => (header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);

export async function buildGatewayApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const { trust, clock, stores, metrics } = deps;
  const self = trust.identity;
  const providerKey = createPublicKey(self.key);
  const tokens = new AccessTokenVerifier({ participantId: self.participantId, publicKey: providerKey }, clock);
  const evidence = new Evidence(deps.records, metrics);
  const watch = new StreamWatch({ terms: stores.transferTerms, trust, clock, intervalMs: deps.watchIntervalMs, onError: (error) => deps.log.error({ err: error }, 'running streams could not be checked') });
  // No HEAD routes beside the GET ones: a HEAD would pass authorize and reach the backend as a HEAD, a method
  // the gateway never sends it (and a request counted and a usage record left for nothing).
  const app = Fastify({ https: mtlsServerOptions(trust), loggerInstance: deps.log, exposeHeadRoutes: false }) as unknown as FastifyInstance;
  await app.register(errorResponses);
  await app.register(mutualTls, { trust, clock, requireTokens: false, skewSeconds: 5 });
  app.decorateRequest('grant', null);
  app.addHook('onClose', async () => watch.close());

  const refuse = async (request: FastifyRequest, reply: FastifyReply, status: number, reasons: Reason[], context: Record<string, unknown>) => {
    await evidence.refused(request.peer ?? null, reasons, context);
    return reply.code(status).send({ code: reasons[0]?.code ?? 'GATEWAY_REFUSED', message: reasons[0]?.message ?? 'refused', reasons });
  };
  const stream = {
    usage: stores.usage,
    memory: new SubjectMemory(deps.keys),
    lock: deps.lock,
    watch,
    evidence,
    refuse: (request: FastifyRequest, reply: FastifyReply, status: number, marker: { code: string; message: string }, basis: string) => {
      const grant = request.grant!;
      return refuse(request, reply, status, [{ ...marker, basis, effect: 'deny' }], { transfer: grant.transfer.id, agreement: grant.agreement.id });
    },
  };

  /**
   * A fresh access token for a transfer that is still running under an agreement in force: the consumer
   * presents its current token (expired for at most REFRESH_GRACE_SECONDS) on the same certificate.
   */
  app.post<{ Params: { transferId: string } }>('/tokens/:transferId', async (request, reply) => {
    let claims: AccessClaims;
    try {
      claims = await verifyAccessToken(bearer(request.headers.authorization), request.peer, { participantId: self.participantId, publicKey: providerKey }, clock, REFRESH_GRACE_SECONDS);
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      return refuse(request, reply, 401, [{ code: error.code, message: error.message, basis: 'access token', effect: 'deny' }], { transfer: request.params.transferId });
    }
    const { transfer, agreement } = (await stores.transferTerms.get(claims.transferId)) ?? { transfer: null, agreement: null };
    const reasons: Reason[] = [];
    if (!transfer || !agreement || request.params.transferId !== claims.transferId) reasons.push({ code: 'GATEWAY_UNKNOWN_TRANSFER', message: 'no such transfer for this token', basis: 'access token', effect: 'deny' });
    else if (transfer.state !== 'STARTED') reasons.push({ code: 'GATEWAY_TRANSFER_NOT_ACTIVE', message: `the transfer is ${transfer.state}`, basis: 'transfer process', effect: 'deny' });
    else if (agreement.state !== 'ACTIVE' || Date.parse(agreement.end) <= clock.now().getTime()) reasons.push({ code: 'GATEWAY_AGREEMENT_NOT_ACTIVE', message: 'the agreement is not in force', basis: 'agreement', effect: 'deny' });
    if (reasons.length) return refuse(request, reply, 403, reasons, { transfer: claims.transferId });
    return issueAccessToken(self, clock, { consumerId: claims.consumerId, consumerThumbprint: claims.consumerThumbprint, transferId: claims.transferId, agreementId: claims.agreementId });
  });

  await app.register(httpProxy, {
    // No fixed upstream: each transfer's asset names its backend (getUpstream below).
    upstream: '',
    prefix: '/transfers/:transferId',
    preHandler: async (request, reply) => {
      const outcome = await authorize({ providerId: self.participantId, clock, policy: deps.policy, stores, tokens, exporter: deps.exporter, metrics }, request as FastifyRequest<{ Params: { transferId: string } }>);
      if ('refusal' in outcome) return refuse(request, reply, outcome.refusal.status, outcome.refusal.reasons, outcome.refusal.context);
      request.grant = outcome.grant;
      request.log = request.log.child({ agreement: outcome.grant.agreement.id, transfer: outcome.grant.transfer.id });
    },
    httpMethods: ['GET'],
    replyOptions: { getUpstream: (request) => new URL((request as FastifyRequest).grant!.asset.backend.url).origin },
    handler: (request, reply, _dest, options) => {
      const grant = request.grant!;
      const backend = new URL(grant.asset.backend.url);
      return reply.from(backend.pathname, {
        ...options,
        // The gateway decides the representation: nothing of the consumer's request but allowed parameters reaches the backend.
        queryString: () => grant.query,
        rewriteRequestHeaders: () => backendHeaders(grant.asset, backend.host),
        // Nothing of the backend's headers reaches the consumer: the stream stage sets its own.
        rewriteHeaders: () => ({}),
        onResponse: (req, rep, res) => streamAnswer(stream, req as FastifyRequest, rep as FastifyReply, grant, res as never),
      });
    },
  });
  return app;
}
