/**
 * The policy data in force on a connector (docs/policy/bundles.md). The registry publishes signed bundles; this
 * source polls for the latest, checks it (signature by the configured registry's certificate, chained to the
 * data-space CA and not revoked; a version newer than any accepted before; data that passes the schema and a trial
 * evaluation) and only then swaps it into the engine that the control plane and the data plane share, all at once.
 * The accepted bundle is kept in the state folder and checked again at start, so a restart neither loses it nor
 * lets an older bundle back in. Every refusal has a stable code, is logged and shows in the status.
 */
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../core/files.ts';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { KouanError, SignatureError } from '../core/errors.ts';
import { checkPolicyData, policyDataTag, readSignedBundle, signedPart, type PolicyDataStatus, type SignedPolicyBundle } from '../policy/bundle.ts';
import type { PolicyData, PolicyEngine } from '../policy/engine.ts';
import { verifyCertified } from '../trust/certified.ts';
import type { PeerClient } from '../trust/client.ts';
import type { TrustStore } from '../trust/trust-store.ts';

/** What a poll answers when the registry's latest bundle is the one in force. */
export const UNCHANGED = Symbol('policy data unchanged');

export interface PolicyDataSourceArgs {
  engine: PolicyEngine;
  /** The registry's participant id: only bundles signed with its certificate are accepted. */
  registry: string;
  trust: TrustStore;
  /**
   * The registry's latest bundle as it answered; null when none is published, UNCHANGED when it is the bundle
   * given (the one in force).
   */
  fetch: (inForce: SignedPolicyBundle | null) => Promise<unknown>;
  /** Where the bundle in force is kept (JSON, 0600). */
  file: string;
  clock: Clock;
  log: Logger;
  intervalMs: number;
}

export class PolicyDataSource {
  readonly #args: PolicyDataSourceArgs;
  /** The built-in documents (policies/data): the data of every key a bundle does not carry. */
  readonly #defaults: PolicyData;
  #inForce: SignedPolicyBundle | null = null;
  /** The highest version ever accepted, even one whose stored copy no longer verifies: nothing at or below it is taken. */
  #floor = 0;
  #refused: PolicyDataStatus['refused'] = null;
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;

  constructor(args: PolicyDataSourceArgs) {
    this.#args = args;
    this.#defaults = args.engine.data;
  }

