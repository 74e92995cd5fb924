/**
 * Publishing policy data (docs/policy/bundles.md): the operator gives data documents; the registry checks them as
 * connectors will (data schema, trial evaluation), assigns the next version and signs the bundle with its
 * certificate key, which connectors verify against the data-space CA and their configured registry id.
 */
import type { Clock } from '../core/clock.ts';
import { checkPolicyData, signedPart, type SignedPolicyBundle } from '../policy/bundle.ts';
import { PolicyEngine, type PolicyData } from '../policy/engine.ts';
import { signCertified } from '../trust/certified.ts';
import type { LocalIdentity } from '../trust/identity.ts';
import { policyThresholds, type Thresholds } from './insights.ts';
import type { PolicyBundleStore } from './storage/ports.ts';
import { calendarOf, holidayCalendar, type HolidayCalendar } from './workdays.ts';

/** What the registry's alerts count with: the thresholds and the holiday calendar of the policy data in force. */
export interface AlertData {
  version: number | null;
  thresholds: Thresholds;
  calendar: HolidayCalendar;
}

export class PolicyDataPublisher {
  readonly #store: PolicyBundleStore;
  readonly #identity: LocalIdentity;
  readonly #clock: Clock;
  /** Loaded at the first publication: most registry processes never publish. */
  #engine: PolicyEngine | null = null;
  #inForce: AlertData | null = null;

  constructor(store: PolicyBundleStore, identity: LocalIdentity, clock: Clock) {
    this.#store = store;
    this.#identity = identity;
    this.#clock = clock;
  }

  /** Checks, versions, signs and stores a bundle of `data`; POLICY_BUNDLE_INVALID when connectors would refuse it. */
  async publish(data: PolicyData): Promise<SignedPolicyBundle> {
    const engine = (this.#engine ??= PolicyEngine.load());
    checkPolicyData(engine, data, engine.data);
    const issued = this.#clock.now().toISOString();
    return this.#store.publish((version) => {
      const bundle = { version, issued, data };
      return { ...bundle, ...signCertified(signedPart(bundle), this.#identity) };
    });
  }

  /**
   * The thresholds and holidays connectors decide with: the latest published bundle's documents where it carries
   * them, the built-in ones otherwise (a bundle replaces the keys it carries). The latest version is asked on each
   * call, so every registry process on a database agrees; the bundle is read and its data built only when it changed.
   */
  async inForce(): Promise<AlertData> {
    const version = await this.#store.latestVersion();
    if (this.#inForce !== null && this.#inForce.version === version) return this.#inForce;
    const latest = version === null ? null : await this.#store.get(version);
    const data = (latest?.data ?? {}) as { thresholds?: Thresholds; holidays?: Parameters<typeof calendarOf>[0] };
    this.#inForce = { version: latest?.version ?? null, thresholds: data.thresholds ?? policyThresholds(), calendar: data.holidays ? calendarOf(data.holidays) : holidayCalendar() };
    return this.#inForce;
  }
}
