/**
 * Contract of a state-machine store (NegotiationStore, TransferStore): optimistic saves and leases, after
 * EDC's ContractNegotiationStoreTestBase. One suite, run for both ports on every adapter.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, InputError, NotFoundError } from '../../../src/core/errors.ts';
import type { ControlPlaneStores, StatefulStore } from '../../../src/storage/ports.ts';
import { at } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

interface Entity<S extends string> {
  id: string;
  state: S;
  stateCount: number;
  stateTimestamp: string;
  consumerPid: string;
  providerPid: string | null;
  updatedAt: string;
}

export interface StatefulSubject<T extends Entity<S>, S extends string> {
  port: string;
  store: (stores: ControlPlaneStores) => StatefulStore<T, S>;
  make: (id: string, over?: Partial<T>) => T;
  /** Three distinct non-final states: two a manager waits on, and one it does not. */
  states: readonly [S, S, S];
}

const LEASE_MS = 30_000;
const NOW = new Date(at(600));
const later = (ms: number): Date => new Date(NOW.getTime() + ms);

export function describeStatefulStore<T extends Entity<S>, S extends string>(newDatabase: NewDatabase, subject: StatefulSubject<T, S>): void {
  const { make } = subject;
  const [waiting, alsoWaiting, elsewhere] = subject.states;
  /** The same entity one step on: a new version, as a state machine would save it. */
  const advanced = (e: T, seconds: number): T => ({ ...e, stateCount: e.stateCount + 1, updatedAt: at(seconds) });

  describe(subject.port, () => {
    const db = storesFor(newDatabase);
    const open = async (): Promise<StatefulStore<T, S>> => subject.store((await db.open()).stores);

    it('returns an entity exactly as it was created', async () => {
      const store = await open();
      await store.create(make('n1'));
      expect(await store.get('n1')).toEqual(make('n1'));
      expect(await store.get('n2')).toBeNull();
    });

    it('refuses to create a second entity under an existing id and keeps the first', async () => {
      const store = await open();
      await store.create(make('n1'));
      await expect(store.create(make('n1', { state: elsewhere } as Partial<T>))).rejects.toThrow(ConflictError);
      expect((await store.get('n1'))?.state).toBe(waiting);
    });

    it('finds an entity by its consumer pid or by its provider pid', async () => {
      const store = await open();
      await store.create(make('n1', { consumerPid: 'urn:uuid:c-1', providerPid: 'urn:uuid:p-1' } as Partial<T>));
      await store.create(make('n2', { consumerPid: 'urn:uuid:c-2', providerPid: null } as Partial<T>));
      expect((await store.findByPid('urn:uuid:c-1'))?.id).toBe('n1');
      expect((await store.findByPid('urn:uuid:p-1'))?.id).toBe('n1');
      expect((await store.findByPid('urn:uuid:c-2'))?.id).toBe('n2');
      expect(await store.findByPid('urn:uuid:unknown')).toBeNull();
    });

    it('lists by state in id order, one page at a time', async () => {
      const store = await open();
      for (const [id, state] of [['n4', waiting], ['n2', elsewhere], ['n3', waiting], ['n1', waiting]] as const) {
        await store.create(make(id, { state } as Partial<T>));
      }
      const ids = async (filter: { state?: S; offset?: number; limit?: number }): Promise<string[]> => (await store.list(filter)).map((e) => e.id);
      expect(await ids({})).toEqual(['n1', 'n2', 'n3', 'n4']);
      expect(await ids({ state: waiting })).toEqual(['n1', 'n3', 'n4']);
      expect(await ids({ state: waiting, offset: 1, limit: 1 })).toEqual(['n3']);
      expect(await ids({ state: alsoWaiting })).toEqual([]);
      await expect(store.list({ limit: 0 })).rejects.toThrow(InputError);
    });

    it('saves a change when the expected version is the stored one', async () => {
      const store = await open();
      const created = make('n1');
      await store.create(created);
      const next = { ...advanced(created, 1), state: alsoWaiting };
      await store.save(next, created.updatedAt);
      expect(await store.get('n1')).toEqual(next);
      expect((await store.list({ state: alsoWaiting })).map((e) => e.id)).toEqual(['n1']);
    });

    it('refuses a save based on a stale version and writes nothing', async () => {
      const store = await open();
      const created = make('n1');
      await store.create(created);
      const first = advanced(created, 1);
      await store.save(first, created.updatedAt);
      const stale = { ...advanced(created, 2), state: elsewhere };
      await expect(store.save(stale, created.updatedAt)).rejects.toThrow(ConflictError);
      expect(await store.get('n1')).toEqual(first);
    });

    it('refuses a save that keeps the version unchanged, since nobody could tell the writes apart', async () => {
      const store = await open();
      const created = make('n1');
      await store.create(created);
      await expect(store.save({ ...created, state: elsewhere }, created.updatedAt)).rejects.toThrow(InputError);
      expect(await store.get('n1')).toEqual(created);
    });

    it('refuses to save an entity that was never created', async () => {
      const store = await open();
      const ghost = make('ghost');
      await expect(store.save(advanced(ghost, 1), ghost.updatedAt)).rejects.toThrow(NotFoundError);
      expect(await store.get('ghost')).toBeNull();
    });

    it('leases only entities in the given states, oldest state change first, up to the limit', async () => {
      const store = await open();
      await store.create(make('young', { state: waiting, stateTimestamp: at(30) } as Partial<T>));
      await store.create(make('old', { state: waiting, stateTimestamp: at(10) } as Partial<T>));
      await store.create(make('oldest-elsewhere', { state: elsewhere, stateTimestamp: at(0) } as Partial<T>));
      await store.create(make('middle', { state: alsoWaiting, stateTimestamp: at(20) } as Partial<T>));
      const first = await store.leaseNext([waiting, alsoWaiting], 2, 'manager-a', LEASE_MS, NOW);
      expect(first.map((e) => e.id)).toEqual(['old', 'middle']);
      const second = await store.leaseNext([waiting, alsoWaiting], 2, 'manager-b', LEASE_MS, NOW);
      expect(second.map((e) => e.id)).toEqual(['young']);
      expect(await store.leaseNext([waiting], 10, 'manager-c', LEASE_MS, NOW)).toEqual([]);
    });

    it('does not hand a leased entity out again, to another holder or the same one, until the lease expires', async () => {
      const store = await open();
      await store.create(make('n1'));
      expect(await store.leaseNext([waiting], 5, 'manager-a', LEASE_MS, NOW)).toHaveLength(1);
      expect(await store.leaseNext([waiting], 5, 'manager-b', LEASE_MS, later(LEASE_MS - 1))).toEqual([]);
      expect(await store.leaseNext([waiting], 5, 'manager-a', LEASE_MS, later(LEASE_MS - 1))).toEqual([]);
      const expired = await store.leaseNext([waiting], 5, 'manager-b', LEASE_MS, later(LEASE_MS));
      expect(expired.map((e) => e.id)).toEqual(['n1']);
      expect(await store.leaseNext([waiting], 5, 'manager-a', LEASE_MS, later(LEASE_MS))).toEqual([]);
    });

    it('releases the lease when its holder saves the entity', async () => {
      const store = await open();
      await store.create(make('n1'));
      const [leased] = await store.leaseNext([waiting], 1, 'manager-a', LEASE_MS, NOW);
      await store.save(advanced(leased!, 1), leased!.updatedAt, 'manager-a');
      expect((await store.leaseNext([waiting], 1, 'manager-b', LEASE_MS, NOW)).map((e) => e.id)).toEqual(['n1']);
    });

    it('releases a lease on request without changing the entity, and only for its holder', async () => {
      const store = await open();
      await store.create(make('n1'));
      const [leased] = await store.leaseNext([waiting], 1, 'manager-a', LEASE_MS, NOW);
      await store.release('n1', 'manager-b');
      expect(await store.leaseNext([waiting], 1, 'manager-b', LEASE_MS, NOW)).toEqual([]);
      await store.release('n1', 'manager-a');
      const again = await store.leaseNext([waiting], 1, 'manager-b', LEASE_MS, NOW);
      expect(again).toEqual([leased]);
    });

    it('keeps the lease when someone other than its holder saves the entity', async () => {
      const store = await open();
      await store.create(make('n1'));
      const [leased] = await store.leaseNext([waiting], 1, 'manager-a', LEASE_MS, NOW);
      const once = advanced(leased!, 1);
      await store.save(once, leased!.updatedAt);
      await store.save(advanced(once, 2), once.updatedAt, 'manager-b');
      expect(await store.leaseNext([waiting], 1, 'manager-b', LEASE_MS, NOW)).toEqual([]);
    });

    it('leases nothing for no states, and refuses a bad limit, duration or holder', async () => {
      const store = await open();
      await store.create(make('n1'));
      expect(await store.leaseNext([], 5, 'manager-a', LEASE_MS, NOW)).toEqual([]);
      await expect(store.leaseNext([waiting], 0, 'manager-a', LEASE_MS, NOW)).rejects.toThrow(InputError);
      await expect(store.leaseNext([waiting], 5, 'manager-a', 0, NOW)).rejects.toThrow(InputError);
      await expect(store.leaseNext([waiting], 5, '', LEASE_MS, NOW)).rejects.toThrow(InputError);
      expect(await store.leaseNext([waiting], 5, 'manager-a', LEASE_MS, NOW)).toHaveLength(1);
    });

    it('never hands the same entity to two store instances leasing at once', async () => {
      const { stores, reopen } = await db.open();
      const mine = subject.store(stores);
      const theirs = subject.store(await reopen());
      const count = 90;
      await Promise.all(Array.from({ length: count }, (_, i) => mine.create(make(`n${String(i).padStart(2, '0')}`, { stateTimestamp: at(i % 7) } as Partial<T>))));
      const handedOut: string[] = [];
      const drain = async (store: StatefulStore<T, S>, holder: string): Promise<void> => {
        for (let batch = await store.leaseNext([waiting], 2, holder, LEASE_MS, NOW); batch.length > 0; batch = await store.leaseNext([waiting], 2, holder, LEASE_MS, NOW)) {
          handedOut.push(...batch.map((e) => e.id));
        }
      };
      await Promise.all(['a', 'b', 'c'].flatMap((n) => [drain(mine, `mine-${n}`), drain(theirs, `theirs-${n}`)]));
      expect(new Set(handedOut).size).toBe(handedOut.length);
      expect(handedOut).toHaveLength(count);
    });

    it('keeps entities and their leases when the database is closed and opened again', async () => {
      const { stores, reopen } = await db.open();
      await subject.store(stores).create(make('n1'));
      await subject.store(stores).create(make('n2', { stateTimestamp: at(1) } as Partial<T>));
      await subject.store(stores).leaseNext([waiting], 1, 'manager-a', LEASE_MS, NOW);
      await stores.close();
      const again = subject.store(await reopen());
      expect(await again.get('n1')).toEqual(make('n1'));
      expect((await again.leaseNext([waiting], 5, 'manager-b', LEASE_MS, NOW)).map((e) => e.id)).toEqual(['n2']);
    });
  });
}
