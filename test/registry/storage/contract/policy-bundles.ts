/** Contract of PolicyBundleStore: versions 1, 2, 3... assigned once each, bundles read back as published. */
import { describe, expect, it } from 'vitest';
import type { SignedPolicyBundle } from '../../../../src/policy/bundle.ts';
import { T0 } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

const bundle = (version: number, note = 'ünïcödé'): SignedPolicyBundle => ({
  version,
  issued: T0,
  data: { restricted_recipients: { recipients: { [`lab-${version}`]: { name: note, list: 'PIPL art. 42' } } } },
  signature: `sig-${version}`,
  certificatePem: 'PEM',
});

export function describePolicyBundleStore(newDatabase: NewDatabase): void {
  describe('PolicyBundleStore', () => {
    const open = storesFor(newDatabase);

    it('has no bundle before the first publication', async () => {
      const { policyBundles } = (await open()).stores;
      expect(await policyBundles.latest()).toBeNull();
      expect(await policyBundles.latestVersion()).toBeNull();
      expect(await policyBundles.get(1)).toBeNull();
    });

    it('gives each publication the next version and reads every one back as published', async () => {
      const { stores, reopen } = await open();
      const seen: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        await stores.policyBundles.publish((version) => {
          seen.push(version);
          return bundle(version);
        });
      }
      expect(seen).toEqual([1, 2, 3]);
      const other = (await reopen()).policyBundles;
      expect(await other.latest()).toEqual(bundle(3));
      expect(await other.latestVersion()).toBe(3);
      expect(await other.get(2)).toEqual(bundle(2));
      expect(await other.get(4)).toBeNull();
    });

    it('never assigns one version twice when several stores on the database publish at once', async () => {
      const { stores, reopen } = await open();
      const all = [stores, ...(await Promise.all([reopen(), reopen(), reopen()]))];
      const published = await Promise.all(all.flatMap((s, i) => [0, 1].map((j) => s.policyBundles.publish((version) => bundle(version, `writer ${i}.${j}`)))));
      expect(published.map((b) => b.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      for (const b of published) expect(await stores.policyBundles.get(b.version)).toEqual(b);
    });

    it('stores nothing when the bundle cannot be built', async () => {
      const { policyBundles } = (await open()).stores;
      await expect(policyBundles.publish(() => { throw new Error('signing failed'); })).rejects.toThrow('signing failed');
      await expect(policyBundles.publish((version) => bundle(version + 1))).rejects.toThrow(/next is 1/);
      expect(await policyBundles.latest()).toBeNull();
    });
  });
}
