/**
 * How the registry's contract suites reach an adapter. `NewDatabase` makes an empty database (a file, a schema)
 * and returns an opener for it; each call of the opener is a separate connection or pool on that database.
 */
import { afterEach } from 'vitest';
import type { RegistryStores } from '../../../../src/registry/storage/ports.ts';

export type OpenStores = () => Promise<RegistryStores>;
export type NewDatabase = () => Promise<OpenStores>;

/** Opens stores for one test and closes every instance it opened when the test ends. */
export function storesFor(newDatabase: NewDatabase): () => Promise<{ stores: RegistryStores; reopen: OpenStores }> {
  const opened: RegistryStores[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return async () => {
    const openOnce = await newDatabase();
    const reopen: OpenStores = async () => {
      const stores = await openOnce();
      opened.push(stores);
      return stores;
    };
    return { stores: await reopen(), reopen };
  };
}
