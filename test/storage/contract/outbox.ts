/** Contract of Outbox: durable, at-least-once delivery of signed records to the registry. */
import { describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../../../src/core/errors.ts';
import type { Outbox } from '../../../src/storage/ports.ts';
import { at, outboxRecord } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

const LEASE_MS = 30_000;
const NOW = new Date(at(600));
const later = (ms: number): Date => new Date(NOW.getTime() + ms);
const RECEIPT = { receiptId: 'rcpt-1', storedAt: at(601), registry: 'https://registry.example.cn' };

const ids = (records: { id: string }[]): string[] => records.map((r) => r.id);

export function describeOutbox(newDatabase: NewDatabase): void {
  describe('Outbox', () => {
    const db = storesFor(newDatabase);
    const open = async (): Promise<Outbox> => (await db.open()).stores.outbox;

    it('returns a record exactly as it was enqueued, undelivered and not yet tried', async () => {
      const outbox = await open();
      // Key order, U+0000 and a fraction must survive: the signature covers this record.
      const record = outboxRecord('r1', { kind: 'denial', record: { z: 1, a: 'nul\u0000inside', n: 0.1, nested: { list: [3, 'x', null, true] } } });
      await outbox.enqueue(record);
      const stored = await outbox.get('r1');
      expect(stored).toEqual({ ...record, deliveredAt: null, receipt: null, attempts: 0 });
      expect(JSON.stringify(stored?.record)).toBe(JSON.stringify(record.record));
      expect(await outbox.get('r2')).toBeNull();
    });

    it('keeps the first record when the same id is enqueued twice', async () => {
      const outbox = await open();
      await outbox.enqueue(outboxRecord('r1'));
      await outbox.enqueue(outboxRecord('r1', { signature: 'another..sig', kind: 'filing' }));
      expect(await outbox.get('r1')).toMatchObject(outboxRecord('r1'));
      expect(await outbox.backlog()).toBe(1);
    });

    it('refuses a record of an unknown kind or without an ISO timestamp, and stores nothing', async () => {
      const outbox = await open();
      await expect(outbox.enqueue(outboxRecord('r1', { kind: 'gossip' as 'usage' }))).rejects.toThrow(InputError);
      await expect(outbox.enqueue(outboxRecord('r2', { createdAt: 'yesterday' }))).rejects.toThrow(InputError);
      expect(await outbox.backlog()).toBe(0);
    });

    it('leases undelivered records oldest first, up to the limit', async () => {
      const outbox = await open();
      await outbox.enqueue(outboxRecord('young', { createdAt: at(30) }));
      await outbox.enqueue(outboxRecord('old', { createdAt: at(10) }));
      await outbox.enqueue(outboxRecord('middle-b', { createdAt: at(20) }));
      await outbox.enqueue(outboxRecord('middle-a', { createdAt: at(20) }));
      expect(ids(await outbox.leaseBatch(3, 'worker-a', LEASE_MS, NOW))).toEqual(['old', 'middle-a', 'middle-b']);
      const [young] = await outbox.leaseBatch(3, 'worker-b', LEASE_MS, NOW);
      expect(young).toEqual(outboxRecord('young', { createdAt: at(30) }));
    });

    it('does not hand leased records to another holder, or the same one, until the lease expires', async () => {
      const outbox = await open();
      await outbox.enqueue(outboxRecord('r1'));
      expect(ids(await outbox.leaseBatch(10, 'worker-a', LEASE_MS, NOW))).toEqual(['r1']);
      expect(await outbox.leaseBatch(10, 'worker-b', LEASE_MS, later(LEASE_MS - 1))).toEqual([]);
      expect(await outbox.leaseBatch(10, 'worker-a', LEASE_MS, later(LEASE_MS - 1))).toEqual([]);
      expect(ids(await outbox.leaseBatch(10, 'worker-b', LEASE_MS, later(LEASE_MS)))).toEqual(['r1']);
      expect(await outbox.backlog()).toBe(1);
    });

    it('takes delivered records out of the backlog and never leases them again', async () => {
      const outbox = await open();
      await outbox.enqueue(outboxRecord('r1'));
      await outbox.enqueue(outboxRecord('r2', { createdAt: at(1) }));
      await outbox.leaseBatch(10, 'worker-a', LEASE_MS, NOW);
      await outbox.markDelivered('r1', RECEIPT, later(5));
      expect(await outbox.backlog()).toBe(1);
      expect(await outbox.get('r1')).toMatchObject({ deliveredAt: later(5).toISOString(), receipt: RECEIPT });
      expect(ids(await outbox.leaseBatch(10, 'worker-b', LEASE_MS, later(LEASE_MS * 10)))).toEqual(['r2']);
      await outbox.markDelivered('r2', RECEIPT, later(6));
      expect(await outbox.backlog()).toBe(0);
      expect(await outbox.leaseBatch(10, 'worker-c', LEASE_MS, later(LEASE_MS * 100))).toEqual([]);
    });

    it('keeps the first receipt when a record is marked delivered twice, and ignores a late failure', async () => {
      const outbox = await open();
      await outbox.enqueue(outboxRecord('r1'));
      await outbox.markDelivered('r1', RECEIPT, later(5));
      await outbox.markDelivered('r1', { receiptId: 'rcpt-2' }, later(9));
      await outbox.markFailed('r1', 'registry timed out', later(10));
      expect(await outbox.get('r1')).toMatchObject({ deliveredAt: later(5).toISOString(), receipt: RECEIPT, attempts: 0 });
    });

    it('ends the lease and counts the attempt when a delivery fails', async () => {
      const outbox = await open();
      await outbox.enqueue(outboxRecord('r1'));
      await outbox.leaseBatch(10, 'worker-a', LEASE_MS, NOW);
      await outbox.markFailed('r1', 'registry answered 503', later(1));
      expect(ids(await outbox.leaseBatch(10, 'worker-b', LEASE_MS, later(2)))).toEqual(['r1']);
      await outbox.markFailed('r1', 'registry answered 503', later(3));
      expect(await outbox.get('r1')).toMatchObject({ attempts: 2, deliveredAt: null });
      expect(await outbox.backlog()).toBe(1);
    });

    it('refuses to mark a record it never stored', async () => {
      const outbox = await open();
      await expect(outbox.markDelivered('ghost', RECEIPT, NOW)).rejects.toThrow(NotFoundError);
      await expect(outbox.markFailed('ghost', 'nope', NOW)).rejects.toThrow(NotFoundError);
      expect(await outbox.get('ghost')).toBeNull();
    });

    it('refuses a bad lease limit, duration or holder', async () => {
      const outbox = await open();
      await outbox.enqueue(outboxRecord('r1'));
      await expect(outbox.leaseBatch(0, 'worker-a', LEASE_MS, NOW)).rejects.toThrow(InputError);
      await expect(outbox.leaseBatch(1001, 'worker-a', LEASE_MS, NOW)).rejects.toThrow(InputError);
      await expect(outbox.leaseBatch(5, 'worker-a', 0, NOW)).rejects.toThrow(InputError);
      await expect(outbox.leaseBatch(5, '', LEASE_MS, NOW)).rejects.toThrow(InputError);
      expect(await outbox.leaseBatch(5, 'worker-a', LEASE_MS, NOW)).toHaveLength(1);
    });

    it('never hands the same record to two store instances leasing at once', async () => {
      const { stores, reopen } = await db.open();
      const other = await reopen();
      const count = 90;
      await Promise.all(Array.from({ length: count }, (_, i) => stores.outbox.enqueue(outboxRecord(`r${String(i).padStart(2, '0')}`, { createdAt: at(i % 7) }))));
      const handedOut: string[] = [];
      const drain = async (outbox: Outbox, holder: string): Promise<void> => {
        for (let batch = await outbox.leaseBatch(2, holder, LEASE_MS, NOW); batch.length > 0; batch = await outbox.leaseBatch(2, holder, LEASE_MS, NOW)) {
          handedOut.push(...ids(batch));
        }
      };
      await Promise.all(['a', 'b', 'c'].flatMap((n) => [drain(stores.outbox, `mine-${n}`), drain(other.outbox, `theirs-${n}`)]));
      expect(new Set(handedOut).size).toBe(handedOut.length);
      expect(handedOut).toHaveLength(count);
    });

    it('keeps records, leases and deliveries when the database is closed and opened again', async () => {
      const { stores, reopen } = await db.open();
      await stores.outbox.enqueue(outboxRecord('delivered'));
      await stores.outbox.enqueue(outboxRecord('leased', { createdAt: at(1) }));
      await stores.outbox.enqueue(outboxRecord('waiting', { createdAt: at(2) }));
      await stores.outbox.markDelivered('delivered', RECEIPT, NOW);
      await stores.outbox.leaseBatch(1, 'worker-a', LEASE_MS, NOW);
      await stores.close();
      const again = (await reopen()).outbox;
      expect(await again.get('delivered')).toMatchObject({ ...outboxRecord('delivered'), receipt: RECEIPT, deliveredAt: NOW.toISOString() });
      expect(await again.backlog()).toBe(2);
      expect(ids(await again.leaseBatch(10, 'worker-b', LEASE_MS, NOW))).toEqual(['waiting']);
    });
  });
}
