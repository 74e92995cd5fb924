/**
 * PostgreSQL for when one machine is not enough: several connector processes share one database (or one
 * schema of it). Leases use row locks that skip each other; saves are optimistic on updated_at.
 */
import pg from 'pg';
import { ConfigError } from '../../core/errors.ts';
import { pendingMigrations } from '../sql/migrations.ts';
import { sqlStores } from '../sql/stores.ts';
import type { Stores } from '../ports.ts';
import { PostgresDialect, quoteIdentifier, SCHEMA_NAME } from './dialect.ts';
import { inTransaction, postgresDriver } from './driver.ts';
import { migrationStatements, postgresMigrations } from './migrations.ts';

export interface PostgresStoreOptions {
  /** The schema holding the tables, created if missing; default `public`. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** Told about a pooled connection that failed while idle (the pool replaces it); default: ignored. */
  onIdleError?: (error: Error) => void;
}

/**
 * Applies the missing migrations in one transaction holding an advisory lock on the schema; all of them, or
 * those up to `upTo` (how tests make a schema as an older build left it).
 */
export async function migrate(pool: pg.Pool, schema: string, upTo?: number): Promise<void> {
  const s = quoteIdentifier(schema);
  const sql = migrationStatements(s);
  await inTransaction(pool, async (client) => {
    await client.query(sql.lock, [`kouan control plane migrations ${schema}`]);
    await client.query(sql.createSchema);
    await client.query(sql.createTable);
    const applied = (await client.query<{ version: number }>(sql.applied)).rows.map((r) => r.version);
    for (const migration of pendingMigrations(postgresMigrations(s).slice(0, upTo), applied)) {
      await client.query(migration.sql);
      await client.query(sql.record, [migration.version, migration.name]);
    }
  });
}

/** Connects to `url`, brings the schema up to date and returns the stores; close() ends the pool. */
export async function openPostgresStores(url: string, options: PostgresStoreOptions = {}): Promise<Stores> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new ConfigError(`schema must match ${SCHEMA_NAME.source}`, { schema });
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  pool.on('error', options.onIdleError ?? (() => undefined));
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return sqlStores(postgresDriver(pool), new PostgresDialect(schema));
}
