import type { KeyObject } from 'node:crypto';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Clock } from '../core/clock.ts';
import type { PeerIdentity } from '../trust/identity.ts';
import { authenticatePeer } from '../trust/peer.ts';
import { MAX_REQUEST_TOKEN_SECONDS, ReplayGuard, verifyBoundToken, type TokenClaims } from '../trust/tokens.ts';
import type { TrustStore } from '../trust/trust-store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller as attested by its client certificate. */
    peer: PeerIdentity;
    /** The verified request token, on routes that require one. */
    token: TokenClaims | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a client certificate (e.g. version metadata). */
    public?: boolean;
    /** Mutual TLS is enough; no request token needed. */
    tokenless?: boolean;
  }
}

/**
 * HTTPS options for a Kouan endpoint. The handshake asks for a client certificate and verifies it
 * against the CA and CRL, but completes either way, so that a refused caller is told why with a stable
 * code by the onRequest hook below instead of a bare TLS alert. No route handler ever sees such a request.
 */
export function mtlsServerOptions(trust: TrustStore): ServerOptions {
  return { ...trust.secureContextOptions(), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' };
}

/** Swaps the server's TLS context whenever the trust store changes (a new CRL), without a restart. */
export function followTrust(server: HttpsServer, trust: TrustStore): void {
  const swap = () => server.setSecureContext(mtlsServerOptions(trust));
  trust.on('change', swap);
  server.once('close', () => trust.off('change', swap));
}

export interface MutualTlsOptions {
  trust: TrustStore;
  clock: Clock;
  /** Verify a bound request token on every route not marked tokenless. */
  requireTokens: boolean;
  skewSeconds: number;
  replay?: ReplayGuard;
}

const peerKeys = new WeakMap<TLSSocket, KeyObject>();
/** The public key of the certificate the peer presented on this connection (read once per connection). */
export const peerKey = (socket: TLSSocket): KeyObject => {
  let key = peerKeys.get(socket);
  if (!key) {
    key = socket.getPeerX509Certificate()!.publicKey;
    peerKeys.set(socket, key);
  }
  return key;
};

/** Authenticates every request: client certificate (chain, validity, revocation) and then the request token. */
export const mutualTls = fp(
  async (app: FastifyInstance, options: MutualTlsOptions) => {
    const replay = options.replay ?? new ReplayGuard(options.clock);
    app.decorateRequest('peer', null as unknown as PeerIdentity);
    app.decorateRequest('token', null);
    app.addHook('onRequest', async (request) => {
      const config = request.routeOptions.config;
      if (config?.public) return;
      const socket = request.raw.socket as TLSSocket;
      request.peer = authenticatePeer(socket, options.trust);
      if (!options.requireTokens || config?.tokenless) return;
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : header ? header : undefined;
      request.token = await verifyBoundToken(token, request.peer, peerKey(socket), {
        audience: options.trust.identity.participantId,
        clock: options.clock,
        skewSeconds: options.skewSeconds,
        maxLifetimeSeconds: MAX_REQUEST_TOKEN_SECONDS,
        replay,
      });
    });
  },
  { name: 'kouan-mutual-tls' },
);
