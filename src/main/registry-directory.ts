/**
 * The registry's participant directory as a connector reads it: where a counterparty's connector is
 * (`GET /registry/v1/participants/{id}/endpoints`, over mutual TLS). A provider checks a callbackAddress against
 * it (src/control-plane/callbacks.ts) besides the peers configured. Answers are kept for a short while so a
 * negotiation's few messages ask once; a registry that cannot be reached gives no endpoint (the callback is refused).
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { PeerDirectory } from '../control-plane/callbacks.ts';
import type { PeerClient } from '../trust/client.ts';

/** How long an answer is kept (a found endpoint; an unknown participant is asked again sooner). */
const KEEP_MS = 30_000;
const KEEP_UNKNOWN_MS = 5_000;

export class RegistryPeerDirectory implements PeerDirectory {
  readonly #kept = new Map<string, { endpoints: string[]; until: number }>();

  constructor(
    private readonly peers: PeerClient,
    private readonly registry: { participantId: string; url: string },
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async endpoints(participantId: string): Promise<readonly string[]> {
    const now = this.clock.now().getTime();
    const kept = this.#kept.get(participantId);
    if (kept && kept.until > now) return kept.endpoints;
    let endpoints: string[] = [];
    try {
      const r = await this.peers.request<{ dspUrl?: unknown }>({ participantId: this.registry.participantId, baseUrl: this.registry.url }, { method: 'GET', path: `registry/v1/participants/${encodeURIComponent(participantId)}/endpoints` });
      if (r.status === 200 && typeof r.body.dspUrl === 'string') endpoints = [r.body.dspUrl];
      else if (r.status !== 404) this.log.warn({ participant: participantId, status: r.status }, 'the registry did not say where the participant is');
    } catch (error) {
      this.log.warn({ err: error, participant: participantId }, 'the registry could not be asked where the participant is');
      return [];
    }
    if (this.#kept.size > 10_000) this.#kept.clear();
    this.#kept.set(participantId, { endpoints, until: now + (endpoints.length > 0 ? KEEP_MS : KEEP_UNKNOWN_MS) });
    return endpoints;
  }
}
