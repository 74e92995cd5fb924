/**
 * How a contract suite reaches an adapter. `NewDatabase` makes an empty database (a file, a schema) and
 * returns an opener for it; each call of the opener is a separate connection or pool on that database,
 * which is what the reopen and concurrency contracts need.
 */
import { afterEach } from 'vitest';
import type { Stores } from '../../../src/storage/ports.ts';

export type OpenStores = () => Promise<Stores>;
export type NewDatabase = () => Promise<OpenStores>;

/** Opens stores for one test and closes every instance it opened when the test ends. */
export function storesFor(newDatabase: NewDatabase): { open(): Promise<{ stores: Stores; reopen: OpenStores }> } {
  const opened: Stores[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return {
    async open() {
      const openOnce = await newDatabase();
      const reopen: OpenStores = async () => {
        const stores = await openOnce();
        opened.push(stores);
        return stores;
      };
      return { stores: await reopen(), reopen };
    },
  };
}
