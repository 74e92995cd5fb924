/** The registry's stores over one driver and one dialect: all that SQLite and PostgreSQL share. */
import { InputError, KouanError, NotFoundError } from '../../../core/errors.ts';
import { ConstraintViolation, type SqlRow, type SqlValue } from '../../../storage/sql/driver.ts';
import { page } from '../../../storage/sql/paging.ts';
import type { ChainHead, Checkpoint, LedgerEntry, LedgerKey, Participant } from '../../model.ts';
import type { SignedPolicyBundle } from '../../../policy/bundle.ts';
import { MAX_READ, type ChainedLink, type LedgerStore, type ParticipantStore, type PolicyBundleStore, type RegistryStores } from '../ports.ts';
import type { RegistryDialect } from './dialect.ts';
import type { TransactionalDriver } from './driver.ts';
import { registryStatements, type RegistryStatements } from './statements.ts';

const text = (row: SqlRow, column: string): string => String(row[column]);
/** PostgreSQL hands bigint back as text. */
const int = (row: SqlRow, column: string): number => Number(row[column]);

const linkOf = (row: SqlRow): ChainedLink => ({
  seq: int(row, 'seq'),
  recordId: text(row, 'record_id'),
  kind: text(row, 'kind') as LedgerEntry['kind'],
  participant: text(row, 'participant'),
  record: text(row, 'record'),
  signature: text(row, 'signature'),
  receivedAt: text(row, 'received_at'),
  hash: text(row, 'hash'),
});
const entryOf = (row: SqlRow): LedgerEntry => ({ ...linkOf(row), receipt: text(row, 'receipt') });
const entryValues = (e: LedgerEntry): SqlValue[] => [e.seq, e.recordId, e.kind, e.participant, e.record, e.signature, e.receivedAt, e.hash, e.receipt];
const checkpointOf = (row: SqlRow): Checkpoint => ({ seq: int(row, 'seq'), hash: text(row, 'hash'), at: text(row, 'at'), signature: text(row, 'signature') });
const headOf = (row: SqlRow | undefined): ChainHead => {
  if (row === undefined) throw new Error('the ledger has no head row; the database was not set up by Kouan');
  return { seq: int(row, 'seq'), hash: text(row, 'hash') };
};
const keyOf = (row: SqlRow): LedgerKey => ({
  kid: text(row, 'kid'),
  jwk: text(row, 'jwk'),
  certificatePem: text(row, 'certificate'),
  binding: text(row, 'binding'),
  createdAt: text(row, 'created_at'),
});
const participantOf = (row: SqlRow | undefined): Participant | null => (row === undefined ? null : (JSON.parse(text(row, 'document')) as Participant));

function readSize(afterSeq: number, limit: number): void {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new InputError('after must be a whole number from 0', { afterSeq });
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_READ) throw new InputError(`limit must be from 1 to ${MAX_READ}`, { limit });
}

function participantStore(driver: TransactionalDriver, sql: RegistryStatements): ParticipantStore {
  const values = (p: Participant): SqlValue[] => [p.id, p.status, JSON.stringify(p)];
  return {
    async create(participant) {
      try {
        await driver.run(sql.insertParticipant, values(participant));
      } catch (error) {
        if (error instanceof ConstraintViolation && error.kind === 'unique') throw new KouanError('REGISTRY_PARTICIPANT_EXISTS', `participant ${participant.id} is already registered`);
        throw error;
      }
    },
    async save(participant) {
      if ((await driver.run(sql.updateParticipant, values(participant))) === 0) throw new NotFoundError(`participant ${participant.id} is not registered`);
    },
    get: async (id) => participantOf((await driver.all(sql.participant, [id]))[0]),
    async list(request) {
      const { limit, offset } = page(request);
      return (await driver.all(sql.participantPage, [limit, offset])).map((row) => participantOf(row)!);
    },
  };
}

