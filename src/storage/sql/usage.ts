/**
 * The data plane's counters: requests, records and subjects per agreement, and subjects (all / sensitive) per
 * exporter and year, beside the subjects themselves as keyed hashes, once per exporter and year and once per
 * agreement. Every count is one row to read, and exact with any number of writers: requests and records grow in
 * single-statement upserts; a subject is new to whoever's statement inserted it (or made it sensitive), and the
 * same transaction moves the subject counters by the rows its statements changed.
 */
import { InputError } from '../../core/errors.ts';
import type { AgreementUsage, UsageStore } from '../ports.ts';
import type { Dialect } from './dialect.ts';
import type { SqlDriver, SqlRow } from './driver.ts';

/** The statements, written once over a dialect. A hash list is bound as one parameter, so a batch of any size is one statement. */
function usageStatements(d: Dialect) {
  const p = (i: number): string => d.param(i);
  const usage = d.table('agreement_usage');
  const exporterUsage = d.table('exporter_usage');
  const exporterSubjects = d.table('exporter_subjects');
  const agreementSubjects = d.table('agreement_subjects');
  /** Adds parameter 2 to one of the agreement's counters, starting the agreement at zero. */
  const addToAgreement = (column: 'requests' | 'records' | 'subjects'): string =>
    `INSERT INTO ${usage} AS u (agreement_id, requests, records, subjects)`
    + ` VALUES (${p(1)}, ${['requests', 'records', 'subjects'].map((c) => (c === column ? p(2) : '0')).join(', ')})`
    + ` ON CONFLICT (agreement_id) DO UPDATE SET ${column} = u.${column} + excluded.${column}`;
  // INSERT ... SELECT needs its WHERE before ON CONFLICT, else SQLite reads ON as a join's.
  const insertEach = (table: string, columns: string, values: string, list: number): string =>
    `INSERT INTO ${table} (${columns}) SELECT ${values}, value FROM ${d.eachOf(list)} WHERE true ON CONFLICT DO NOTHING`;
  return {
    /** Parameters: agreement id, 1. One upsert, so concurrent requests each get their own count. */
    countRequest: `${addToAgreement('requests')} RETURNING requests, records, subjects`,
    /** Parameters: agreement id, records. */
    addRecords: addToAgreement('records'),
    /** Parameters: agreement id, subjects new to it. */
    countAgreementSubjects: addToAgreement('subjects'),
    /** Parameter: agreement id. */
    agreementUsage: `SELECT requests, records, subjects FROM ${usage} WHERE agreement_id = ${p(1)}`,
    /** Parameters: exporter id, year, hashes (list). */
    known: `SELECT hash, sensitive FROM ${exporterSubjects} WHERE exporter_id = ${p(1)} AND year = ${p(2)} AND ${d.isOneOf('hash', 3)}`,
    /** Parameters: agreement id, hashes (list). */
    linked: `SELECT hash FROM ${agreementSubjects} WHERE agreement_id = ${p(1)} AND ${d.isOneOf('hash', 2)}`,
    /** Parameters: agreement id, hashes (list). Changes one row per subject new to the agreement. */
    addAgreementSubjects: insertEach(agreementSubjects, 'agreement_id, hash', `CAST(${p(1)} AS TEXT)`, 2),
    /** Parameters: exporter id, year, hashes (list), sensitive (0 or 1). Changes one row per subject new to the year. */
    addExporterSubjects: insertEach(exporterSubjects, 'exporter_id, year, sensitive, hash', `CAST(${p(1)} AS TEXT), CAST(${p(2)} AS INTEGER), CAST(${p(4)} AS INTEGER)`, 3),
    /** Parameters: exporter id, year, hashes (list). Changes one row per known subject that becomes sensitive. */
    markSensitive: `UPDATE ${exporterSubjects} SET sensitive = 1 WHERE exporter_id = ${p(1)} AND year = ${p(2)} AND sensitive = 0 AND ${d.isOneOf('hash', 3)}`,
    /** Parameters: exporter id, year, subjects new to the year, subjects newly sensitive in it. */
    countExporterSubjects: `INSERT INTO ${exporterUsage} AS u (exporter_id, year, subjects, sensitive_subjects) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`
      + ` ON CONFLICT (exporter_id, year) DO UPDATE SET subjects = u.subjects + excluded.subjects, sensitive_subjects = u.sensitive_subjects + excluded.sensitive_subjects`,
    /** Parameters: exporter id, year. */
    cumulative: `SELECT subjects, sensitive_subjects FROM ${exporterUsage} WHERE exporter_id = ${p(1)} AND year = ${p(2)}`,
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
    return usageOf((await this.driver.all(this.sql.countRequest, [agreementId, 1]))[0]);
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

  async linkedSubjects(agreementId: string, hashes: string[]): Promise<Set<string>> {
    const batch = distinct(hashes);
    const rows = batch.length === 0 ? [] : await this.driver.all(this.sql.linked, [agreementId, this.dialect.bindList(batch)]);
    return new Set(rows.map((r) => String(r['hash'])));
  }

  async addSubjects(exporterId: string, year: number, agreementId: string, hashes: string[], sensitive: boolean): Promise<{ newSubjects: number; newSensitive: number }> {
    checkYear(year);
    const batch = distinct(hashes);
    if (batch.length === 0) return { newSubjects: 0, newSensitive: 0 };
    const list = this.dialect.bindList(batch);
    /** What the statements' changed rows (agreement's subjects, year's subjects, upgrades) make new to the year. */
    const made = ([, added = 0, upgraded = 0]: readonly number[]): { newSubjects: number; newSensitive: number } =>
      ({ newSubjects: added, newSensitive: sensitive ? added + upgraded : 0 });
    // One transaction, so the subjects and their counters never disagree: the rows each statement changed
    // are the ones this call made new, whatever other writers did in between, and the counters move by
    // exactly those (last, so their rows stay locked only briefly). Nothing new, nothing counted.
    return made(await this.driver.runAtomically([
      { sql: this.sql.addAgreementSubjects, params: [agreementId, list] },
      { sql: this.sql.addExporterSubjects, params: [exporterId, year, list, sensitive ? 1 : 0] },
      () => (sensitive ? { sql: this.sql.markSensitive, params: [exporterId, year, list] } : null),
      ([linked = 0]) => (linked === 0 ? null : { sql: this.sql.countAgreementSubjects, params: [agreementId, linked] }),
      (changed) => {
        const { newSubjects, newSensitive } = made(changed);
        return newSubjects + newSensitive === 0 ? null : { sql: this.sql.countExporterSubjects, params: [exporterId, year, newSubjects, newSensitive] };
      },
    ]));
  }

  async cumulative(exporterId: string, year: number): Promise<{ subjects: number; sensitiveSubjects: number }> {
    checkYear(year);
    const [row] = await this.driver.all(this.sql.cumulative, [exporterId, year]);
    return { subjects: int(row?.['subjects']), sensitiveSubjects: int(row?.['sensitive_subjects']) };
  }

  async agreementUsage(agreementId: string): Promise<AgreementUsage> {
    return usageOf((await this.driver.all(this.sql.agreementUsage, [agreementId]))[0]);
  }
}
