/** Contract of AssetStore and OfferStore: what every adapter must do with the provider's catalog. */
import { describe, expect, it } from 'vitest';
import { ConflictError, InputError, NotFoundError } from '../../../src/core/errors.ts';
import { asset, offer } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

export function describeAssetStore(newDatabase: NewDatabase): void {
  describe('AssetStore', () => {
    const db = storesFor(newDatabase);

    it('returns an asset exactly as it was put', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('manifests'));
      expect(await stores.assets.get('manifests')).toEqual(asset('manifests'));
    });

    it('replaces an asset put again under the same id', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('manifests'));
      await stores.assets.put(asset('manifests', { title: 'Renamed' }));
      expect((await stores.assets.get('manifests'))?.title).toBe('Renamed');
      expect(await stores.assets.list()).toHaveLength(1);
    });

    it('returns null for an asset it never stored', async () => {
      const { stores } = await db.open();
      expect(await stores.assets.get('nothing')).toBeNull();
    });

    it('lists assets in id order, one page at a time', async () => {
      const { stores } = await db.open();
      for (const id of ['e', 'b', 'd', 'a', 'c']) await stores.assets.put(asset(id));
      const ids = async (page: { offset?: number; limit?: number }): Promise<string[]> => (await stores.assets.list(page)).map((a) => a.id);
      expect(await ids({ limit: 2 })).toEqual(['a', 'b']);
      expect(await ids({ offset: 2, limit: 2 })).toEqual(['c', 'd']);
      expect(await ids({ offset: 4, limit: 2 })).toEqual(['e']);
      expect(await ids({ offset: 5 })).toEqual([]);
    });

    it('returns at most 100 assets when no page size is given', async () => {
      const { stores } = await db.open();
      await Promise.all(Array.from({ length: 101 }, (_, i) => stores.assets.put(asset(`a${String(i).padStart(3, '0')}`))));
      const listed = await stores.assets.list();
      expect(listed).toHaveLength(100);
      expect(listed.at(-1)?.id).toBe('a099');
    });

    it('refuses a page size above 1000, below 1, or a negative offset', async () => {
      const { stores } = await db.open();
      await expect(stores.assets.list({ limit: 1001 })).rejects.toThrow(InputError);
      await expect(stores.assets.list({ limit: 0 })).rejects.toThrow(InputError);
      await expect(stores.assets.list({ offset: -1 })).rejects.toThrow(InputError);
      await expect(stores.assets.list({ limit: 1.5 })).rejects.toThrow(InputError);
    });

    it('deletes an asset and tells whether there was one', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('manifests'));
      expect(await stores.assets.delete('manifests')).toBe(true);
      expect(await stores.assets.get('manifests')).toBeNull();
      expect(await stores.assets.delete('manifests')).toBe(false);
    });

    it('refuses to delete an asset that offers still point to, and keeps it', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('manifests'));
      await stores.offers.put(offer('offer-1', 'manifests'));
      await expect(stores.assets.delete('manifests')).rejects.toThrow(ConflictError);
      expect(await stores.assets.get('manifests')).not.toBeNull();
      await stores.offers.delete('offer-1');
      expect(await stores.assets.delete('manifests')).toBe(true);
    });
  });
}

export function describeOfferStore(newDatabase: NewDatabase): void {
  describe('OfferStore', () => {
    const db = storesFor(newDatabase);

    it('returns an offer exactly as it was put, and replaces it when put again', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('manifests'));
      await stores.offers.put(offer('offer-1', 'manifests'));
      expect(await stores.offers.get('offer-1')).toEqual(offer('offer-1', 'manifests'));
      const narrower = offer('offer-1', 'manifests', { policy: { permissions: [{ action: 'use' }], prohibitions: [{ action: 'distribute' }] } });
      await stores.offers.put(narrower);
      expect(await stores.offers.get('offer-1')).toEqual(narrower);
    });

    it('refuses an offer for an asset it does not hold, and stores nothing', async () => {
      const { stores } = await db.open();
      await expect(stores.offers.put(offer('offer-1', 'ghost'))).rejects.toThrow(NotFoundError);
      expect(await stores.offers.get('offer-1')).toBeNull();
    });

    it('lists the offers of one asset only', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('manifests'));
      await stores.assets.put(asset('invoices'));
      await stores.offers.put(offer('o2', 'manifests'));
      await stores.offers.put(offer('o1', 'manifests'));
      await stores.offers.put(offer('o3', 'invoices'));
      expect((await stores.offers.listByAsset('manifests')).map((o) => o.id)).toEqual(['o1', 'o2']);
      expect(await stores.offers.listByAsset('unknown')).toEqual([]);
    });

    it('lists offers in id order, one page at a time, and deletes them', async () => {
      const { stores } = await db.open();
      await stores.assets.put(asset('manifests'));
      for (const id of ['o3', 'o1', 'o2']) await stores.offers.put(offer(id, 'manifests'));
      expect((await stores.offers.list({ offset: 1, limit: 1 })).map((o) => o.id)).toEqual(['o2']);
      expect(await stores.offers.delete('o2')).toBe(true);
      expect(await stores.offers.delete('o2')).toBe(false);
      expect((await stores.offers.list()).map((o) => o.id)).toEqual(['o1', 'o3']);
    });
  });
}
