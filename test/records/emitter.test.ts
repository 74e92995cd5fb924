import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { RecordEmitter } from '../../src/records/emitter.ts';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import { loadLocalIdentity } from '../../src/trust/identity.ts';
import { TestPki } from '../support/pki.ts';

describe('the record emitter', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await TestPki.create();
  });
  afterAll(() => pki.cleanup());

  it('settles once every record emitted so far is in the outbox (signatures are made off the event loop)', async () => {
    const credentials = pki.issue('bj-hospital', 'CN');
    const stores = openSqliteStores(':memory:');
    const emitter = new RecordEmitter(loadLocalIdentity(credentials.cert, credentials.key), stores.outbox, systemClock, createLogger({ level: 'silent' }));
    for (let i = 0; i < 50; i++) void emitter.emit('denial', { stage: 'data-plane', consumer: 'pharma-de', destinationCountry: 'DE', reasons: [] });
    await emitter.settled();
    expect(await stores.outbox.backlog()).toBe(50);
    await emitter.settled(); // nothing pending: at once
    await stores.close();
  });
});
