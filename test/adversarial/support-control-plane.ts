/**
 * What the control-plane attacks need: a participant speaking raw DSP over real mutual TLS with its own certificate
 * (outside its connector's state machines), and listeners that count every connection made to them.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/core/clock.ts';
import { DSP_CONTEXT } from '../../src/control-plane/dsp/jsonld.ts';
import { PeerClient } from '../../src/trust/client.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import { TrustStore } from '../../src/trust/trust-store.ts';
import type { TestConnector } from '../support/connectors.ts';

export type Json = Record<string, unknown>;

export interface RawDsp {
  /** POSTs a DSP message of `type` to `path` under the target's DSP base. */
  post(target: TestConnector, path: string, type: string, body: Json): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

/** Speaks as the participant of `connector`'s certificate, over mutual TLS with a bound request token per call. */
export async function rawDspAs(connector: TestConnector): Promise<RawDsp> {
  const trust = await TrustStore.load(connector.config.tls);
  const client = new PeerClient(trust, new TokenIssuer(trust.identity, systemClock), 60);
  return {
    async post(target, path, type, body) {
      const r = await client.request<Json>({ participantId: target.participantId, baseUrl: target.dspUrl }, { method: 'POST', path, body: { '@context': [DSP_CONTEXT], '@type': type, ...body } });
      return { status: r.status, body: r.body };
    },
    async close() {
      await client.close();
      trust.close();
    },
  };
}

export interface Listener {
  port: number;
  /** Connections accepted so far (a TLS handshake or an HTTP request needs one first). */
  connections(): number;
  close(): Promise<void>;
}

async function listen(server: Server, counted: () => number): Promise<Listener> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: counted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A plain HTTP server on loopback that answers 200 to anything and counts connections and requests. */
export async function plainHttpListener(): Promise<Listener & { requests(): number }> {
  let connections = 0;
  let requests = 0;
  const server = createHttpServer((_req, res) => {
    requests += 1;
    res.end('{}');
  });
  server.on('connection', () => (connections += 1));
  const listener = await listen(server as unknown as Server, () => connections);
  return { ...listener, requests: () => requests, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** A TCP listener on loopback that counts connections (whatever protocol a caller would speak on it). */
export async function tcpListener(): Promise<Listener> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  return listen(server, () => connections);
}

/** Waits `ms` so that the state machines (polling every 20 ms in tests) had many passes in which to act. */
export const settle = (ms = 600): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
