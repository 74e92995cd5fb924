import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.ts';
import { openSqliteRegistryStores } from '../../../src/registry/storage/sqlite/index.ts';
import { describeRegistryStoreContracts, type NewDatabase } from './contract/index.ts';
import { planning, T0 } from './contract/fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kouan-registry-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let databases = 0;
/** A file in a directory that does not exist yet: opening must create it. */
const newFile = (): string => join(root, `state-${(databases += 1)}`, 'registry.db');

/** Each database is a new file; each open is a separate connection to it. */
const newDatabase: NewDatabase = async () => {
  const file = newFile();
  return async () => openSqliteRegistryStores(file);
};

describe('SQLite registry stores', () => {
  describeRegistryStoreContracts(newDatabase);

  it('keeps the chain and the published policy data append-only: the database itself refuses to change or remove them', async () => {
    const file = newFile();
    const stores = openSqliteRegistryStores(file);
    await stores.ledger.append([], planning(['a', 'b'], (seq) => seq === 2));
    await stores.policyBundles.publish((version) => ({ version, issued: T0, data: {}, signature: 's', certificatePem: 'PEM' }));
    await stores.close();
    const db = new Database(file);
    for (const sql of ["UPDATE policy_bundles SET bundle = '{}'", 'DELETE FROM policy_bundles', "UPDATE ledger_entries SET record = '{}' WHERE seq = 1", 'DELETE FROM ledger_entries WHERE seq = 2', 'UPDATE ledger_checkpoints SET hash = 0', 'DELETE FROM ledger_checkpoints']) {
      expect(() => db.prepare(sql).run(), sql).toThrow(/append-only/);
    }
    db.close();
  });

  it('opens a ledger for reading only without creating or changing anything', async () => {
    expect(() => openSqliteRegistryStores(join(root, 'missing', 'registry.db'), { readOnly: true })).toThrow(ConfigError);
    const other = join(root, 'not-a-registry.db');
    new Database(other).close();
    expect(() => openSqliteRegistryStores(other, { readOnly: true })).toThrow(/not a Kouan registry database/);
    const garbage = join(root, 'garbage.db');
    writeFileSync(garbage, 'this is not SQLite');
    expect(() => openSqliteRegistryStores(garbage, { readOnly: true })).toThrow(ConfigError);
  });

  it('refuses a file written by a newer Kouan', async () => {
    const file = newFile();
    await openSqliteRegistryStores(file).close();
    const db = new Database(file);
    db.prepare("INSERT INTO kouan_registry_migrations (version, name) VALUES (99, 'from the future')").run();
    db.close();
    expect(() => openSqliteRegistryStores(file)).toThrow(ConfigError);
    expect(() => openSqliteRegistryStores(file, { readOnly: true })).toThrow(ConfigError);
  });
});
