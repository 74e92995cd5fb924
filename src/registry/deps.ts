import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { TrustStore } from '../trust/trust-store.ts';
import type { CreditParameters } from './credit.ts';
import type { Ledger } from './ledger/ledger.ts';
import type { ParticipantRegistry } from './participants.ts';
import type { PolicyDataPublisher } from './policy-data.ts';
import type { RegistryStores } from './storage/ports.ts';

/** What the registry's apps are built from (src/main/registry.ts wires them). */
export interface RegistryDeps {
  trust: TrustStore;
  clock: Clock;
  log: Logger;
  stores: RegistryStores;
  participants: ParticipantRegistry;
  ledger: Ledger;
  /** Grading and spot-check parameters, published with the grades. */
  credit: CreditParameters;
  policyData: PolicyDataPublisher;
}
