import type { PeerCertificate } from 'node:tls';
import { Agent, request as undiciRequest } from 'undici';
import { PeerRejectedError } from '../core/errors.ts';
import { participantIdFromSan } from './identity.ts';
import type { TokenIssuer } from './tokens.ts';
import type { TrustStore } from './trust-store.ts';

export interface PeerAddress {
  participantId: string;
  /** https://host:port (plus any base path) of the peer's endpoint. */
  baseUrl: string;
}

export interface PeerRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send a request token (default true). */
  token?: boolean;
  /** Extra claims for the request token. */
  claims?: Record<string, unknown>;
}

export interface PeerResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * Calls other participants over mutual TLS: presents our certificate, verifies theirs against the
 * data-space CA and CRL, insists that the server is the participant we meant to reach, and signs a
 * request token for each call bound to our certificate.
 */
export class PeerClient {
  readonly #trust: TrustStore;
  readonly #tokens: TokenIssuer;
  readonly #ttlSeconds: number;
  #agents = new Map<string, Agent>();

  constructor(trust: TrustStore, tokens: TokenIssuer, ttlSeconds = 120) {
    this.#trust = trust;
    this.#tokens = tokens;
    this.#ttlSeconds = ttlSeconds;
    trust.on('change', () => this.#dropAgents());
  }

  /** A connection pool that only talks to `participantId`; reused across calls. */
  agentFor(participantId: string): Agent {
    let agent = this.#agents.get(participantId);
    if (!agent) {
      const tls = this.#trust.secureContextOptions();
      agent = new Agent({
        connect: {
          ...tls,
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
          checkServerIdentity: (_host: string, cert: PeerCertificate) => {
            const actual = participantIdFromSan(cert.subjectaltname);
            if (actual === participantId) return undefined;
            return Object.assign(new Error(`expected participant '${participantId}', the server is '${actual ?? 'unknown'}'`), { code: 'TLS_WRONG_PEER' });
          },
        },
      });
      this.#agents.set(participantId, agent);
    }
    return agent;
  }

  async bearerFor(audience: string, claims?: Record<string, unknown>): Promise<string> {
    return this.#tokens.issue({ audience, ttlSeconds: this.#ttlSeconds, ...(claims ? { claims } : {}) });
  }

  async request<T = unknown>(peer: PeerAddress, req: PeerRequest): Promise<PeerResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.token !== false) headers.authorization = `Bearer ${await this.bearerFor(peer.participantId, req.claims)}`;
    if (req.body !== undefined) headers['content-type'] ??= 'application/json';
    try {
      const response = await undiciRequest(new URL(req.path.replace(/^\//, ''), peer.baseUrl.endsWith('/') ? peer.baseUrl : `${peer.baseUrl}/`), {
        method: req.method,
        headers,
        body: req.body === undefined ? null : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
        dispatcher: this.agentFor(peer.participantId),
      });
      const text = await response.body.text();
      const isJson = String(response.headers['content-type'] ?? '').includes('json');
      return { status: response.statusCode, headers: response.headers, body: (isJson && text ? JSON.parse(text) : text) as T };
    } catch (error) {
      if (hasCode(error, 'TLS_WRONG_PEER')) throw new PeerRejectedError('TLS_WRONG_PEER', (error as Error).message);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#dropAgents();
  }

  async #dropAgents(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents = new Map();
    await Promise.all(agents.map((agent) => agent.close()));
  }
}

function hasCode(error: unknown, code: string): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === code) return true;
  }
  return false;
}