  status(): PolicyDataStatus {
    return { version: this.#inForce?.version ?? null, issued: this.#inForce?.issued ?? null, refused: this.#refused };
  }

  /** Puts the stored bundle back in force (checked again), then polls the registry every interval. */
  start(): void {
    this.#restore();
    const tick = () => {
      this.#polling = this.poll().finally(() => {
        this.#polling = null;
        if (this.#timer !== null) this.#timer = setTimeout(tick, this.#args.intervalMs).unref();
      });
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#polling;
  }

  /** One poll: fetches the latest bundle and offers it; a refusal is recorded, an unreachable registry only logged. */
  async poll(): Promise<void> {
    let answer: unknown;
    try {
      answer = await this.#args.fetch(this.#inForce);
    } catch (error) {
      this.#args.log.warn({ err: error }, 'no policy data from the registry (unreachable or refused us); the data in force stays');
      return;
    }
    if (answer === null) return;
    // Still the latest: the bundle in force is checked again all the same (its certificate may have been revoked
    // or have expired since), as a fresh copy would be.
    if (answer === UNCHANGED) answer = this.#inForce;
    try {
      this.offer(answer);
    } catch (error) {
      this.#refuse(answer, error);
    }
  }

  /**
   * Checks a bundle and swaps its data in. Returns false when it is the bundle already in force; throws
   * POLICY_BUNDLE_SIGNATURE_INVALID, POLICY_BUNDLE_STALE or POLICY_BUNDLE_INVALID, with the data in force unchanged.
   */
  offer(value: unknown): boolean {
    const bundle = this.#verified(value);
    if (this.#inForce !== null && bundle.version === this.#inForce.version && bundle.signature === this.#inForce.signature) return false;
    if (bundle.version <= this.#floor) {
      throw new KouanError('POLICY_BUNDLE_STALE', `version ${bundle.version} is not newer than version ${this.#floor}, accepted before`);
    }
    const data = checkPolicyData(this.#args.engine, bundle.data, this.#defaults);
    // Kept before it is used: a restart must never fall back below a version that was in force.
    writeAtomic(this.#args.file, JSON.stringify(bundle), 0o600);
    this.#swap(bundle, data);
    return true;
  }

  #verified(value: unknown): SignedPolicyBundle {
    const bundle = readSignedBundle(value);
    try {
      verifyCertified(signedPart(bundle), bundle, { signer: this.#args.registry, trust: this.#args.trust, now: this.#args.clock.now() });
    } catch (error) {
      if (error instanceof SignatureError) throw new KouanError('POLICY_BUNDLE_SIGNATURE_INVALID', `policy-data version ${bundle.version}: ${error.message}`);
      throw error;
    }
    return bundle;
  }

  #swap(bundle: SignedPolicyBundle, data: PolicyData): void {
    this.#args.engine.replaceData(data);
    this.#inForce = bundle;
    this.#floor = Math.max(this.#floor, bundle.version);
    this.#args.log.info({ version: bundle.version, issued: bundle.issued, keys: Object.keys(bundle.data) }, 'policy data in force');
  }

  #restore(): void {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.#args.file, 'utf8'));
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') this.#args.log.error({ err: error, file: this.#args.file }, 'the stored policy-data bundle is unreadable; deciding with the built-in data');
      return;
    }
    const version = (stored as { version?: unknown } | null)?.version;
    if (Number.isSafeInteger(version)) this.#floor = version as number;
    try {
      const bundle = this.#verified(stored);
      this.#swap(bundle, checkPolicyData(this.#args.engine, bundle.data, this.#defaults));
    } catch (error) {
      this.#refuse(stored, error);
    }
  }

  /** Records and logs a refusal: once at warn for each new version and reason, at debug when it repeats. */
  #refuse(value: unknown, error: unknown): void {
    if (!(error instanceof KouanError) || !error.code.startsWith('POLICY_BUNDLE_')) {
      this.#args.log.error({ err: error }, 'policy data could not be checked; the data in force stays');
      return;
    }
    const version = (value as { version?: unknown } | null)?.version;
    const refused = { version: Number.isSafeInteger(version) ? (version as number) : null, code: error.code, message: error.message, at: this.#args.clock.now().toISOString() };
    const repeated = this.#refused?.version === refused.version && this.#refused.code === refused.code;
    this.#refused = refused;
    this.#args.log[repeated ? 'debug' : 'warn']({ code: refused.code, version: refused.version, reason: refused.message, inForce: this.#inForce?.version ?? null }, 'policy-data bundle refused; the data in force stays');
  }
}

/**
 * Reads the registry's latest bundle (GET /registry/v1/policy-data/latest over mutual TLS); null when none is
 * published, UNCHANGED when it is the bundle in force (304 to If-None-Match).
 */
export const registryPolicyData = (peers: PeerClient, registry: { participantId: string; url: string }) => async (inForce: SignedPolicyBundle | null): Promise<unknown> => {
  const r = await peers.request<{ code?: string }>(
    { participantId: registry.participantId, baseUrl: registry.url },
    { method: 'GET', path: 'registry/v1/policy-data/latest', ...(inForce === null ? {} : { headers: { 'if-none-match': policyDataTag(inForce) } }) },
  );
  if (r.status === 304) return UNCHANGED;
  if (r.status === 404 && r.body.code === 'NOT_FOUND') return null;
  if (r.status !== 200) throw new Error(`the registry answered ${r.status} ${r.body.code ?? ''}`);
  return r.body;
};
