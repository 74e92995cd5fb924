/**
 * The data-plane gateway: @fastify/http-proxy behind mutual TLS. Every request is checked before anything is
 * forwarded — the access token and its binding to the presented certificate, the transfer and agreement as
 * stored now (no cache: a termination or suspension holds on the very next request), and kouan/gateway with
 * the consumer's attested country — and the answer streams back through the record enforcer.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import httpProxy from '@fastify/http-proxy';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { KouanError, TokenRejectedError } from '../core/errors.ts';
import type { KeyedLock } from '../core/keyed-lock.ts';
import type { Asset, ContractAgreement, TransferProcess } from '../control-plane/model.ts';
import { errorResponses } from '../http/errors.ts';
import { mtlsServerOptions, mutualTls } from '../http/mtls.ts';
import { denials, type Decision, type Reason } from '../policy/decision.ts';
import type { PolicyEngine } from '../policy/engine.ts';
import type { RecordEmitter } from '../records/emitter.ts';
import type { ControlPlaneStores, DataPlaneStores } from '../storage/ports.ts';
import { AccessTokenVerifier, issueAccessToken, verifyAccessToken, REFRESH_GRACE_SECONDS, type AccessClaims } from '../trust/access-tokens.ts';
import type { TrustStore } from '../trust/trust-store.ts';
import { codecs, type StopMarker } from './codecs.ts';
import { Enforcer } from './enforcer.ts';
import { NdjsonPassThrough } from './passthrough.ts';
import { SubjectMemory } from './subject-memory.ts';
import { beijingYear, gatewayInput } from './inputs.ts';
import type { GatewayMetrics } from './metrics.ts';
import { rulesFrom, type RecordKeys } from './obligations.ts';

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
}

interface Grant {
  claims: AccessClaims;
  transfer: TransferProcess;
  agreement: ContractAgreement;
  asset: Asset;
  decision: Decision;
  started: bigint;
}

declare module 'fastify' {
  interface FastifyRequest {
    grant: Grant | null;
  }
}

const bearer = (header: string | undefined) => (header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);

export async function buildGatewayApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const { trust, clock, stores, policy, metrics } = deps;
  const self = trust.identity;
  const providerKey = createPublicKey(self.key);
  const memory = new SubjectMemory(deps.keys);
  const tokens = new AccessTokenVerifier({ participantId: self.participantId, publicKey: providerKey }, clock);
  const app = Fastify({ https: mtlsServerOptions(trust), loggerInstance: deps.log }) as unknown as FastifyInstance;
  await app.register(errorResponses);
  await app.register(mutualTls, { trust, clock, requireTokens: false, skewSeconds: 5 });
  app.decorateRequest('grant', null);

  const refuse = async (request: FastifyRequest, reply: FastifyReply, status: number, reasons: Reason[], context: Record<string, unknown>) => {
    const code = reasons[0]?.code ?? 'GATEWAY_REFUSED';
    metrics.refusals.inc({ code });
    await deps.records.emit('denial', { stage: 'data-plane', consumer: request.peer?.participantId ?? null, destinationCountry: request.peer?.country ?? null, reasons, ...context });
    return reply.code(status).send({ code, message: reasons[0]?.message ?? 'refused', reasons });
  };

  /** Everything that must hold before one byte is forwarded. */
  const authorize = async (req: FastifyRequest, reply: FastifyReply) => {
    const request = req as FastifyRequest<{ Params: { transferId: string } }>;
    const started = process.hrtime.bigint();
    metrics.requests.inc();
    let claims: AccessClaims;
    try {
      claims = await tokens.verify(bearer(request.headers.authorization), request.peer);
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      return refuse(request, reply, 401, [{ code: error.code, message: error.message, basis: 'access token', effect: 'deny' }], { transfer: request.params.transferId });
    }
    const { transfer, agreement, asset } = (await stores.transferTerms.get(claims.transferId)) ?? { transfer: null, agreement: null, asset: null };
    if (!transfer || transfer.role !== 'provider' || !agreement || !asset || request.params.transferId !== claims.transferId) {
      const error = new KouanError('GATEWAY_UNKNOWN_TRANSFER');
      return refuse(request, reply, 403, [{ code: error.code, message: error.message, basis: 'access token', effect: 'deny' }], { transfer: claims.transferId });
    }
    const now = clock.now();
    const exporter = await deps.exporter();
    const [usage, cumulative] = await Promise.all([stores.usage.countRequest(agreement.id), stores.usage.cumulative(exporter.id, beijingYear(now))]);
    const decision = policy.evaluateStaged('kouan/gateway/decision', gatewayInput({
      now, peer: request.peer, claims, providerId: self.participantId, agreement, transfer, asset, exporter, cumulative,
      usage: { ...usage, requests: usage.requests - 1 },
    }));
    metrics.decisionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (!decision.allow) return refuse(request, reply, 403, denials(decision), { transfer: transfer.id, agreement: agreement.id });
    request.grant = { claims, transfer, agreement, asset, decision, started };
    request.log = request.log.child({ agreement: agreement.id, transfer: transfer.id });
  };

  const respond = (request: FastifyRequest, reply: FastifyReply, res: { statusCode: number; stream: IncomingMessage | NodeJS.ReadableStream }) => {
    const grant = request.grant!;
    const source = res.stream as NodeJS.ReadableStream & { destroy?: () => void };
    if (res.statusCode !== 200) {
      (source as NodeJS.ReadableStream).on('error', () => undefined); // the body we drop may report its own abort
      source.destroy?.();
      reply.code(502).send({ code: 'GATEWAY_BACKEND_FAILED', message: `the dataset backend answered ${res.statusCode}` });
      return;
    }
    const codec = codecs[grant.asset.backend.format];
    const { fields, limits } = rulesFrom(grant.decision.obligations);
    const subjectField = grant.asset.classification.pi.subjectIdField;
    const digest = createHash('sha256');
    let bytes = 0;
    const observe = (buffer: Buffer) => {
      digest.update(buffer);
      bytes += buffer.length;
    };
    /** What goes to the consumer: the pass-through stage observes its own output, the record path ends in a meter. */
    let output: NodeJS.ReadableStream & { readableEnded: boolean };
    let stage: Enforcer | NdjsonPassThrough;
    /** Stops the stream early with a marker: the backend failed or sent something unreadable. */
    const stopWith = (marker: StopMarker) => stage.stop(marker);
    // pipe() does not forward errors: a backend that fails mid-stream ends the output with a marker, and the
    // abort of our own read when the consumer hangs up is expected, not an error.
    (source as NodeJS.ReadableStream).on('error', (error: Error) => {
      if (!reply.raw.destroyed) stopWith({ code: 'GATEWAY_BACKEND_FAILED', message: `the dataset backend failed mid-stream: ${error.message}` });
    });
    const streamEnded = (error: Error) => request.log.warn({ err: error }, 'stream ended early');
    let parser: NodeJS.ReadWriteStream & { destroy(): void } | null = null;
    if (grant.asset.backend.format === 'ndjson' && !subjectField && fields.drop.length + fields.mask.length + fields.pseudonymise.length === 0) {
      // Nothing to change in a record and no person to count: the bytes go as they are, counted and cut by line.
      stage = new NdjsonPassThrough({ maxRecords: limits.records, count: (records) => stores.usage.addRecords(grant.agreement.id, records), observe });
      (source as NodeJS.ReadableStream).pipe(stage);
      stage.on('error', streamEnded);
      output = stage;
    } else {
      stage = new Enforcer({
        fields, limits, subjectField,
        sensitive: grant.asset.classification.pi.sensitiveSubjects > 0,
        memory,
        exporterId: self.participantId,
        year: beijingYear(clock.now()),
        agreementId: grant.agreement.id,
        usage: stores.usage,
        lock: deps.lock,
      });
      const recordParser = codec.parser();
      parser = recordParser;
      recordParser.on('error', (error: Error) => stopWith({ code: 'GATEWAY_BACKEND_INVALID', message: `the backend sent unreadable ${grant.asset.backend.format}: ${error.message}` }));
      (source as NodeJS.ReadableStream).pipe(recordParser).pipe(stage);
      const meter = new Transform({
        transform(chunk: Buffer | string, _enc, done) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          observe(buffer);
          done(null, buffer);
        },
      });
      pipeline(stage, codec.serializer(), meter).catch(streamEnded);
      output = meter;
    }
    stage.onStop = () => {
      if (parser) (source as NodeJS.ReadableStream).unpipe(parser);
      else (source as NodeJS.ReadableStream).unpipe(stage);
      source.destroy?.();
    };
    /** The usage record, written once: when the stream ends, or when the consumer goes away before it does. */
    let recorded = false;
    const record = (abortedBy: string | null) => {
      if (recorded) return;
      recorded = true;
      const stats = stage.stats;
      metrics.bytes.inc(bytes);
      metrics.records.inc(stats.records);
      const context = { transfer: grant.transfer.id, agreement: grant.agreement.id, consumer: grant.agreement.consumerId, destinationCountry: request.peer.country };
      deps.records
        .emit('usage', { ...context, bytes, records: stats.records, newSubjects: stats.newSubjects, newSensitiveSubjects: stats.newSensitive, sha256: digest.digest('hex'), decision: { allow: true, exportPath: grant.agreement.exportPath, stoppedBy: stats.stopped?.code ?? abortedBy } })
        .catch((error: Error) => request.log.error({ err: error }, 'usage record could not be stored'));
      if (stats.stopped && stats.stopped.code !== 'GATEWAY_BACKEND_INVALID') {
        metrics.refusals.inc({ code: stats.stopped.code });
        deps.records
          .emit('denial', { stage: 'data-plane-stream', ...context, reasons: [{ code: stats.stopped.code, message: stats.stopped.message, basis: 'export path', effect: 'deny' }], recordsForwarded: stats.records })
          .catch((error: Error) => request.log.error({ err: error }, 'denial record could not be stored'));
      }
    };
    output.once('end', () => record(null));
    reply.raw.once('close', () => {
      if (output.readableEnded) return;
      // The consumer went away: stop reading the backend and account for what was actually sent.
      source.destroy?.();
      parser?.destroy();
      stage.destroy();
      record('CONSUMER_ABORTED');
    });
    reply.header('content-type', codec.contentType).removeHeader('content-length').send(output);
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
    preHandler: authorize,
    httpMethods: ['GET'],
    replyOptions: { getUpstream: (request) => new URL((request as FastifyRequest).grant!.asset.backend.url).origin },
    handler: (request, reply, _dest, options) => {
      const backend = new URL(request.grant!.asset.backend.url);
      return reply.from(`${backend.pathname}${backend.search}`, {
        ...options,
        rewriteRequestHeaders: (_req, headers) => {
          const { authorization: _a, host: _h, ...rest } = headers;
          return rest;
        },
        onResponse: (req, rep, res) => respond(req as FastifyRequest, rep as FastifyReply, res as never),
      });
    },
  });
  return app;
}