function ledgerStore(driver: TransactionalDriver, dialect: RegistryDialect, sql: RegistryStatements): LedgerStore {
  const inserts = new Map<number, string>();
  const insertEntries = (rows: number): string => {
    let statement = inserts.get(rows);
    if (statement === undefined) inserts.set(rows, (statement = sql.insertEntries(rows)));
    return statement;
  };
  const first = async <T>(statement: string, params: SqlValue[], of: (row: SqlRow) => T): Promise<T | null> => {
    const [row] = await driver.all(statement, params);
    return row === undefined ? null : of(row);
  };
  return {
    append: (recordIds, plan) =>
      driver.transaction(async (tx) => {
        const head = headOf((await tx.all(sql.lockHead, []))[0]);
        const found = recordIds.length === 0 ? [] : await tx.all(sql.entriesOf, [dialect.sql.bindList(recordIds)]);
        const { entries, checkpoints, result } = plan(head, new Map(found.map(entryOf).map((e) => [e.recordId, e])));
        entries.forEach((e, i) => {
          if (e.seq !== head.seq + 1 + i) throw new Error(`entry ${e.recordId} has seq ${e.seq}; the chain continues at ${head.seq + 1 + i}`);
        });
        for (let i = 0; i < entries.length; i += dialect.rowsPerInsert) {
          const chunk = entries.slice(i, i + dialect.rowsPerInsert);
          await tx.run(insertEntries(chunk.length), chunk.flatMap(entryValues));
        }
        for (const c of checkpoints) await tx.run(sql.insertCheckpoint, [c.seq, c.hash, c.at, c.signature]);
        const last = entries.at(-1);
        if (last !== undefined && (await tx.run(sql.moveHead, [last.seq, last.hash, head.seq, head.hash])) !== 1) {
          throw new Error('the chain head moved during an append that held its lock');
        }
        return result;
      }),
    durable: () => driver.durable(),
    head: async () => headOf((await driver.all(sql.head, []))[0]),
    entry: (seq) => first(sql.entry, [seq], entryOf),
    entryByRecordId: (recordId) => first(sql.entryByRecordId, [recordId], entryOf),
    async entries(afterSeq, limit) {
      readSize(afterSeq, limit);
      return (await driver.all(sql.entriesAfter, [afterSeq, limit])).map(entryOf);
    },
    async links(afterSeq, limit) {
      readSize(afterSeq, limit);
      return (await driver.all(sql.linksAfter, [afterSeq, limit])).map(linkOf);
    },
    async checkpoints(afterSeq, limit) {
      readSize(afterSeq, limit);
      return (await driver.all(sql.checkpointsAfter, [afterSeq, limit])).map(checkpointOf);
    },
    latestCheckpoint: () => first(sql.latestCheckpoint, [], checkpointOf),
    addCheckpoint: async (c) => (await driver.run(sql.addCheckpoint, [c.seq, c.hash, c.at, c.signature])) === 1,
    async addKey(key) {
      await driver.run(sql.addKey, [key.kid, key.jwk, key.certificatePem, key.binding, key.createdAt]);
    },
    keys: async () => (await driver.all(sql.keys, [])).map(keyOf),
  };
}

function policyBundleStore(driver: TransactionalDriver, sql: RegistryStatements): PolicyBundleStore {
  const bundleOf = (rows: SqlRow[]): SignedPolicyBundle | null => (rows[0] === undefined ? null : (JSON.parse(text(rows[0], 'bundle')) as SignedPolicyBundle));
  return {
    async publish(build) {
      // Publishers in every process take turns on the chain-head row lock (publications are rare operator acts), so
      // the next version read is the one inserted; the insert's conflict guard stays as a last defence.
      const stored = await driver.transaction(async (tx) => {
        await tx.all(sql.lockHead, []);
        const version = int((await tx.all(sql.nextBundleVersion, []))[0]!, 'version');
        const bundle = build(version);
        if (bundle.version !== version) throw new Error(`the bundle says version ${bundle.version}; the next is ${version}`);
        return (await tx.run(sql.insertBundle, [version, JSON.stringify(bundle)])) === 1 ? bundle : null;
      });
      if (stored !== null) return stored;
      throw new KouanError('CONFLICT', 'another registry took the same policy-data version; publish again');
    },
    latest: async () => bundleOf(await driver.all(sql.latestBundle, [])),
    async latestVersion() {
      const version = (await driver.all(sql.latestBundleVersion, []))[0]?.['version'];
      return version === null || version === undefined ? null : Number(version);
    },
    get: async (version) => bundleOf(await driver.all(sql.bundle, [version])),
  };
}

export function registrySqlStores(driver: TransactionalDriver, dialect: RegistryDialect): RegistryStores {
  const sql = registryStatements(dialect);
  return { participants: participantStore(driver, sql), ledger: ledgerStore(driver, dialect, sql), policyBundles: policyBundleStore(driver, sql), close: () => driver.close() };
}
