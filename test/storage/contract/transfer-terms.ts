/** Contract of TransferTermsStore: the gateway's one read of a transfer, its agreement and its asset. */
import { describe, expect, it } from 'vitest';
import { agreement, asset, at, transfer } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

export function describeTransferTerms(newDatabase: NewDatabase): void {
  describe('TransferTermsStore', () => {
    const db = storesFor(newDatabase);

    it('reads a transfer with its agreement and that agreement\'s asset, each as stored', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('asset-1'));
      await stores.agreements.create(agreement('ag-1', { assetId: 'asset-1' }));
      await stores.transfers.create(transfer('tp-1', { agreementId: 'ag-1' }));
      expect(await stores.transferTerms.get('tp-1')).toEqual({ transfer: transfer('tp-1', { agreementId: 'ag-1' }), agreement: agreement('ag-1', { assetId: 'asset-1' }), asset: asset('asset-1') });
    });

    it('answers null for an unknown transfer, and null members for an agreement or asset that is not stored', async () => {
      const { stores } = await db.open();
      expect(await stores.transferTerms.get('tp-none')).toBeNull();
      await stores.transfers.create(transfer('tp-1', { agreementId: 'ag-missing' }));
      expect(await stores.transferTerms.get('tp-1')).toEqual({ transfer: transfer('tp-1', { agreementId: 'ag-missing' }), agreement: null, asset: null });
      await stores.agreements.create(agreement('ag-1', { assetId: 'asset-missing' }));
      await stores.transfers.create(transfer('tp-2', { agreementId: 'ag-1' }));
      expect(await stores.transferTerms.get('tp-2')).toMatchObject({ agreement: { id: 'ag-1' }, asset: null });
    });

    it('sees a termination or suspension written through another connection on the very next read', async () => {
      const { stores, reopen } = await db.open();
      const other = await reopen();
      await stores.assets.put(asset('asset-1'));
      await stores.agreements.create(agreement('ag-1'));
      const started = transfer('tp-1', { agreementId: 'ag-1', state: 'STARTED' });
      await stores.transfers.create(started);
      expect((await stores.transferTerms.get('tp-1'))?.agreement?.state).toBe('ACTIVE');
      await other.agreements.save(agreement('ag-1', { state: 'TERMINATED' }));
      await other.transfers.save({ ...started, state: 'SUSPENDED', updatedAt: at(1) }, started.updatedAt);
      const terms = await stores.transferTerms.get('tp-1');
      expect(terms?.agreement?.state).toBe('TERMINATED');
      expect(terms?.transfer.state).toBe('SUSPENDED');
    });
  });
}
