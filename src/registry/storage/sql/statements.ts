/** The registry's SQL, written once over a RegistryDialect. Parameters are numbered from 1 as each comment says. */
import type { RegistryDialect } from './dialect.ts';

export const ENTRY_COLUMNS = ['seq', 'record_id', 'kind', 'participant', 'record', 'signature', 'received_at', 'hash', 'receipt'] as const;
const ENTRY = ENTRY_COLUMNS.join(', ');
/** An entry without its receipt: what verification reads. */
const LINK = ENTRY_COLUMNS.filter((c) => c !== 'receipt').join(', ');
const CHECKPOINT = 'seq, hash, at, signature';
const KEY = 'kid, jwk, certificate, binding, created_at';

export function registryStatements(d: RegistryDialect) {
  const p = (i: number): string => d.sql.param(i);
  const values = (from: number, count: number): string => `(${Array.from({ length: count }, (_, i) => p(from + i)).join(', ')})`;
  const participants = d.table('participants');
  const head = d.table('ledger_head');
  const entries = d.table('ledger_entries');
  const checkpoints = d.table('ledger_checkpoints');
  const keys = d.table('ledger_keys');
  const bundles = d.table('policy_bundles');
  return {
    /** Parameters: id, status, document. */
    insertParticipant: `INSERT INTO ${participants} (id, status, document) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
    /** Parameters: id, status, document. */
    updateParticipant: `UPDATE ${participants} SET status = ${p(2)}, document = ${p(3)} WHERE id = ${p(1)}`,
    /** Parameter: id. */
    participant: `SELECT document FROM ${participants} WHERE id = ${p(1)}`,
    /** Parameters: limit, offset. */
    participantPage: `SELECT document FROM ${participants} ORDER BY id LIMIT ${p(1)} OFFSET ${p(2)}`,

    head: `SELECT seq, hash FROM ${head} WHERE id = 1`,
    lockHead: `SELECT seq, hash FROM ${head} WHERE id = 1 ${d.lockRow()}`.trimEnd(),
    /** Parameters: new seq, new hash, then the head as read under the lock (a second guard against a fork). */
    moveHead: `UPDATE ${head} SET seq = ${p(1)}, hash = ${p(2)} WHERE id = 1 AND seq = ${p(3)} AND hash = ${p(4)}`,
    /** Parameter: record ids (bindList). */
    entriesOf: `SELECT ${ENTRY} FROM ${entries} WHERE ${d.sql.isOneOf('record_id', 1)}`,
    /** Parameters: the columns of ENTRY_COLUMNS, row after row. */
    insertEntries: (rows: number): string =>
      `INSERT INTO ${entries} (${ENTRY}) VALUES ${Array.from({ length: rows }, (_, r) => values(r * ENTRY_COLUMNS.length + 1, ENTRY_COLUMNS.length)).join(', ')}`,
    /** Parameter: seq. */
    entry: `SELECT ${ENTRY} FROM ${entries} WHERE seq = ${p(1)}`,
    /** Parameter: record id. */
    entryByRecordId: `SELECT ${ENTRY} FROM ${entries} WHERE record_id = ${p(1)}`,
    /** Parameters: after seq, limit. */
    entriesAfter: `SELECT ${ENTRY} FROM ${entries} WHERE seq > ${p(1)} ORDER BY seq LIMIT ${p(2)}`,
    /** Parameters: after seq, limit. */
    linksAfter: `SELECT ${LINK} FROM ${entries} WHERE seq > ${p(1)} ORDER BY seq LIMIT ${p(2)}`,

    /** Parameters: seq, hash, at, signature. */
    insertCheckpoint: `INSERT INTO ${checkpoints} (${CHECKPOINT}) VALUES ${values(1, 4)}`,
    /** Parameters: seq, hash, at, signature; changes no row when a checkpoint at that seq is already there (another registry's). */
    addCheckpoint: `INSERT INTO ${checkpoints} (${CHECKPOINT}) VALUES ${values(1, 4)} ON CONFLICT (seq) DO NOTHING`,
    /** Parameters: after seq, limit. */
    checkpointsAfter: `SELECT ${CHECKPOINT} FROM ${checkpoints} WHERE seq > ${p(1)} ORDER BY seq LIMIT ${p(2)}`,
    latestCheckpoint: `SELECT ${CHECKPOINT} FROM ${checkpoints} ORDER BY seq DESC LIMIT 1`,

    /** Parameters: kid, jwk, certificate, binding, created_at. */
    addKey: `INSERT INTO ${keys} (${KEY}) VALUES ${values(1, 5)} ON CONFLICT (kid) DO NOTHING`,
    keys: `SELECT ${KEY} FROM ${keys} ORDER BY created_at, kid`,

    nextBundleVersion: `SELECT COALESCE(MAX(version), 0) + 1 AS version FROM ${bundles}`,
    /** Parameters: version, bundle; changes no row when another registry took that version first. */
    insertBundle: `INSERT INTO ${bundles} (version, bundle) VALUES (${p(1)}, ${p(2)}) ON CONFLICT (version) DO NOTHING`,
    latestBundle: `SELECT bundle FROM ${bundles} ORDER BY version DESC LIMIT 1`,
    latestBundleVersion: `SELECT MAX(version) AS version FROM ${bundles}`,
    /** Parameter: version. */
    bundle: `SELECT bundle FROM ${bundles} WHERE version = ${p(1)}`,
  };
}

export type RegistryStatements = ReturnType<typeof registryStatements>;
