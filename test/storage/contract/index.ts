/** Every store contract, for one adapter: `describeStoreContracts(newDatabase)` inside the adapter's test file. */
import { describe, expect, it } from 'vitest';
import type { ContractNegotiation, NegotiationState, TransferProcess, TransferState } from '../../../src/control-plane/model.ts';
import { describeBudgetStore } from './budgets.ts';
import { describeAssetStore, describeOfferStore } from './catalog.ts';
import { agreement, approval, asset, negotiation, offer, outboxRecord, subjectHashes, transfer } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';
import { describeOutbox } from './outbox.ts';
import { describeAgreementStore, describeApprovalStore } from './records.ts';
import { describeStatefulStore } from './stateful.ts';
import { describeTransferTerms } from './transfer-terms.ts';
import { describeUsageStore } from './usage.ts';

export type { Connection, NewDatabase, OpenStores } from './harness.ts';

export function describeStoreContracts(newDatabase: NewDatabase): void {
  describeAssetStore(newDatabase);
  describeOfferStore(newDatabase);
  describeStatefulStore<ContractNegotiation, NegotiationState>(newDatabase, {
    port: 'NegotiationStore',
    store: (stores) => stores.negotiations,
    make: negotiation,
    states: ['REQUESTED', 'ACCEPTED', 'AGREED'],
  });
  describeStatefulStore<TransferProcess, TransferState>(newDatabase, {
    port: 'TransferStore',
    store: (stores) => stores.transfers,
    make: transfer,
    states: ['REQUESTED', 'STARTING', 'STARTED'],
  });
  describeAgreementStore(newDatabase);
  describeApprovalStore(newDatabase);
  describeTransferTerms(newDatabase);
  describeUsageStore(newDatabase);
  describeBudgetStore(newDatabase);
  describeOutbox(newDatabase);

  describe('Stores', () => {
    const db = storesFor(newDatabase);

    it('keeps every aggregate when the database is closed and opened again', async () => {
      const { stores, reopen } = await db.open();
      await stores.assets.put(asset('asset-1'));
      await stores.offers.put(offer('offer-1', 'asset-1'));
      await stores.negotiations.create(negotiation('n1'));
      await stores.agreements.create(agreement('ag-1'));
      await stores.transfers.create(transfer('t1'));
      await stores.approvals.put(approval('scc-1'));
      await stores.usage.addSubjects('ningbo-terminal', 2026, 'ag-1', subjectHashes(0, 2), false);
      await stores.outbox.enqueue(outboxRecord('r1'));
      await stores.close();
      const again = await reopen();
      expect(await again.assets.get('asset-1')).toEqual(asset('asset-1'));
      expect(await again.offers.get('offer-1')).toEqual(offer('offer-1', 'asset-1'));
      expect(await again.negotiations.get('n1')).toEqual(negotiation('n1'));
      expect(await again.agreements.get('ag-1')).toEqual(agreement('ag-1'));
      expect(await again.transfers.get('t1')).toEqual(transfer('t1'));
      expect(await again.approvals.get('scc-1')).toEqual(approval('scc-1'));
      expect((await again.usage.agreementUsage('ag-1')).subjects).toBe(2);
      expect(await again.outbox.get('r1')).toMatchObject(outboxRecord('r1'));
    });

    it('closes once, however often close() is called', async () => {
      const { stores } = await db.open();
      await Promise.all([stores.close(), stores.close()]);
      await expect(stores.close()).resolves.toBeUndefined();
      await expect(stores.assets.get('asset-1')).rejects.toThrow();
    });

    it('sees at once what another instance on the same database wrote', async () => {
      const { stores, reopen } = await db.open();
      const other = await reopen();
      await stores.negotiations.create(negotiation('n1'));
      expect(await other.negotiations.get('n1')).toEqual(negotiation('n1'));
    });
  });
}
