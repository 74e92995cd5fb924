/**
 * The data plane's counters: requests and records per agreement, and data subjects as keyed hashes, once per
 * exporter and year and once per agreement. Every count is exact with any number of writers: requests and
 * records grow in single-statement upserts, a subject is new to whoever's statement inserted it (or made it
 * sensitive), and the subject totals are counts of rows.
 */
import { InputError } from '../../core/errors.ts';
import type { AgreementUsage, UsageStore } from '../ports.ts';
import type { Dialect } from './dialect.ts';
import type { SqlDriver, SqlRow, SqlStatement } from './driver.ts';

/** The statements, written once over a dialect. A hash list is bound as one parameter, so a batch of any size is one statement. */
function usageStatements(d: Dialect) {
  const p = (i: number): string => d.param(i);
  const usage = d.table('agreement_usage');
  const exporterSubjects = d.table('exporter_subjects');
  const agreementSubjects = d.table('agreement_subjects');
  const ofExporterYear = `FROM ${exporterSubjects} WHERE exporter_id = ${p(1)} AND year = ${p(2)}`;
  const subjectsOf = (i: number): string => `(SELECT count(*) FROM ${agreementSubjects} WHERE agreement_id = ${p(i)})`;
  // INSERT ... SELECT needs its WHERE before ON CONFLICT, else SQLite reads ON as a join's.
  const insertEach = (table: string, columns: string, values: string, list: number): string =>
    `INSERT INTO ${table} (${columns}) SELECT ${values}, value FROM ${d.eachOf(list)} WHERE true ON CONFLICT DO NOTHING`;
  return {
    /** Parameter: agreement id. One upsert, so concurrent requests each get their own count. */
    countRequest: `INSERT INTO ${usage} AS u (agreement_id, requests, records) VALUES (${p(1)}, 1, 0)`
      + ` ON CONFLICT (agreement_id) DO UPDATE SET requests = u.requests + 1`
      + ` RETURNING requests, records, ${subjectsOf(1)} AS subjects`,
    /** Parameters: agreement id, records. */
    addRecords: `INSERT INTO ${usage} AS u (agreement_id, requests, records) VALUES (${p(1)}, 0, ${p(2)})`
      + ` ON CONFLICT (agreement_id) DO UPDATE SET records = u.records + excluded.records`,
    /** Parameter: agreement id. */
    agreementUsage: `SELECT (SELECT requests FROM ${usage} WHERE agreement_id = ${p(1)}) AS requests,`
      + ` (SELECT records FROM ${usage} WHERE agreement_id = ${p(1)}) AS records, ${subjectsOf(1)} AS subjects`,
    /** Parameters: exporter id, year, hashes (list). */
    known: `SELECT hash, sensitive ${ofExporterYear} AND ${d.isOneOf('hash', 3)}`,
    /** Parameters: agreement id, hashes (list). */
    addAgreementSubjects: insertEach(agreementSubjects, 'agreement_id, hash', `CAST(${p(1)} AS TEXT)`, 2),
    /** Parameters: exporter id, year, hashes (list), sensitive (0 or 1). Changes one row per subject new to the year. */
    addExporterSubjects: insertEach(exporterSubjects, 'exporter_id, year, sensitive, hash', `CAST(${p(1)} AS TEXT), CAST(${p(2)} AS INTEGER), CAST(${p(4)} AS INTEGER)`, 3),
    /** Parameters: exporter id, year, hashes (list). Changes one row per known subject that becomes sensitive. */
    markSensitive: `UPDATE ${exporterSubjects} SET sensitive = 1 WHERE exporter_id = ${p(1)} AND year = ${p(2)} AND sensitive = 0 AND ${d.isOneOf('hash', 3)}`,
    /** Parameters: exporter id, year. */
    cumulative: `SELECT (SELECT count(*) ${ofExporterYear}) AS subjects, (SELECT count(*) ${ofExporterYear} AND sensitive = 1) AS sensitive`,
  };
}

/** PostgreSQL hands back bigint and count(*) as strings; SQLite as numbers. */
const int = (value: unknown): number => Number(value ?? 0);

const usageOf = (row: SqlRow | undefined): AgreementUsage => ({ requests: int(row?.['requests']), records: int(row?.['records']), subjects: int(row?.['subjects']) });

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 1 || year > 9999) throw new InputError('year must be an integer from 1 to 9999', { year });
}

/**
 * Each hash once, in one order: PostgreSQL waits on a row another transaction is writing in the order it
 * writes its own, so two writers of overlapping batches queue behind each other instead of deadlocking.
 */
function distinct(hashes: readonly string[]): string[] {
  for (const hash of hashes) {
    if (typeof hash !== 'string' || hash === '') throw new InputError('a subject hash must be a non-empty string');
  }
  return [...new Set(hashes)].sort();
}

export class SqlUsageStore implements UsageStore {
  private readonly sql: ReturnType<typeof usageStatements>;

  constructor(
    private readonly driver: SqlDriver,
    private readonly dialect: Dialect,
  ) {
    this.sql = usageStatements(dialect);
  }

  async countRequest(agreementId: string): Promise<AgreementUsage> {
    return usageOf((await this.driver.all(this.sql.countRequest, [agreementId]))[0]);
  }

  async addRecords(agreementId: string, records: number): Promise<void> {
    if (!Number.isSafeInteger(records) || records < 0) throw new InputError('records must be a non-negative integer', { records });
    if (records > 0) await this.driver.run(this.sql.addRecords, [agreementId, records]);
  }

  async knownSubjects(exporterId: string, year: number, hashes: string[]): Promise<{ known: Set<string>; knownSensitive: Set<string> }> {
    checkYear(year);
    const batch = distinct(hashes);
    const rows = batch.length === 0 ? [] : await this.driver.all(this.sql.known, [exporterId, year, this.dialect.bindList(batch)]);
    return {
      known: new Set(rows.map((r) => String(r['hash']))),
      knownSensitive: new Set(rows.filter((r) => int(r['sensitive']) === 1).map((r) => String(r['hash']))),
    };
  }

  async addSubjects(exporterId: string, year: number, agreementId: string, hashes: string[], sensitive: boolean): Promise<{ newSubjects: number; newSensitive: number }> {
    checkYear(year);
    const batch = distinct(hashes);
    if (batch.length === 0) return { newSubjects: 0, newSensitive: 0 };
    const list = this.dialect.bindList(batch);
    const statements: SqlStatement[] = [
      { sql: this.sql.addAgreementSubjects, params: [agreementId, list] },
      { sql: this.sql.addExporterSubjects, params: [exporterId, year, list, sensitive ? 1 : 0] },
    ];
    if (sensitive) statements.push({ sql: this.sql.markSensitive, params: [exporterId, year, list] });
    // One transaction, so the agreement's and the exporter's subjects never disagree; the rows each statement
    // changed are the ones this call made new, whatever other writers did in between.
    const [, added = 0, upgraded = 0] = await this.driver.runAtomically(statements);
    return { newSubjects: added, newSensitive: sensitive ? added + upgraded : 0 };
  }

  async cumulative(exporterId: string, year: number): Promise<{ subjects: number; sensitiveSubjects: number }> {
    checkYear(year);
    const [row] = await this.driver.all(this.sql.cumulative, [exporterId, year]);
    return { subjects: int(row?.['subjects']), sensitiveSubjects: int(row?.['sensitive']) };
  }

  async agreementUsage(agreementId: string): Promise<AgreementUsage> {
    return usageOf((await this.driver.all(this.sql.agreementUsage, [agreementId]))[0]);
  }
}
