/** SQLite schema, one numbered step at a time. STRICT tables; ids compare bytewise (BINARY), as in PostgreSQL's "C". */
import { MIGRATIONS_TABLE, type Migration } from '../sql/migrations.ts';

const stateful = (table: string): string => `
  CREATE TABLE ${table} (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    consumer_pid TEXT NOT NULL,
    provider_pid TEXT,
    state_timestamp INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    lease_holder TEXT,
    lease_until INTEGER,
    document TEXT NOT NULL
  ) STRICT;
  CREATE INDEX ${table}_state ON ${table} (state, state_timestamp);
  CREATE INDEX ${table}_consumer_pid ON ${table} (consumer_pid);
  CREATE INDEX ${table}_provider_pid ON ${table} (provider_pid);`;

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'control plane aggregates',
    sql: `
      CREATE TABLE assets (id TEXT PRIMARY KEY, document TEXT NOT NULL) STRICT;
      CREATE TABLE offers (id TEXT PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES assets (id), document TEXT NOT NULL) STRICT;
      CREATE INDEX offers_asset_id ON offers (asset_id);
      ${stateful('negotiations')}
      CREATE TABLE agreements (id TEXT PRIMARY KEY, asset_id TEXT NOT NULL, document TEXT NOT NULL) STRICT;
      CREATE INDEX agreements_asset_id ON agreements (asset_id);
      ${stateful('transfers')}
      CREATE TABLE approvals (id TEXT PRIMARY KEY, kind TEXT NOT NULL, document TEXT NOT NULL) STRICT;
      CREATE INDEX approvals_kind ON approvals (kind);`,
  },
  {
    version: 2,
    name: 'data plane usage and outbox',
    sql: `
      CREATE TABLE agreement_usage (
        agreement_id TEXT PRIMARY KEY,
        requests INTEGER NOT NULL,
        records INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE exporter_subjects (
        exporter_id TEXT NOT NULL,
        year INTEGER NOT NULL,
        hash TEXT NOT NULL,
        sensitive INTEGER NOT NULL CHECK (sensitive IN (0, 1)),
        PRIMARY KEY (exporter_id, year, hash)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX exporter_subjects_sensitive ON exporter_subjects (exporter_id, year) WHERE sensitive = 1;
      CREATE TABLE agreement_subjects (
        agreement_id TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (agreement_id, hash)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        record TEXT NOT NULL,
        signature TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        delivered_at TEXT,
        receipt TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        failed_at TEXT,
        lease_holder TEXT,
        lease_until INTEGER
      ) STRICT;
      CREATE INDEX outbox_undelivered ON outbox (created_ms, id) WHERE delivered_at IS NULL;`,
  },
  {
    version: 3,
    name: 'usage counters',
    // The subject totals become counters the writes move, counted once here from the rows already stored;
    // the partial index only served counting the sensitive ones. INSERT ... SELECT needs its WHERE before
    // ON CONFLICT, else SQLite reads ON as a join's.
    sql: `
      ALTER TABLE agreement_usage ADD COLUMN subjects INTEGER NOT NULL DEFAULT 0;
      INSERT INTO agreement_usage (agreement_id, requests, records, subjects)
        SELECT agreement_id, 0, 0, count(*) FROM agreement_subjects WHERE true GROUP BY agreement_id
        ON CONFLICT (agreement_id) DO UPDATE SET subjects = excluded.subjects;
      CREATE TABLE exporter_usage (
        exporter_id TEXT NOT NULL,
        year INTEGER NOT NULL,
        subjects INTEGER NOT NULL,
        sensitive_subjects INTEGER NOT NULL,
        PRIMARY KEY (exporter_id, year)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO exporter_usage (exporter_id, year, subjects, sensitive_subjects)
        SELECT exporter_id, year, count(*), sum(sensitive) FROM exporter_subjects GROUP BY exporter_id, year;
      DROP INDEX exporter_subjects_sensitive;`,
  },
  {
    version: 4,
    name: 'budget reservations',
    // Units of each capped budget taken before the data they cover leaves the gateway (./budgets.ts).
    sql: `
      CREATE TABLE budgets (
        key TEXT PRIMARY KEY,
        reserved INTEGER NOT NULL,
        granted INTEGER NOT NULL DEFAULT 0
      ) STRICT, WITHOUT ROWID;`,
  },
];

/** The statements of the migration runner, for the table that records applied versions. */
export const migrationStatements = (table: string = MIGRATIONS_TABLE) => ({
  createTable: `CREATE TABLE IF NOT EXISTS ${table} (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ) STRICT`,
  applied: `SELECT version FROM ${table} ORDER BY version`,
  record: `INSERT INTO ${table} (version, name) VALUES (?, ?)`,
});
