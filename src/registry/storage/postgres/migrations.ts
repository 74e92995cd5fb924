/** The registry's PostgreSQL schema, inside the schema the stores were opened on; ids in the "C" collation. */
import type { Migration } from '../../../storage/sql/migrations.ts';
import { GENESIS_HASH } from '../../model.ts';
import { APPEND_ONLY } from '../sql/migrations.ts';

const appendOnly = (s: string, table: string): string => `
  CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${s}.${table} FOR EACH ROW EXECUTE FUNCTION ${s}.ledger_append_only();
  CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${s}.${table} FOR EACH STATEMENT EXECUTE FUNCTION ${s}.ledger_append_only();`;

/** The migrations for a (quoted) schema. */
export function postgresRegistryMigrations(s: string): readonly Migration[] {
  return [
    {
      version: 1,
      name: 'participants and the hash-chained ledger',
      sql: `
        CREATE TABLE ${s}.participants (id text COLLATE "C" PRIMARY KEY, status text NOT NULL, document text NOT NULL);
        CREATE TABLE ${s}.ledger_head (id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL);
        INSERT INTO ${s}.ledger_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
        CREATE TABLE ${s}.ledger_entries (
          seq bigint PRIMARY KEY CHECK (seq > 0),
          record_id text COLLATE "C" NOT NULL UNIQUE,
          kind text NOT NULL,
          participant text COLLATE "C" NOT NULL,
          record text NOT NULL,
          signature text NOT NULL,
          received_at text NOT NULL,
          hash text NOT NULL,
          receipt text NOT NULL
        );
        CREATE INDEX ledger_entries_participant ON ${s}.ledger_entries (participant, seq);
        CREATE TABLE ${s}.ledger_checkpoints (seq bigint PRIMARY KEY, hash text NOT NULL, at text NOT NULL, signature text NOT NULL);
        CREATE TABLE ${s}.ledger_keys (kid text COLLATE "C" PRIMARY KEY, jwk text NOT NULL, certificate text NOT NULL, binding text NOT NULL, created_at text NOT NULL);
        CREATE FUNCTION ${s}.ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION '${APPEND_ONLY}'; END
        $$;
        ${appendOnly(s, 'ledger_entries')}
        ${appendOnly(s, 'ledger_checkpoints')}`,
    },
    {
      version: 2,
      name: 'signed policy-data bundles',
      sql: `
        CREATE TABLE ${s}.policy_bundles (version bigint PRIMARY KEY CHECK (version > 0), bundle text NOT NULL);
        ${appendOnly(s, 'policy_bundles')}`,
    },
  ];
}

