/**
 * The registry on PostgreSQL: several registry processes share one database. Appends serialise on the single
 * row of ledger_head, locked FOR UPDATE in the append transaction, so there is one chain and never a fork.
 */
import pg from 'pg';
import { ConfigError } from '../../../core/errors.ts';
import { PostgresDialect, quoteIdentifier, SCHEMA_NAME } from '../../../storage/postgres/dialect.ts';
import { inTransaction, postgresDriver } from '../../../storage/postgres/driver.ts';
import { pendingMigrations } from '../../../storage/sql/migrations.ts';
import type { RegistryStores } from '../ports.ts';
import type { RegistryDialect } from '../sql/dialect.ts';
import type { SqlSession, TransactionalDriver } from '../sql/driver.ts';
import { registrySqlStores } from '../sql/stores.ts';
import { migrationStatements } from '../../../storage/postgres/migrations.ts';
import { postgresRegistryMigrations } from './migrations.ts';
import { REGISTRY_MIGRATIONS_TABLE } from '../sql/migrations.ts';

export interface PostgresRegistryOptions {
  /** The schema holding the tables, created if missing; default `kouan_registry`. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** Use an existing schema for reading only (ledger verification); never creates or migrates. */
  readOnly?: boolean;
  /** Told about a pooled connection that failed while idle (the pool replaces it); default: ignored. */
  onIdleError?: (error: Error) => void;
}

function transactionalDriver(pool: pg.Pool): TransactionalDriver {
  const base = postgresDriver(pool);
  const session = (client: pg.PoolClient): SqlSession => ({
    all: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
    run: async (sql, params) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
  });
  return {
    all: base.all,
    run: base.run,
    close: base.close,
    transaction: (work) => inTransaction(pool, (client) => work(session(client))),
    // COMMIT returns once the server has flushed its log (synchronous_commit, the server's setting).
    durable: async () => undefined,
  };
}

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const s = quoteIdentifier(schema);
  const sql = migrationStatements(s, REGISTRY_MIGRATIONS_TABLE);
  await inTransaction(pool, async (client) => {
    await client.query(sql.lock, [`kouan registry migrations ${schema}`]);
    await client.query(sql.createSchema);
    await client.query(sql.createTable);
    const applied = (await client.query<{ version: number }>(sql.applied)).rows.map((r) => r.version);
    for (const migration of pendingMigrations(postgresRegistryMigrations(s), applied)) {
      await client.query(migration.sql);
      await client.query(sql.record, [migration.version, migration.name]);
    }
  });
}

/** Refuses a schema that holds no registry, or one written by a newer Kouan. */
async function checkSchema(pool: pg.Pool, schema: string): Promise<void> {
  const s = quoteIdentifier(schema);
  let applied: number[];
  try {
    applied = (await pool.query<{ version: number }>(migrationStatements(s, REGISTRY_MIGRATIONS_TABLE).applied)).rows.map((r) => r.version);
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: the schema is there but holds no registry, or is not there.
    if (['42P01', '3F000'].includes(String((error as { code?: unknown }).code))) throw new ConfigError(`schema ${schema} holds no Kouan registry`);
    throw error;
  }
  pendingMigrations(postgresRegistryMigrations(s), applied);
}

/** Connects to `url`, brings the schema up to date (unless read-only) and returns the registry's stores. */
export async function openPostgresRegistryStores(url: string, options: PostgresRegistryOptions = {}): Promise<RegistryStores> {
  const schema = options.schema ?? 'kouan_registry';
  if (!SCHEMA_NAME.test(schema)) throw new ConfigError(`schema must match ${SCHEMA_NAME.source}`, { schema });
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  pool.on('error', options.onIdleError ?? (() => undefined));
  try {
    await (options.readOnly ? checkSchema(pool, schema) : migrate(pool, schema));
  } catch (error) {
    await pool.end();
    throw error;
  }
  const base = new PostgresDialect(schema);
  // 500 rows × 9 parameters per INSERT: one round trip per batch, far below the 65,535-parameter limit.
  const dialect: RegistryDialect = { sql: base, table: (name) => `${quoteIdentifier(schema)}.${name}`, lockRow: () => 'FOR UPDATE', rowsPerInsert: 500 };
  return registrySqlStores(transactionalDriver(pool), dialect);
}
