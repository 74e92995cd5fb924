/** Contract of LedgerStore: one serialised chain, append-only, read back byte for byte. */
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../../../src/registry/ledger/verify.ts';
import { GENESIS_HASH } from '../../../../src/registry/model.ts';
import type { LedgerStore } from '../../../../src/registry/storage/ports.ts';
import { chain, key, planning, recordText } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
const seqs = async (ledger: LedgerStore): Promise<number[]> => (await ledger.entries(0, 50_000)).map((e) => e.seq);

export function describeLedgerStore(newDatabase: NewDatabase): void {
  describe('LedgerStore', () => {
    const open = storesFor(newDatabase);

    it('starts as an empty chain at the genesis hash', async () => {
      const { ledger } = (await open()).stores;
      expect(await ledger.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
      expect(await ledger.entries(0, 10)).toEqual([]);
      expect(await ledger.latestCheckpoint()).toBeNull();
      expect(await ledger.keys()).toEqual([]);
    });

    it('appends what the planner decides onto the head, moves the head and hands back the result', async () => {
      const { ledger } = (await open()).stores;
      const first = await ledger.append(['r-1', 'r-2'], planning(['r-1', 'r-2']));
      expect(first).toEqual({ head: { seq: 0, hash: GENESIS_HASH }, existing: [] });
      const written = chain(first.head, ['r-1', 'r-2']);
      expect(await ledger.head()).toEqual({ seq: 2, hash: written[1]!.hash });
      const second = await ledger.append(['r-3'], planning(['r-3']));
      expect(second.head).toEqual({ seq: 2, hash: written[1]!.hash });
      expect(await seqs(ledger)).toEqual([1, 2, 3]);
    });

    it('returns every entry byte for byte, by seq, by record id and through the cursors', async () => {
      const { ledger } = (await open()).stores;
      await ledger.append([], planning(ids('r', 5)));
      const expected = chain({ seq: 0, hash: GENESIS_HASH }, ids('r', 5));
      expect(await ledger.entries(0, 100)).toEqual(expected);
      expect(await ledger.entry(3)).toEqual(expected[2]);
      expect(await ledger.entry(6)).toBeNull();
      expect(await ledger.entryByRecordId('r-0004')).toEqual(expected[4]);
      expect(await ledger.entryByRecordId('r-9999')).toBeNull();
      expect(await ledger.entries(2, 2)).toEqual(expected.slice(2, 4));
      expect(await ledger.links(3, 100)).toEqual(expected.slice(3).map(({ receipt: _r, ...link }) => link));
      expect((await ledger.entry(1))?.record).toBe(recordText('r-0000'));
      await expect(ledger.entries(0, 0)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
      await expect(ledger.links(-1, 10)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    });

    it('shows the planner the entries that already hold the record ids it asks about, and only those', async () => {
      const { ledger } = (await open()).stores;
      await ledger.append([], planning(['a', 'b', 'c']));
      const seen = await ledger.append(['b', 'c', 'new'], (head, existing) => ({ entries: [], checkpoints: [], result: [...existing.values()].map((e) => [e.recordId, e.seq]) }));
      expect(seen.sort()).toEqual([['b', 2], ['c', 3]]);
    });

    it('writes nothing when the plan does not continue the head, holds a known record id, or the planner throws', async () => {
      const { ledger } = (await open()).stores;
      await ledger.append([], planning(['a', 'b']));
      const head = await ledger.head();
      await expect(ledger.append([], (h) => ({ entries: chain({ seq: h.seq + 1, hash: h.hash }, ['gap']), checkpoints: [], result: null }))).rejects.toThrow(/continues at 3/);
      await expect(ledger.append([], (h) => ({ entries: chain(h, ['c', 'a']), checkpoints: [], result: null }))).rejects.toThrow();
      await expect(ledger.append([], () => { throw new Error('planner failed'); })).rejects.toThrow('planner failed');
      expect(await ledger.head()).toEqual(head);
      expect(await seqs(ledger)).toEqual([1, 2]);
      expect(await ledger.entryByRecordId('c')).toBeNull();
    });

    it('keeps checkpoints beside the entries, in seq order, the latest first to hand', async () => {
      const { ledger } = (await open()).stores;
      await ledger.append([], planning(ids('r', 10), (seq) => seq % 3 === 0));
      const entries = await ledger.entries(0, 100);
      const checkpoints = await ledger.checkpoints(0, 100);
      expect(checkpoints.map((c) => [c.seq, c.hash])).toEqual([3, 6, 9].map((s) => [s, entries[s - 1]!.hash]));
      expect(await ledger.checkpoints(3, 1)).toEqual([checkpoints[1]]);
      expect(await ledger.latestCheckpoint()).toEqual(checkpoints[2]);
    });

    it('adds a timed checkpoint of a committed entry once: the first at a seq stays', async () => {
      const { ledger } = (await open()).stores;
      await ledger.append([], planning(ids('t', 4)));
      const head = await ledger.head();
      const first = { seq: head.seq, hash: head.hash, at: '2026-11-27T10:00:00.000Z', signature: 'first' };
      expect(await ledger.addCheckpoint(first)).toBe(true);
      expect(await ledger.addCheckpoint({ ...first, at: '2026-11-27T10:00:01.000Z', signature: 'second' })).toBe(false);
      expect(await ledger.checkpoints(0, 10)).toEqual([first]);
    });

    it('keeps the first binding of a signing key', async () => {
      const { ledger } = (await open()).stores;
      await ledger.addKey(key('k1'));
      await ledger.addKey(key('k1', { binding: 'another' }));
      await ledger.addKey(key('k0', { createdAt: '2026-11-28T00:00:00.000Z' }));
      expect(await ledger.keys()).toEqual([key('k1'), key('k0', { createdAt: '2026-11-28T00:00:00.000Z' })]);
    });

    it('keeps one unbroken chain when appenders on two connections race', async () => {
      const { stores, reopen } = await open();
      const other = await reopen();
      const heads: number[] = [];
      const append = (ledger: LedgerStore, name: string) =>
        ledger.append([], (head, existing) => {
          heads.push(head.seq);
          return planning(ids(name, 4))(head, existing);
        });
      await Promise.all(Array.from({ length: 20 }, (_, i) => append(i % 2 === 0 ? stores.ledger : other.ledger, `w${i}`)));
      expect(await seqs(stores.ledger)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      expect(heads.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 4));
      expect(await verifyLedger(other.ledger)).toMatchObject({ ok: true, entries: 80 });
    });

    it('keeps the chain when the database is closed and opened again, and closes once however often asked', async () => {
      const { stores, reopen } = await open();
      await stores.ledger.append([], planning(['a', 'b']));
      await stores.ledger.durable();
      await Promise.all([stores.close(), stores.close()]);
      await expect(stores.ledger.head()).rejects.toThrow();
      const again = await reopen();
      expect(await again.ledger.entries(0, 10)).toEqual(chain({ seq: 0, hash: GENESIS_HASH }, ['a', 'b']));
    });
  });
}
