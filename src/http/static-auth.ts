import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TokenRejectedError } from '../core/errors.ts';
import type { PeerIdentity } from '../trust/identity.ts';

export interface StaticAuthOptions {
  /** The exact Authorization header value the conformance kit sends. */
  authorization: string;
  /** Who that caller is taken to be. */
  peer: { participantId: string; country: string };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Conformance profile only: the DSP conformance kit speaks plain HTTP with one static Authorization header
 * and cannot present a client certificate. This plugin takes that header as the kit's identity. A connector
 * in the production profile never registers it (the config refuses the combination).
 */
export const staticAuthentication = fp(
  async (app: FastifyInstance, options: StaticAuthOptions) => {
    const expected = digest(options.authorization);
    const peer: PeerIdentity = { ...options.peer, certThumbprint: '', serial: '' };
    app.decorateRequest('peer', null as unknown as PeerIdentity);
    app.decorateRequest('token', null);
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config?.public) return;
      const given = request.headers.authorization;
      if (typeof given !== 'string') throw new TokenRejectedError('TOKEN_MISSING');
      if (!timingSafeEqual(digest(given), expected)) throw new TokenRejectedError('TOKEN_SIGNATURE_INVALID', 'not the conformance profile credential');
      request.peer = peer;
    });
  },
  { name: 'kouan-static-auth' },
);
