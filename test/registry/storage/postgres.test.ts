import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.ts';
import { openPostgresRegistryStores } from '../../../src/registry/storage/postgres/index.ts';
import { dropSchemas, query, testPostgresUrl, uniqueSchema } from '../../support/postgres-schemas.ts';
import { describeRegistryStoreContracts, type NewDatabase } from './contract/index.ts';
import { planning, T0 } from './contract/fixtures.ts';

const url = testPostgresUrl();
const schemas: string[] = [];
afterAll(() => dropSchemas(url, schemas));
const newSchema = (prefix: string): string => {
  const schema = uniqueSchema(prefix);
  schemas.push(schema);
  return schema;
};

/** Each database is a schema of its own on the shared test server; each open is a separate pool. */
const newDatabase: NewDatabase = async () => {
  const schema = newSchema('registry');
  return () => openPostgresRegistryStores(url, { schema, poolSize: 4 });
};

describe('PostgreSQL registry stores', () => {
  describeRegistryStoreContracts(newDatabase);

  it('keeps the chain and the published policy data append-only: the database itself refuses to change, remove or truncate them', async () => {
    const schema = newSchema('append_only');
    const stores = await openPostgresRegistryStores(url, { schema });
    await stores.ledger.append([], planning(['a', 'b'], (seq) => seq === 2));
    await stores.policyBundles.publish((version) => ({ version, issued: T0, data: {}, signature: 's', certificatePem: 'PEM' }));
    await stores.close();
    for (const sql of [`UPDATE "${schema}".policy_bundles SET bundle = '{}'`, `DELETE FROM "${schema}".policy_bundles`, `TRUNCATE "${schema}".policy_bundles`, `UPDATE "${schema}".ledger_entries SET record = '{}' WHERE seq = 1`, `DELETE FROM "${schema}".ledger_entries WHERE seq = 2`, `TRUNCATE "${schema}".ledger_entries`, `UPDATE "${schema}".ledger_checkpoints SET hash = '0'`]) {
      await expect(query(url, sql), sql).rejects.toThrow(/append-only/);
    }
  });

  it('migrates a schema once when several registries open it at the same moment', async () => {
    const schema = newSchema('race');
    const opened = await Promise.all(Array.from({ length: 4 }, () => openPostgresRegistryStores(url, { schema, poolSize: 1 })));
    await Promise.all(opened.map((s) => s.close()));
    expect(await query<{ version: number }>(url, `SELECT version FROM "${schema}".kouan_registry_migrations ORDER BY version`)).toEqual([{ version: 1 }, { version: 2 }]);
    expect(await query<{ seq: string }>(url, `SELECT seq FROM "${schema}".ledger_head`)).toEqual([{ seq: '0' }]);
  });

  it('opens a schema for reading only, refusing one without a registry', async () => {
    await expect(openPostgresRegistryStores(url, { schema: newSchema('nothing'), readOnly: true })).rejects.toThrow(/holds no Kouan registry/);
    const schema = newSchema('newer');
    await (await openPostgresRegistryStores(url, { schema })).close();
    await query(url, `INSERT INTO "${schema}".kouan_registry_migrations (version, name) VALUES (99, 'from the future')`);
    await expect(openPostgresRegistryStores(url, { schema, readOnly: true })).rejects.toThrow(ConfigError);
    await expect(openPostgresRegistryStores(url, { schema: 'Robert"; DROP TABLE x' })).rejects.toThrow(ConfigError);
  });
});
