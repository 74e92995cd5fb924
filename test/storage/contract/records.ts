/** Contract of AgreementStore and ApprovalStore. */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../src/core/errors.ts';
import { agreement, approval, T0 } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

export function describeAgreementStore(newDatabase: NewDatabase): void {
  describe('AgreementStore', () => {
    const db = storesFor(newDatabase);

    it('returns an agreement exactly as it was created', async () => {
      const { stores } = await db.open();
      await stores.agreements.create(agreement('ag-1'));
      expect(await stores.agreements.get('ag-1')).toEqual(agreement('ag-1'));
      expect(await stores.agreements.get('ag-2')).toBeNull();
    });

    it('refuses to create a second agreement under an existing id and keeps the first', async () => {
      const { stores } = await db.open();
      await stores.agreements.create(agreement('ag-1'));
      await expect(stores.agreements.create(agreement('ag-1', { consumerId: 'someone-else' }))).rejects.toThrow(ConflictError);
      expect((await stores.agreements.get('ag-1'))?.consumerId).toBe('hamburg-forwarder');
    });

    it('saves a countersigned, then terminated agreement', async () => {
      const { stores } = await db.open();
      await stores.agreements.create(agreement('ag-1'));
      const signed = agreement('ag-1', { signatures: { provider: 'p-sig', consumer: 'c-sig' } });
      await stores.agreements.save(signed);
      expect(await stores.agreements.get('ag-1')).toEqual(signed);
      await stores.agreements.save({ ...signed, state: 'TERMINATED' });
      expect((await stores.agreements.get('ag-1'))?.state).toBe('TERMINATED');
    });

    it('refuses to save an agreement that was never created', async () => {
      const { stores } = await db.open();
      await expect(stores.agreements.save(agreement('ghost'))).rejects.toThrow(NotFoundError);
      expect(await stores.agreements.get('ghost')).toBeNull();
    });

    it('lists agreements in id order, one page at a time', async () => {
      const { stores } = await db.open();
      for (const id of ['ag-3', 'ag-1', 'ag-2']) await stores.agreements.create(agreement(id));
      expect((await stores.agreements.list()).map((a) => a.id)).toEqual(['ag-1', 'ag-2', 'ag-3']);
      expect((await stores.agreements.list({ offset: 2, limit: 5 })).map((a) => a.id)).toEqual(['ag-3']);
    });
  });
}

export function describeApprovalStore(newDatabase: NewDatabase): void {
  describe('ApprovalStore', () => {
    const db = storesFor(newDatabase);

    it('returns an approval exactly as it was put, and replaces it when put again', async () => {
      const { stores } = await db.open();
      await stores.approvals.put(approval('scc-1'));
      expect(await stores.approvals.get('scc-1')).toEqual(approval('scc-1'));
      const amended = approval('scc-1', { entry: { ref: 'SCC-2026-amended', filed_at: T0 } });
      await stores.approvals.put(amended);
      expect(await stores.approvals.get('scc-1')).toEqual(amended);
      expect(await stores.approvals.get('none')).toBeNull();
    });

    it('lists every approval, or those of one kind', async () => {
      const { stores } = await db.open();
      await stores.approvals.put(approval('sa-1', { kind: 'security_assessment' }));
      await stores.approvals.put(approval('scc-2'));
      await stores.approvals.put(approval('scc-1'));
      expect((await stores.approvals.list()).map((a) => a.id)).toEqual(['sa-1', 'scc-1', 'scc-2']);
      expect((await stores.approvals.list('standard_contract')).map((a) => a.id)).toEqual(['scc-1', 'scc-2']);
      expect(await stores.approvals.list('export_licence')).toEqual([]);
    });

    it('deletes an approval and tells whether there was one', async () => {
      const { stores } = await db.open();
      await stores.approvals.put(approval('scc-1'));
      expect(await stores.approvals.delete('scc-1')).toBe(true);
      expect(await stores.approvals.delete('scc-1')).toBe(false);
      expect(await stores.approvals.list()).toEqual([]);
    });
  });
}
