/**
 * The outbox: signed records waiting for the registry. Enqueuing is idempotent on the record id, workers lease
 * batches oldest first (as the state-machine managers lease entities), and a delivered record stays, with its
 * receipt, but is never leased again.
 */
import { InputError, NotFoundError } from '../../core/errors.ts';
import type { Outbox, OutboxRecord } from '../ports.ts';
import type { Dialect } from './dialect.ts';
import type { SqlDriver, SqlRow } from './driver.ts';
import { inLeaseOrder, leaseRows, leaseTerms } from './leases.ts';
import { epochMs, fromDocument } from './tables.ts';

type StoredRecord = NonNullable<Awaited<ReturnType<Outbox['get']>>>;

const KINDS: ReadonlySet<string> = new Set<OutboxRecord['kind']>(['filing', 'usage', 'denial']);

const RECORD_COLUMNS = 'id, kind, record, signature, created_at';

/** The statements, written once over a dialect. Timestamps to order or compare by are epoch ms. */
function outboxStatements(d: Dialect) {
  const p = (i: number): string => d.param(i);
  const outbox = d.table('outbox');
  /** Parameter 1 is the id; a delivered record is left as it is, and the lease ends. */
  const updateUndelivered = (set: string): string => `UPDATE ${outbox} SET ${set}, lease_holder = NULL, lease_until = NULL WHERE id = ${p(1)} AND delivered_at IS NULL`;
  return {
    /** Parameters: id, kind, record, signature, created_at, created_ms. */
    enqueue: `INSERT INTO ${outbox} (id, kind, record, signature, created_at, created_ms)`
      + ` VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}) ON CONFLICT (id) DO NOTHING`,
    /** Parameters: as leaseRows. */
    lease: leaseRows(d, 'outbox', { where: 'delivered_at IS NULL', order: 'created_ms, id', returning: `${RECORD_COLUMNS}, created_ms` }),
    /** Parameters: id, receipt, delivered_at. */
    markDelivered: updateUndelivered(`receipt = ${p(2)}, delivered_at = ${p(3)}`),
    /** Parameters: id, error, failed_at. */
    markFailed: updateUndelivered(`attempts = attempts + 1, last_error = ${p(2)}, failed_at = ${p(3)}`),
    backlog: `SELECT count(*) AS n FROM ${outbox} WHERE delivered_at IS NULL`,
    /** Parameter: id. */
    get: `SELECT ${RECORD_COLUMNS}, delivered_at, receipt, attempts FROM ${outbox} WHERE id = ${p(1)}`,
  };
}

function recordOf(row: SqlRow): OutboxRecord {
  return {
    id: String(row['id']),
    kind: row['kind'] as OutboxRecord['kind'],
    record: fromDocument<Record<string, unknown>>(row['record']),
    signature: String(row['signature']),
    createdAt: String(row['created_at']),
  };
}

export class SqlOutbox implements Outbox {
  private readonly sql: ReturnType<typeof outboxStatements>;

  constructor(private readonly driver: SqlDriver, dialect: Dialect) {
    this.sql = outboxStatements(dialect);
  }

  async enqueue(record: OutboxRecord): Promise<void> {
    if (!KINDS.has(record.kind)) throw new InputError(`an outbox record is a filing, usage or denial, not ${JSON.stringify(record.kind)}`);
    const createdMs = epochMs(record.createdAt, 'createdAt');
    await this.driver.run(this.sql.enqueue, [record.id, record.kind, JSON.stringify(record.record), record.signature, record.createdAt, createdMs]);
  }

  async leaseBatch(limit: number, holder: string, leaseMs: number, now: Date): Promise<OutboxRecord[]> {
    const rows = await this.driver.all(this.sql.lease, leaseTerms(limit, holder, leaseMs, now));
    return inLeaseOrder(rows, (row) => ({ at: Number(row['created_ms']), id: String(row['id']) })).map(recordOf);
  }

  async markDelivered(id: string, receipt: Record<string, unknown>, now: Date): Promise<void> {
    await this.changeUndelivered(this.sql.markDelivered, id, JSON.stringify(receipt), now);
  }

  async markFailed(id: string, error: string, now: Date): Promise<void> {
    await this.changeUndelivered(this.sql.markFailed, id, error, now);
  }

  async backlog(): Promise<number> {
    const [row] = await this.driver.all(this.sql.backlog, []);
    return Number(row?.['n'] ?? 0);
  }

  async get(id: string): Promise<StoredRecord | null> {
    const [row] = await this.driver.all(this.sql.get, [id]);
    if (row === undefined) return null;
    const receipt = row['receipt'] ?? null;
    return {
      ...recordOf(row),
      deliveredAt: row['delivered_at'] === null ? null : String(row['delivered_at']),
      receipt: receipt === null ? null : fromDocument<Record<string, unknown>>(receipt),
      attempts: Number(row['attempts']),
    };
  }

  /** Runs an update (parameters: id, value, now) of a record not yet delivered; NotFoundError for an unknown one. */
  private async changeUndelivered(sql: string, id: string, value: string, now: Date): Promise<void> {
    if ((await this.driver.run(sql, [id, value, now.toISOString()])) > 0) return;
    if ((await this.get(id)) === null) throw new NotFoundError(`outbox record ${id} not found`);
  }
}
