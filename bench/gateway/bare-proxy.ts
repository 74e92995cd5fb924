/**
 * The baseline: a bare @fastify/http-proxy with the gateway's own mutual-TLS server options and client-certificate
 * check (mtlsServerOptions + the mutualTls plugin, requireTokens false), the gateway's error responses and a pino
 * logger at the same level, registered the way the gateway registers it (GET only, same prefix, same header
 * rewrite) — but no access token, no stored state, no policy, no record enforcer and no usage record.
 *   /transfers/<dataset>  the bytes as the backend sent them (the baseline);
 *   /codec/<dataset>      the same, re-framed through Kouan's NDJSON codec (parser → serializer) and nothing else:
 *                         the floor any record-level gateway pays, to tell the codec's cost from the rest.
 * Run as its own process, like the gateway's connector. Argument: JSON {tls, backend, log}. Prints {"port":...}.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import httpProxy from '@fastify/http-proxy';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { errorResponses } from '../../src/http/errors.ts';
import { mtlsServerOptions, mutualTls } from '../../src/http/mtls.ts';
import { codecs } from '../../src/data-plane/codecs.ts';
import { TrustStore, type TrustPaths } from '../../src/trust/trust-store.ts';

const { tls, backend, log } = JSON.parse(process.argv[2] ?? '{}') as { tls: TrustPaths; backend: string; log: string };
const trust = await TrustStore.load(tls);
const app = Fastify({ https: mtlsServerOptions(trust), loggerInstance: createLogger({ level: log, name: 'bare-proxy' }) }) as unknown as FastifyInstance;
await app.register(errorResponses);
await app.register(mutualTls, { trust, clock: systemClock, requireTokens: false, skewSeconds: 5 });
const origin = new URL(backend).origin;
await app.register(httpProxy, {
  upstream: origin,
  prefix: '/transfers/:transferId',
  httpMethods: ['GET'],
  handler: (request, reply, _dest, options) => {
    // /transfers/<dataset> → the backend's /<dataset> (the gateway reads the path from the transfer's asset).
    const path = `/${(request.params as { transferId: string }).transferId}`;
    return reply.from(path, {
      ...options,
      rewriteRequestHeaders: (_req, headers) => {
        const { authorization: _a, host: _h, ...rest } = headers;
        return rest;
      },
    });
  },
});
await app.register(httpProxy, {
  upstream: origin,
  prefix: '/codec/:dataset',
  httpMethods: ['GET'],
  handler: (request, reply, _dest, options) =>
    reply.from(`/${(request.params as { dataset: string }).dataset}`, {
      ...options,
      rewriteRequestHeaders: (_req, headers) => {
        const { authorization: _a, host: _h, ...rest } = headers;
        return rest;
      },
      onResponse: (req, rep, res) => {
        const source = (res as unknown as { stream: IncomingMessage }).stream;
        const codec = codecs.ndjson;
        const serializer = codec.serializer();
        pipeline(source, codec.parser(), serializer).catch((error: Error) => req.log.warn({ err: error }, 'stream ended early'));
        void rep.header('content-type', codec.contentType).removeHeader('content-length').send(serializer);
      },
    }),
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => {
    trust.close();
    process.exit(0);
  });
});
