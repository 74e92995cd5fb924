import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import type { StopMarker } from '../../src/data-plane/codecs.ts';
import { StreamWatch, UNREADABLE_GRACE_MS } from '../../src/data-plane/stages/watch.ts';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import { agreement, asset, at, T0, transfer } from '../storage/contract/fixtures.ts';
import { TestPki } from '../support/pki.ts';

/** The watch over running streams, stepped by hand against a real SQLite store and a real trust store. */
describe('the watch over running streams', () => {
  let pki: TestPki;
  let trust: TrustStore;
  beforeAll(async () => {
    pki = await TestPki.create();
    trust = await pki.trust(pki.issue('bj-hospital', 'CN'));
  });
  afterAll(() => {
    trust.close();
    pki.cleanup();
  });

  const setUp = async () => {
    const stores = openSqliteStores(join(mkdtempSync(join(tmpdir(), 'kouan-watch-')), 'connector.db'));
    await stores.assets.put(asset('asset-1'));
    await stores.agreements.create(agreement('ag-1', { assetId: 'asset-1', end: '2027-11-27T08:00:00.000Z' }));
    const started = transfer('tp-1', { agreementId: 'ag-1', state: 'STARTED' });
    await stores.transfers.create(started);
    const clock = new ManualClock(T0);
    const errors: unknown[] = [];
    const watch = new StreamWatch({ terms: stores.transferTerms, trust, clock, intervalMs: 60_000, onError: (e) => errors.push(e) });
    const stops: StopMarker[] = [];
    const unwatch = watch.add({ transferId: 'tp-1', serial: 'ABCDEF', exp: Date.parse(T0) / 1000 + 600, stop: (m) => stops.push(m) });
    return { stores, started, clock, watch, stops, errors, unwatch };
  };

  it('lets a stream run while its grant holds, and cuts it in band once the transfer is suspended', async () => {
    const { stores, started, watch, stops, unwatch } = await setUp();
    await watch.look();
    expect(stops).toEqual([]);
    await stores.transfers.save({ ...started, state: 'SUSPENDED', updatedAt: at(1) }, started.updatedAt);
    await watch.look();
    expect(stops.map((m) => m.code)).toEqual(['GATEWAY_TRANSFER_SUSPENDED']);
    expect(watch.size).toBe(0);
    unwatch();
    await stores.close();
  });

  it('cuts a stream at its token\'s expiry and at the end of its agreement', async () => {
    const { stores, clock, watch, stops } = await setUp();
    clock.advance(600_000);
    await watch.look();
    expect(stops.map((m) => m.code)).toEqual(['TOKEN_EXPIRED']);
    watch.add({ transferId: 'tp-1', serial: 'ABCDEF', exp: Date.parse('2028-01-01T00:00:00Z') / 1000, stop: (m) => stops.push(m) });
    clock.set('2027-11-27T08:00:00.000Z');
    await watch.look();
    expect(stops.map((m) => m.code)).toEqual(['TOKEN_EXPIRED', 'GATEWAY_AGREEMENT_EXPIRED']);
    await stores.close();
  });

  it('denies when in doubt: a stream whose terms cannot be read is cut once the grace has passed, not before', async () => {
    const { stores, clock, watch, stops, errors } = await setUp();
    await stores.close(); // every read now fails
    await watch.look();
    clock.advance(UNREADABLE_GRACE_MS - 1);
    await watch.look();
    expect(stops).toEqual([]);
    expect(errors.length).toBe(2);
    clock.advance(1);
    await watch.look();
    expect(stops.map((m) => m.code)).toEqual(['GATEWAY_STATE_UNAVAILABLE']);
  });
});
