/**
 * This participant's regulatory attributes as exporter (CIIO status, free-trade zone). They can change, so they
 * live in the registry's participant record, not in the certificate: a connector with a registry reads its own
 * record over mutual TLS and refreshes it; the config's values are used only until the first answer.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { ExporterProfile } from '../control-plane/policy-inputs.ts';
import type { PeerClient } from '../trust/client.ts';

export class ExporterProfileSource {
  readonly #id: string;
  #current: Omit<ExporterProfile, 'id'>;
  readonly #fetch: (() => Promise<Omit<ExporterProfile, 'id'>>) | null;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #ttlMs: number;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | null = null;

  constructor(args: { id: string; configured: Omit<ExporterProfile, 'id'>; fetch: (() => Promise<Omit<ExporterProfile, 'id'>>) | null; clock: Clock; log: Logger; ttlMs?: number }) {
    this.#id = args.id;
    this.#current = args.configured;
    this.#fetch = args.fetch;
    this.#clock = args.clock;
    this.#log = args.log;
    this.#ttlMs = args.ttlMs ?? 60_000;
  }

  /** The attributes in force: the registry's, refreshed when older than the TTL; the last known ones while it is unreachable. */
  async get(): Promise<ExporterProfile> {
    if (this.#fetch && this.#clock.now().getTime() - this.#fetchedAt >= this.#ttlMs) {
      this.#pending ??= this.#refresh().finally(() => (this.#pending = null));
      await this.#pending;
    }
    return { id: this.#id, ...this.#current };
  }

  async #refresh(): Promise<void> {
    try {
      const fetched = await this.#fetch!();
      if (JSON.stringify(fetched) !== JSON.stringify(this.#current)) this.#log.info({ exporter: fetched }, 'exporter attributes from the registry');
      this.#current = fetched;
      this.#fetchedAt = this.#clock.now().getTime();
    } catch (error) {
      this.#log.warn({ err: error }, 'registry unreachable: deciding with the last known exporter attributes');
    }
  }
}

/** Reads this participant's own record at the registry (GET /registry/v1/participants/me over mutual TLS). */
export const registryProfile = (peers: PeerClient, registry: { participantId: string; url: string }) => async (): Promise<Omit<ExporterProfile, 'id'>> => {
  const r = await peers.request<{ ciio?: unknown; ftz?: unknown; stateOrgan?: unknown; foreignControlled?: unknown; gba?: unknown; code?: string }>({ participantId: registry.participantId, baseUrl: registry.url }, { method: 'GET', path: 'registry/v1/participants/me' });
  if (r.status !== 200 || typeof r.body.ciio !== 'boolean') throw new Error(`the registry answered ${r.status} ${r.body.code ?? ''}`);
  return { ciio: r.body.ciio, ftz: typeof r.body.ftz === 'string' ? r.body.ftz : null, stateOrgan: r.body.stateOrgan === true, foreignControlled: r.body.foreignControlled === true, gba: r.body.gba === true };
};
