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
];

export const migrationStatements = {
  createTable: `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  ) STRICT`,
  applied: `SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`,
  record: `INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES (?, ?)`,
};
