/** The registry's SQLite schema, one numbered step at a time. STRICT tables; ids compare bytewise. */
import type { Migration } from '../../../storage/sql/migrations.ts';
import { GENESIS_HASH } from '../../model.ts';
import { APPEND_ONLY } from '../sql/migrations.ts';

const appendOnly = (table: string): string => `
  CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}'); END;
  CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}'); END;`;

export const sqliteRegistryMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'participants and the hash-chained ledger',
    sql: `
      CREATE TABLE participants (id TEXT PRIMARY KEY, status TEXT NOT NULL, document TEXT NOT NULL) STRICT;
      CREATE TABLE ledger_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL) STRICT;
      INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
      CREATE TABLE ledger_entries (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        record_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        participant TEXT NOT NULL,
        record TEXT NOT NULL,
        signature TEXT NOT NULL,
        received_at TEXT NOT NULL,
        hash TEXT NOT NULL,
        receipt TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ledger_entries_participant ON ledger_entries (participant, seq);
      CREATE TABLE ledger_checkpoints (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, at TEXT NOT NULL, signature TEXT NOT NULL) STRICT;
      CREATE TABLE ledger_keys (kid TEXT PRIMARY KEY, jwk TEXT NOT NULL, certificate TEXT NOT NULL, binding TEXT NOT NULL, created_at TEXT NOT NULL) STRICT;
      ${appendOnly('ledger_entries')}
      ${appendOnly('ledger_checkpoints')}`,
  },
  {
    version: 2,
    name: 'signed policy-data bundles',
    sql: `
      CREATE TABLE policy_bundles (version INTEGER PRIMARY KEY CHECK (version > 0), bundle TEXT NOT NULL) STRICT;
      ${appendOnly('policy_bundles')}`,
  },
];

