import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import type { Clock } from '../../src/core/clock.ts';
import { errorResponses } from '../../src/http/errors.ts';
import { followTrust, mtlsServerOptions, mutualTls } from '../../src/http/mtls.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';

export interface EchoServer {
  app: FastifyInstance;
  url: string;
  /** How many times a route handler ran: refusals must leave it untouched. */
  handled: () => number;
  close: () => Promise<void>;
}

/** A real HTTPS server with Kouan's mutual-TLS and token checks in front of one echo route. */
export async function startEchoServer(trust: TrustStore, clock: Clock, requireTokens = true): Promise<EchoServer> {
  let handled = 0;
  const app = Fastify({ https: mtlsServerOptions(trust), logger: false });
  await app.register(errorResponses);
  await app.register(mutualTls, { trust, clock, requireTokens, skewSeconds: 5 });
  app.get('/echo', async (req) => {
    handled += 1;
    return { peer: req.peer, token: req.token };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  followTrust(app.server as never, trust);
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `https://127.0.0.1:${port}`, handled: () => handled, close: () => app.close() };
}

export interface RawCall {
  status: number;
  body: { code?: string; message?: string; [k: string]: unknown };
}

/** Calls a server with whatever certificate (or none) and token the test chooses; verifies the server by the CA only. */
export async function rawCall(url: string, ca: string, client: { cert?: string; key?: string } | null, token?: string): Promise<RawCall> {
  const agent = new Agent({ connect: { ca, ...(client ?? {}), checkServerIdentity: () => undefined } });
  try {
    const response = await request(`${url}/echo`, { dispatcher: agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, body: (await response.body.json()) as RawCall['body'] };
  } finally {
    await agent.close();
  }
}
