/**
 * Contract of UsageStore: what the data plane counts per agreement and per exporter-year, exactly, whatever
 * the number of writers.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.ts';
import type { UsageStore } from '../../../src/storage/ports.ts';
import { subjectHashes } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

const EXPORTER = 'ningbo-terminal';
const YEAR = 2026;

export function describeUsageStore(newDatabase: NewDatabase): void {
  describe('UsageStore', () => {
    const db = storesFor(newDatabase);
    const open = async (): Promise<UsageStore> => (await db.open()).stores.usage;

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
      const { stores, reopen } = await db.open();
      const other = await reopen();
      // Twelve batches of 600 over 2,000 subjects, each overlapping its neighbours, half of them sensitive.
      const calls = Array.from({ length: 12 }, (_, i) => {
        const store = (i % 2 === 0 ? stores : other).usage;
        return store.addSubjects(EXPORTER, YEAR, `ag-${i % 3}`, subjectHashes(i * 120, i * 120 + 600), i % 4 < 2);
      });
      const returned = await Promise.all(calls);
      const sum = (key: 'newSubjects' | 'newSensitive'): number => returned.reduce((total, r) => total + r[key], 0);
      const totals = await stores.usage.cumulative(EXPORTER, YEAR);
      // Subjects 0..1919 in all; the sensitive batches (0, 1, 4, 5, 8, 9) cover 0..1679.
      expect(totals).toEqual({ subjects: 1920, sensitiveSubjects: 1680 });
      expect(sum('newSubjects')).toBe(totals.subjects);
      expect(sum('newSensitive')).toBe(totals.sensitiveSubjects);
    });

    it('refuses a year that is not a whole number, and an empty hash', async () => {
      const usage = await open();
      await expect(usage.addSubjects(EXPORTER, 2026.5, 'ag-1', subjectHashes(0, 1), false)).rejects.toThrow(InputError);
      await expect(usage.cumulative(EXPORTER, Number.NaN)).rejects.toThrow(InputError);
      await expect(usage.addSubjects(EXPORTER, YEAR, 'ag-1', [...subjectHashes(0, 1), ''], false)).rejects.toThrow(InputError);
      expect(await usage.cumulative(EXPORTER, YEAR)).toEqual({ subjects: 0, sensitiveSubjects: 0 });
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
