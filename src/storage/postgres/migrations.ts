/**
 * PostgreSQL schema, one numbered step at a time, inside the schema the stores were opened on. Ids use the
 * "C" collation so paging order is bytewise, the same as SQLite's, whatever the database's locale.
 */
import { MIGRATIONS_TABLE, type Migration } from '../sql/migrations.ts';

const stateful = (s: string, table: string): string => `
  CREATE TABLE ${s}.${table} (
    id text COLLATE "C" PRIMARY KEY,
    state text NOT NULL,
    consumer_pid text NOT NULL,
    provider_pid text,
    state_timestamp bigint NOT NULL,
    updated_at text NOT NULL,
    lease_holder text,
    lease_until bigint,
    document jsonb NOT NULL
  );
  CREATE INDEX ${table}_state ON ${s}.${table} (state, state_timestamp);
  CREATE INDEX ${table}_consumer_pid ON ${s}.${table} (consumer_pid);
  CREATE INDEX ${table}_provider_pid ON ${s}.${table} (provider_pid);`;

/** The migrations for a (quoted) schema. */
export function postgresMigrations(s: string): readonly Migration[] {
  return [
    {
      version: 1,
      name: 'control plane aggregates',
      sql: `
        CREATE TABLE ${s}.assets (id text COLLATE "C" PRIMARY KEY, document jsonb NOT NULL);
        CREATE TABLE ${s}.offers (id text COLLATE "C" PRIMARY KEY, asset_id text NOT NULL REFERENCES ${s}.assets (id), document jsonb NOT NULL);
        CREATE INDEX offers_asset_id ON ${s}.offers (asset_id);
        ${stateful(s, 'negotiations')}
        CREATE TABLE ${s}.agreements (id text COLLATE "C" PRIMARY KEY, asset_id text NOT NULL, document jsonb NOT NULL);
        CREATE INDEX agreements_asset_id ON ${s}.agreements (asset_id);
        ${stateful(s, 'transfers')}
        CREATE TABLE ${s}.approvals (id text COLLATE "C" PRIMARY KEY, kind text NOT NULL, document jsonb NOT NULL);
        CREATE INDEX approvals_kind ON ${s}.approvals (kind);`,
    },
    {
      version: 2,
      name: 'data plane usage and outbox',
      // The outbox keeps records and receipts as text, not jsonb: it must hand back exactly what was signed,
      // and jsonb refuses a string holding U+0000.
      sql: `
        CREATE TABLE ${s}.agreement_usage (
          agreement_id text COLLATE "C" PRIMARY KEY,
          requests bigint NOT NULL,
          records bigint NOT NULL
        );
        CREATE TABLE ${s}.exporter_subjects (
          exporter_id text COLLATE "C" NOT NULL,
          year integer NOT NULL,
          hash text COLLATE "C" NOT NULL,
          sensitive smallint NOT NULL CHECK (sensitive IN (0, 1)),
          PRIMARY KEY (exporter_id, year, hash)
        );
        CREATE INDEX exporter_subjects_sensitive ON ${s}.exporter_subjects (exporter_id, year) WHERE sensitive = 1;
        CREATE TABLE ${s}.agreement_subjects (
          agreement_id text COLLATE "C" NOT NULL,
          hash text COLLATE "C" NOT NULL,
          PRIMARY KEY (agreement_id, hash)
        );
        CREATE TABLE ${s}.outbox (
          id text COLLATE "C" PRIMARY KEY,
          kind text NOT NULL,
          record text NOT NULL,
          signature text NOT NULL,
          created_at text NOT NULL,
          created_ms bigint NOT NULL,
          delivered_at text,
          receipt text,
          attempts integer NOT NULL DEFAULT 0,
          last_error text,
          failed_at text,
          lease_holder text,
          lease_until bigint
        );
        CREATE INDEX outbox_undelivered ON ${s}.outbox (created_ms, id) WHERE delivered_at IS NULL;`,
    },
    {
      version: 3,
      name: 'usage counters',
      // The subject totals become counters the writes move, counted once here from the rows already stored,
      // with writers of those rows held off until this commits; the partial index only served counting the
      // sensitive ones. A process of an older build still running would go on adding rows without counting them.
      sql: `
        LOCK TABLE ${s}.agreement_subjects, ${s}.exporter_subjects IN SHARE MODE;
        ALTER TABLE ${s}.agreement_usage ADD COLUMN subjects bigint NOT NULL DEFAULT 0;
        INSERT INTO ${s}.agreement_usage (agreement_id, requests, records, subjects)
          SELECT agreement_id, 0, 0, count(*) FROM ${s}.agreement_subjects GROUP BY agreement_id
          ON CONFLICT (agreement_id) DO UPDATE SET subjects = excluded.subjects;
        CREATE TABLE ${s}.exporter_usage (
          exporter_id text COLLATE "C" NOT NULL,
          year integer NOT NULL,
          subjects bigint NOT NULL,
          sensitive_subjects bigint NOT NULL,
          PRIMARY KEY (exporter_id, year)
        );
        INSERT INTO ${s}.exporter_usage (exporter_id, year, subjects, sensitive_subjects)
          SELECT exporter_id, year, count(*), count(*) FILTER (WHERE sensitive = 1) FROM ${s}.exporter_subjects GROUP BY exporter_id, year;
        DROP INDEX ${s}.exporter_subjects_sensitive;`,
    },
    {
      version: 4,
      name: 'budget reservations',
      // Units of each capped budget taken before the data they cover leaves the gateway (../sql/budgets.ts).
      sql: `
        CREATE TABLE ${s}.budgets (
          key text COLLATE "C" PRIMARY KEY,
          reserved bigint NOT NULL,
          granted bigint NOT NULL DEFAULT 0
        );`,
    },
  ];
}

/** The statements of the migration runner, for a schema and the table that records applied versions. */
export function migrationStatements(s: string, table: string = MIGRATIONS_TABLE): { lock: string; createSchema: string; createTable: string; applied: string; record: string } {
  return {
    /** Held until the transaction ends: two processes opening the same schema migrate one after the other. */
    lock: `SELECT pg_advisory_xact_lock(hashtext($1))`,
    createSchema: `CREATE SCHEMA IF NOT EXISTS ${s}`,
    createTable: `CREATE TABLE IF NOT EXISTS ${s}.${table} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
    applied: `SELECT version FROM ${s}.${table} ORDER BY version`,
    record: `INSERT INTO ${s}.${table} (version, name) VALUES ($1, $2)`,
  };
}
