/**
 * Contract of UsageStore: what the data plane counts per agreement and per exporter-year, exactly, whatever
 * the number of writers.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.ts';
import type { UsageStore } from '../../../src/storage/ports.ts';
import { subjectHashes } from './fixtures.ts';
import { countRows, storesFor, type Connection, type NewDatabase } from './harness.ts';

const EXPORTER = 'ningbo-terminal';
const YEAR = 2026;

/** The subject totals of these exporter-years and agreements against counts of the rows they stand for. */
export async function expectTotalsMatchRows(usage: UsageStore, connection: Connection, exporterYears: readonly (readonly [string, number])[], agreements: readonly string[]): Promise<void> {
  for (const [exporter, year] of exporterYears) {
    const ofYear = { exporter_id: exporter, year };
    expect(await usage.cumulative(exporter, year)).toEqual({
      subjects: await countRows(connection, 'exporter_subjects', ofYear),
      sensitiveSubjects: await countRows(connection, 'exporter_subjects', { ...ofYear, sensitive: 1 }),
    });
  }
  for (const agreement of agreements) {
    expect((await usage.agreementUsage(agreement)).subjects).toBe(await countRows(connection, 'agreement_subjects', { agreement_id: agreement }));
  }
}

export function describeUsageStore(newDatabase: NewDatabase): void {
  describe('UsageStore', () => {
    const db = storesFor(newDatabase);
    const open = async (): Promise<UsageStore> => (await db.open()).stores.usage;

    it('tells which subjects an agreement has already reached', async () => {
      const usage = await open();
      const [a, b, c] = subjectHashes(0, 3) as [string, string, string];
      await usage.addSubjects(EXPORTER, YEAR, 'ag-1', [a, b], false);
      await usage.addSubjects(EXPORTER, YEAR, 'ag-2', [c], false);
      expect(await usage.linkedSubjects('ag-1', [a, b, c])).toEqual(new Set([a, b]));
      expect(await usage.linkedSubjects('ag-2', [a, b, c])).toEqual(new Set([c]));
      expect(await usage.linkedSubjects('ag-3', [])).toEqual(new Set());
    });

    it('starts every agreement at zero', async () => {
      const usage = await open();
      expect(await usage.agreementUsage('ag-1')).toEqual({ requests: 0, records: 0, subjects: 0 });
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 0, sensitiveSubjects: 0 });
    });

    it('returns the usage including the request it counts', async () => {
      const usage = await open();
      expect(await usage.countRequest('ag-1')).toEqual({ requests: 1, records: 0, subjects: 0 });
      await usage.addRecords('ag-1', 250);
      await usage.addSubjects(EXPORTER, YEAR, 'ag-1', subjectHashes(0, 3), false);
      expect(await usage.countRequest('ag-1')).toEqual({ requests: 2, records: 250, subjects: 3 });
      expect(await usage.agreementUsage('ag-1')).toEqual({ requests: 2, records: 250, subjects: 3 });
      expect(await usage.agreementUsage('ag-2')).toEqual({ requests: 0, records: 0, subjects: 0 });
    });

    it('counts requests atomically under 50 concurrent calls from two store instances', async () => {
      const { stores, reopen } = await db.open();
      const other = await reopen();
      const counted = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? stores : other).usage.countRequest('ag-1')));
      expect(counted.map((u) => u.requests).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect((await stores.usage.agreementUsage('ag-1')).requests).toBe(50);
    });

    it('adds records concurrently without losing any, and refuses a negative or fractional count', async () => {
      const usage = await open();
      await Promise.all(Array.from({ length: 20 }, () => usage.addRecords('ag-1', 7)));
      await usage.addRecords('ag-1', 0);
      await expect(usage.addRecords('ag-1', -1)).rejects.toThrow(InputError);
      await expect(usage.addRecords('ag-1', 1.5)).rejects.toThrow(InputError);
      expect(await usage.agreementUsage('ag-1')).toEqual({ requests: 0, records: 140, subjects: 0 });
    });

    it('tells which subjects the exporter already provided that year, and which of them as sensitive', async () => {
      const usage = await open();
      const [plain, sensitive, unknown] = subjectHashes(0, 3) as [string, string, string];
      await usage.addSubjects(EXPORTER, YEAR, 'ag-1', [plain], false);
      await usage.addSubjects(EXPORTER, YEAR, 'ag-2', [sensitive], true);
      const { known, knownSensitive } = await usage.knownSubjects(EXPORTER, YEAR, [plain, sensitive, unknown]);
      expect(known).toEqual(new Set([plain, sensitive]));
      expect(knownSensitive).toEqual(new Set([sensitive]));
      expect(await usage.knownSubjects(EXPORTER, YEAR, [])).toEqual({ known: new Set(), knownSensitive: new Set() });
      expect((await usage.knownSubjects('another-exporter', YEAR, [plain])).known.size).toBe(0);
    });

    it('counts a subject sent twice, or twice in one batch, once', async () => {
      const usage = await open();
      const [a, b] = subjectHashes(0, 2) as [string, string];
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-1', [a, b, a], false)).toEqual({ newSubjects: 2, newSensitive: 0 });
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-1', [b, a], false)).toEqual({ newSubjects: 0, newSensitive: 0 });
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 2, sensitiveSubjects: 0 });
      expect((await usage.agreementUsage('ag-1')).subjects).toBe(2);
    });

    it('counts the same subject across two agreements of one exporter once for the exporter and once per agreement', async () => {
      const usage = await open();
      const hashes = subjectHashes(0, 5);
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-1', hashes, false)).toEqual({ newSubjects: 5, newSensitive: 0 });
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-2', hashes.slice(2), false)).toEqual({ newSubjects: 0, newSensitive: 0 });
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 5, sensitiveSubjects: 0 });
      expect((await usage.agreementUsage('ag-1')).subjects).toBe(5);
      expect((await usage.agreementUsage('ag-2')).subjects).toBe(3);
    });

    it('counts the same subject again for another exporter', async () => {
      const usage = await open();
      const hashes = subjectHashes(0, 4);
      await usage.addSubjects(EXPORTER, YEAR, 'ag-1', hashes, true);
      expect(await usage.addSubjects('shanghai-port', YEAR, 'ag-9', hashes, true)).toEqual({ newSubjects: 4, newSensitive: 4 });
      expect(await usage.cumulative('shanghai-port', YEAR)).toEqual({ subjects: 4, sensitiveSubjects: 4 });
    });

    it('counts a non-sensitive subject later sent as sensitive once in both totals, and never turns it back', async () => {
      const usage = await open();
      const [subject, other] = subjectHashes(0, 2) as [string, string];
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-1', [subject], false)).toEqual({ newSubjects: 1, newSensitive: 0 });
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-1', [subject, other], true)).toEqual({ newSubjects: 1, newSensitive: 2 });
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-2', [subject], true)).toEqual({ newSubjects: 0, newSensitive: 0 });
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-1', [subject], false)).toEqual({ newSubjects: 0, newSensitive: 0 });
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 2, sensitiveSubjects: 2 });
      expect((await usage.knownSubjects(EXPORTER, YEAR, [subject])).knownSensitive).toEqual(new Set([subject]));
    });

    it('starts a new year from zero', async () => {
      const usage = await open();
      const hashes = subjectHashes(0, 3);
      await usage.addSubjects(EXPORTER, YEAR, 'ag-1', hashes, true);
      expect(await usage.cumulative(EXPORTER, YEAR + 1)).toEqual({ subjects: 0, sensitiveSubjects: 0 });
      expect((await usage.knownSubjects(EXPORTER, YEAR + 1, hashes)).known.size).toBe(0);
      expect(await usage.addSubjects(EXPORTER, YEAR + 1, 'ag-1', hashes, false)).toEqual({ newSubjects: 3, newSensitive: 0 });
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 3, sensitiveSubjects: 3 });
      expect((await usage.agreementUsage('ag-1')).subjects).toBe(3);
    });

    it('takes 10,000 hashes in one call, and tells them apart from 5,000 new ones in the next', async () => {
      const usage = await open();
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-1', subjectHashes(0, 10_000), false)).toEqual({ newSubjects: 10_000, newSensitive: 0 });
      const overlapping = subjectHashes(5_000, 15_000);
      expect((await usage.knownSubjects(EXPORTER, YEAR, overlapping)).known.size).toBe(5_000);
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-2', overlapping, true)).toEqual({ newSubjects: 5_000, newSensitive: 10_000 });
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 15_000, sensitiveSubjects: 10_000 });
      expect((await usage.agreementUsage('ag-2')).subjects).toBe(10_000);
    });

    it('never counts a subject twice when two store instances add overlapping batches at once', async () => {
      const { stores, reopen, connect } = await db.open();
      const other = await reopen();
      // Twelve batches of 600 over 2,000 subjects, each overlapping its neighbours, half of them sensitive,
      // with requests counted on the same agreements in between.
      const calls = Array.from({ length: 12 }, (_, i) => {
        const store = (i % 2 === 0 ? stores : other).usage;
        return store.addSubjects(EXPORTER, YEAR, `ag-${i % 3}`, subjectHashes(i * 120, i * 120 + 600), i % 4 < 2);
      });
      const requests = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? other : stores).usage.countRequest(`ag-${i % 3}`));
      const [returned] = await Promise.all([Promise.all(calls), Promise.all(requests)]);
      const sum = (key: 'newSubjects' | 'newSensitive'): number => returned.reduce((total, r) => total + r[key], 0);
      const totals = await stores.usage.cumulative(EXPORTER, YEAR);
      // Subjects 0..1919 in all; the sensitive batches (0, 1, 4, 5, 8, 9) cover 0..1679.
      expect(totals).toEqual({ subjects: 1920, sensitiveSubjects: 1680 });
      expect(sum('newSubjects')).toBe(totals.subjects);
      expect(sum('newSensitive')).toBe(totals.sensitiveSubjects);
      // Agreement ag-k has batches k, k+3, k+6, k+9: 600 + 3 * 360 subjects.
      for (const agreement of ['ag-0', 'ag-1', 'ag-2']) expect(await stores.usage.agreementUsage(agreement)).toEqual({ requests: 10, records: 0, subjects: 1680 });
      await expectTotalsMatchRows(stores.usage, await connect(), [[EXPORTER, YEAR]], ['ag-0', 'ag-1', 'ag-2']);
    });

    it('refuses a year that is not a whole number, and an empty hash', async () => {
      const usage = await open();
      await expect(usage.addSubjects(EXPORTER, 2026.5, 'ag-1', subjectHashes(0, 1), false)).rejects.toThrow(InputError);
      await expect(usage.cumulative(EXPORTER, Number.NaN)).rejects.toThrow(InputError);
      await expect(usage.addSubjects(EXPORTER, YEAR, 'ag-1', [...subjectHashes(0, 1), ''], false)).rejects.toThrow(InputError);
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 0, sensitiveSubjects: 0 });
    });

    it('counts what an older schema already holds when it migrates, and goes on counting from there', async () => {
      const { reopen, connect } = await db.database(2);
      const { driver, dialect } = await connect();
      const p = (n: number): string => Array.from({ length: n }, (_, i) => dialect.param(i + 1)).join(', ');
      const row = (table: 'agreement_usage' | 'agreement_subjects' | 'exporter_subjects', columns: string, ...params: (string | number)[]) =>
        ({ sql: `INSERT INTO ${dialect.table(table)} (${columns}) VALUES (${p(params.length)})`, params });
      const subject = (exporter: string, year: number, sensitive: (i: number) => boolean) => (hash: string, i: number) =>
        row('exporter_subjects', 'exporter_id, year, hash, sensitive', exporter, year, hash, sensitive(i) ? 1 : 0);
      // As schema 2 left them: usage without a subjects column, an agreement with subjects but no usage row,
      // one with usage but no subjects, and three exporter-years, one of them a third sensitive.
      await driver.runAtomically([
        row('agreement_usage', 'agreement_id, requests, records', 'ag-1', 5, 100),
        row('agreement_usage', 'agreement_id, requests, records', 'ag-3', 2, 0),
        ...subjectHashes(0, 300).map((hash) => row('agreement_subjects', 'agreement_id, hash', 'ag-1', hash)),
        ...subjectHashes(100, 250).map((hash) => row('agreement_subjects', 'agreement_id, hash', 'ag-2', hash)),
        ...subjectHashes(0, 400).map(subject(EXPORTER, YEAR, (i) => i % 3 === 0)),
        ...subjectHashes(0, 50).map(subject(EXPORTER, YEAR - 1, () => false)),
        ...subjectHashes(0, 10).map(subject('shanghai-port', YEAR, () => true)),
      ]);
      const usage = (await reopen()).usage;
      const exporterYears = [[EXPORTER, YEAR], [EXPORTER, YEAR - 1], ['shanghai-port', YEAR]] as const;
      const agreements = ['ag-1', 'ag-2', 'ag-3', 'ag-4'];
      await expectTotalsMatchRows(usage, await connect(), exporterYears, agreements);
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 400, sensitiveSubjects: 134 });
      expect(await usage.cumulative(EXPORTER, YEAR - 1)).toEqual({ subjects: 50, sensitiveSubjects: 0 });
      expect(await usage.cumulative('shanghai-port', YEAR)).toEqual({ subjects: 10, sensitiveSubjects: 10 });
      expect(await usage.agreementUsage('ag-1')).toEqual({ requests: 5, records: 100, subjects: 300 });
      expect(await usage.agreementUsage('ag-2')).toEqual({ requests: 0, records: 0, subjects: 150 });
      expect(await usage.agreementUsage('ag-3')).toEqual({ requests: 2, records: 0, subjects: 0 });
      // 400..409 are new; of 390..399, the six not yet sensitive become so.
      expect(await usage.addSubjects(EXPORTER, YEAR, 'ag-2', subjectHashes(390, 410), true)).toEqual({ newSubjects: 10, newSensitive: 16 });
      expect(await usage.countRequest('ag-2')).toEqual({ requests: 1, records: 0, subjects: 170 });
      expect(await usage.countRequest('ag-1')).toEqual({ requests: 6, records: 100, subjects: 300 });
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 410, sensitiveSubjects: 150 });
      await expectTotalsMatchRows(usage, await connect(), exporterYears, agreements);
    });

    it('keeps every count when the database is closed and opened again', async () => {
      const { stores, reopen } = await db.open();
      await stores.usage.countRequest('ag-1');
      await stores.usage.addRecords('ag-1', 12);
      await stores.usage.addSubjects(EXPORTER, YEAR, 'ag-1', subjectHashes(0, 4), true);
      await stores.close();
      const again = (await reopen()).usage;
      expect(await again.agreementUsage('ag-1')).toEqual({ requests: 1, records: 12, subjects: 4 });
      expect(await again.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 4, sensitiveSubjects: 4 });
      expect(await again.addSubjects(EXPORTER, YEAR, 'ag-1', subjectHashes(0, 4), true)).toEqual({ newSubjects: 0, newSensitive: 0 });
    });
  });
}
