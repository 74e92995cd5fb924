import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Code } from '../core/codes.ts';
import { KouanError } from '../core/errors.ts';

export interface ApiKeyOptions {
  /** The key callers send in x-api-key. */
  apiKey: string;
  /** The refusal code of this API when the key is missing or wrong. */
  code: Code;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** A plain-JSON API for one party's own systems: every route not marked public needs the API key (compared in constant time). */
export const apiKeyAuthentication = fp(
  async (app: FastifyInstance, options: ApiKeyOptions) => {
    const expected = digest(options.apiKey);
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config?.public) return;
      const given = request.headers['x-api-key'];
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) throw new KouanError(options.code);
    });
  },
  { name: 'kouan-api-key' },
);
