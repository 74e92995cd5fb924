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
import type { PolicyBundleStore } from './storage/ports.ts';

export class PolicyDataPublisher {
  readonly #store: PolicyBundleStore;
  readonly #identity: LocalIdentity;
  readonly #clock: Clock;
  /** Loaded at the first publication: most registry processes never publish. */
  #engine: PolicyEngine | null = null;

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
}
