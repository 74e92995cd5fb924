/**
 * The registry's schema steps, numbered like the connector's (src/storage/sql/migrations.ts) but recorded in a
 * table of their own, so that a registry and a connector could even share one database. The chain tables are
 * append-only in the database too: a trigger refuses UPDATE and DELETE, so only a deliberate act (dropping the
 * trigger) can change an entry, and `kouan ledger verify` then names the entry. Published policy-data bundles
 * are kept the same way: a version, once served to connectors, never changes.
 */
export const REGISTRY_MIGRATIONS_TABLE = 'kouan_registry_migrations';

/** What a trigger says when it refuses a change to the chain. */
export const APPEND_ONLY = 'the ledger is append-only';
