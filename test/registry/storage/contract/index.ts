/** Every registry store contract, for one adapter: `describeRegistryStoreContracts(newDatabase)` in its test file. */
import type { NewDatabase } from './harness.ts';
import { describeLedgerStore } from './ledger.ts';
import { describeParticipantStore } from './participants.ts';
import { describePolicyBundleStore } from './policy-bundles.ts';

export type { NewDatabase, OpenStores } from './harness.ts';

export function describeRegistryStoreContracts(newDatabase: NewDatabase): void {
  describeParticipantStore(newDatabase);
  describeLedgerStore(newDatabase);
  describePolicyBundleStore(newDatabase);
}
