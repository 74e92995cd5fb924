import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { PostgresDialect } from '../../src/storage/postgres/dialect.ts';
import { postgresDriver } from '../../src/storage/postgres/driver.ts';
import { migrate, openPostgresStores } from '../../src/storage/postgres/index.ts';
import { dropSchemas, query, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { describeStoreContracts, type NewDatabase } from './contract/index.ts';

const url = testPostgresUrl();
const schemas: string[] = [];
afterAll(() => dropSchemas(url, schemas));

/** Each database is a schema of its own on the shared test server; each open is a separate pool. */
const newDatabase: NewDatabase = async (schemaVersion) => {
  const schema = uniqueSchema('stores');
  schemas.push(schema);
  if (schemaVersion !== undefined) {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await migrate(pool, schema, schemaVersion).finally(() => pool.end());
  }
  return {
    open: () => openPostgresStores(url, { schema, poolSize: 4 }),
    connect: async () => ({ driver: postgresDriver(new pg.Pool({ connectionString: url, max: 2 })), dialect: new PostgresDialect(schema) }),
  };
};

describe('PostgreSQL stores', () => {
  describeStoreContracts(newDatabase);

  it('migrates a schema once when several processes open it at the same moment', async () => {
    const schema = uniqueSchema('race');
    schemas.push(schema);
    const opened = await Promise.all(Array.from({ length: 4 }, () => openPostgresStores(url, { schema, poolSize: 1 })));
    await Promise.all(opened.map((s) => s.close()));
    const applied = await query<{ version: number }>(url, `SELECT version FROM "${schema}".kouan_control_plane_migrations`);
    expect(applied.map((r) => r.version)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a schema written by a newer Kouan', async () => {
    const schema = uniqueSchema('newer');
    schemas.push(schema);
    await (await openPostgresStores(url, { schema })).close();
    await query(url, `INSERT INTO "${schema}".kouan_control_plane_migrations (version, name) VALUES (99, 'from the future')`);
    await expect(openPostgresStores(url, { schema })).rejects.toThrow(ConfigError);
  });

  it('refuses a schema name that would need quoting', async () => {
    await expect(openPostgresStores(url, { schema: 'Robert"; DROP TABLE x' })).rejects.toThrow(ConfigError);
  });
});
