/**
 * Someone with write access to the database edits, deletes, reorders or inserts ledger entries (after dropping
 * the append-only triggers); `kouan ledger verify`, the real CLI, names the first entry that no longer holds.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { entryHash } from '../../src/registry/ledger/chain.ts';
import { Ledger } from '../../src/registry/ledger/ledger.ts';
import { LedgerSigner } from '../../src/registry/ledger/signer.ts';
import type { RegistryStores } from '../../src/registry/storage/ports.ts';
import { openPostgresRegistryStores } from '../../src/registry/storage/postgres/index.ts';
import { openSqliteRegistryStores } from '../../src/registry/storage/sqlite/index.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { canonicalJson, signDetached } from '../../src/trust/jws.ts';
import { kouanAsync } from '../support/cli.ts';
import { TestPki } from '../support/pki.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { usageRecord } from './support.ts';

const ENTRIES = 30;
const EVERY = 10;

/** Runs SQL against the tampered database: `sql` for one statement, `entry(seq)` to read the row a forgery builds on. */
interface Db {
  exec(sql: string): Promise<void>;
  entry(seq: number): Promise<{ hash: string; record_id: string; kind: string; participant: string; record: string; signature: string; received_at: string }>;
}

interface Case {
  name: string;
  /** Required on both databases (the issue's four tampers and the untouched chain); the rest run on SQLite. */
  both: boolean;
  tamper: (db: Db) => Promise<void>;
  /** null: verify passes; otherwise the seq it must name and a pattern for the reason. */
  broken: { seq: number; reason: RegExp } | null;
}

const cases: Case[] = [
  { name: 'an untouched chain', both: true, tamper: async () => undefined, broken: null },
  { name: 'an edited record', both: true, tamper: (db) => db.exec("UPDATE ledger_entries SET record = replace(record, '\"bytes\":123456', '\"bytes\":1') WHERE seq = 13"), broken: { seq: 13, reason: /hash mismatch/ } },
  { name: 'a deleted entry', both: true, tamper: (db) => db.exec('DELETE FROM ledger_entries WHERE seq = 13'), broken: { seq: 13, reason: /missing/ } },
  {
    name: 'two entries swapped',
    both: true,
    tamper: async (db) => {
      await db.exec('UPDATE ledger_entries SET seq = 1000000 WHERE seq = 12');
      await db.exec('UPDATE ledger_entries SET seq = 12 WHERE seq = 13');
      await db.exec('UPDATE ledger_entries SET seq = 13 WHERE seq = 1000000');
    },
    broken: { seq: 12, reason: /hash mismatch/ },
  },
  {
    name: 'an entry inserted in the middle, hashed onto its predecessor, the rest moved up',
    both: true,
    tamper: async (db) => {
      const before = await db.entry(12);
      const forged = { seq: 13, recordId: 'urn:uuid:forged', kind: 'usage', participant: before.participant, record: before.record.replace(before.record_id, 'urn:uuid:forged'), signature: before.signature, receivedAt: before.received_at };
      await db.exec('UPDATE ledger_entries SET seq = seq + 1000 WHERE seq >= 13');
      await db.exec('UPDATE ledger_entries SET seq = seq - 999 WHERE seq >= 1013');
      const hash = entryHash(before.hash, forged as never);
      await db.exec(`INSERT INTO ledger_entries (seq, record_id, kind, participant, record, signature, received_at, hash, receipt) VALUES (13, 'urn:uuid:forged', 'usage', '${forged.participant}', '${forged.record}', '${forged.signature}', '${forged.receivedAt}', '${hash}', '')`);
    },
    broken: { seq: 14, reason: /hash mismatch/ },
  },
  { name: 'an edited signature', both: false, tamper: (db) => db.exec("UPDATE ledger_entries SET signature = signature || 'x' WHERE seq = 7"), broken: { seq: 7, reason: /hash mismatch/ } },
  { name: 'a moved receipt time', both: false, tamper: (db) => db.exec("UPDATE ledger_entries SET received_at = '2020-01-01T00:00:00.000Z' WHERE seq = 21"), broken: { seq: 21, reason: /hash mismatch/ } },
  { name: 'an entry whose stored hash was recomputed after an edit', both: false, tamper: (db) => db.exec("UPDATE ledger_entries SET participant = 'ai-lab', hash = '" + '1'.repeat(64) + "' WHERE seq = 5"), broken: { seq: 5, reason: /hash mismatch/ } },
  { name: 'an entry appended behind the registry', both: false, tamper: async (db) => {
      const last = await db.entry(ENTRIES);
      const link = { seq: ENTRIES + 1, recordId: 'urn:uuid:late', kind: 'usage', participant: last.participant, record: last.record.replace(last.record_id, 'urn:uuid:late'), signature: last.signature, receivedAt: last.received_at };
      await db.exec(`INSERT INTO ledger_entries (seq, record_id, kind, participant, record, signature, received_at, hash, receipt) VALUES (${link.seq}, 'urn:uuid:late', 'usage', '${link.participant}', '${link.record}', '${link.signature}', '${link.receivedAt}', '${entryHash(last.hash, link as never)}', '')`);
    }, broken: { seq: ENTRIES + 1, reason: /beyond the chain head/ } },
  { name: 'the last entries removed', both: false, tamper: (db) => db.exec('DELETE FROM ledger_entries WHERE seq > 25'), broken: { seq: 26, reason: /missing/ } },
  { name: 'the last entries removed and the head moved back', both: false, tamper: async (db) => {
      await db.exec('DELETE FROM ledger_entries WHERE seq > 25');
      await db.exec(`UPDATE ledger_head SET seq = 25, hash = '${(await db.entry(25)).hash}'`);
    }, broken: { seq: 26, reason: /chain ends at seq 25/ } },
  { name: 'a checkpoint moved onto another hash', both: false, tamper: async (db) => db.exec(`UPDATE ledger_checkpoints SET hash = '${(await db.entry(19)).hash}' WHERE seq = 20`), broken: { seq: 20, reason: /checkpoint says head/ } },
  { name: 'a checkpoint with a signature of another checkpoint', both: false, tamper: (db) => db.exec('UPDATE ledger_checkpoints SET signature = (SELECT signature FROM ledger_checkpoints WHERE seq = 10) WHERE seq = 20'), broken: { seq: 20, reason: /signature does not verify/ } },
  { name: 'a ledger key swapped for another', both: false, tamper: (db) => db.exec(`UPDATE ledger_keys SET jwk = '${JSON.stringify(LedgerSigner.fromFile(join(mkdtempSync(join(tmpdir(), 'kouan-key-')), 'k')).jwk)}'`), broken: { seq: 10, reason: /not vouched for/ } },
];

describe('kouan ledger verify names the first broken entry', () => {
  let pki: TestPki;
  let registryIdentity: LocalIdentity;
  let registryCert: string;
  let connector: LocalIdentity;
  const root = mkdtempSync(join(tmpdir(), 'kouan-tamper-'));

  beforeAll(async () => {
    pki = await TestPki.create();
    const r = pki.issue('data-port-registry', 'CN');
    registryIdentity = loadLocalIdentity(r.cert, r.key);
    registryCert = r.cert;
    const c = pki.issue('bj-hospital', 'CN');
    connector = loadLocalIdentity(c.cert, c.key);
  });
  afterAll(() => {
    pki.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  /** A chain of ENTRIES signed records, appended through the ledger with a checkpoint every EVERY entries. */
  async function fill(stores: RegistryStores): Promise<void> {
    const signer = LedgerSigner.fromFile(join(root, 'ledger.key'));
    await stores.ledger.addKey(await signer.bind(registryIdentity, systemClock));
    const ledger = new Ledger(stores.ledger, signer, systemClock, { checkpointEvery: EVERY, maxBatch: 7 });
    await Promise.all(Array.from({ length: ENTRIES }, async () => {
      const record = usageRecord('bj-hospital');
      return ledger.append({ recordId: String(record.id), kind: 'usage', participant: 'bj-hospital', record: canonicalJson(record), signature: await signDetached(record, connector) });
    }));
    await ledger.settled();
    await stores.close();
  }

  /** The real CLI, in a process of its own (without blocking this one). */
  const verify = async (db: string, ...extra: string[]) => {
    const result = await kouanAsync(['ledger', 'verify', '--db', db, '--json', '--ca', pki.caPath, '--registry-cert', registryCert, ...extra]);
    return { ...result, report: result.stdout ? (JSON.parse(result.stdout) as Record<string, unknown>) : null };
  };

  const expectVerdict = (result: Awaited<ReturnType<typeof verify>>, broken: Case['broken']) => {
    if (broken === null) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.report).toMatchObject({ ok: true, entries: ENTRIES, checkpoints: ENTRIES / EVERY });
      return;
    }
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.report).toMatchObject({ ok: false, seq: broken.seq, reason: expect.stringMatching(broken.reason) });
    expect(result.stderr).toContain(`ledger broken at seq ${broken.seq}:`);
  };

  describe('on SQLite', () => {
    let pristine: string;
    beforeAll(async () => {
      pristine = join(root, 'pristine.db');
      await fill(openSqliteRegistryStores(pristine));
    });

    it.each(cases)('$name', async ({ tamper, broken }) => {
      const file = join(root, `${Math.random().toString(36).slice(2)}.db`);
      copyFileSync(pristine, file);
      const db = new Database(file);
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER ${name}`);
      await tamper({ exec: async (sql) => void db.exec(sql), entry: async (seq) => db.prepare('SELECT * FROM ledger_entries WHERE seq = ?').get(seq) as never });
      db.close();
      expectVerdict(await verify(file), broken);
      // The same, walked in two threads (the second half from the checkpoint at seq 20 on its own connection).
      expectVerdict(await verify(file, '--parallel-from', '1'), broken);
    });

    it('checks the ledger keys against the data-space CA when given one', async () => {
      expect((await verify(pristine)).report).toMatchObject({ ok: true, anchored: true });
      const foreign = await TestPki.create();
      const foreignRegistry = foreign.issue('data-port-registry', 'CN');
      expectVerdict(await verify(pristine, '--ca', foreign.caPath, '--registry-cert', foreignRegistry.cert), { seq: EVERY, reason: /not issued by the given CA/ });
      foreign.cleanup();
    });

    it('refuses, with exit 2, a file that is not a registry ledger', async () => {
      const result = await verify(join(root, 'missing.db'));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/cannot open/);
    });
  });

  describe('on PostgreSQL', () => {
    const url = testPostgresUrl();
    const schemas: string[] = [];
    afterAll(() => dropSchemas(url, schemas));

    it.each(cases.filter((c) => c.both))('$name', async ({ tamper, broken }) => {
      const schema = uniqueSchema('tamper');
      schemas.push(schema);
      await fill(await openPostgresRegistryStores(url, { schema, poolSize: 2 }));
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        await client.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER; ALTER TABLE ledger_checkpoints DISABLE TRIGGER USER');
        await tamper({ exec: async (sql) => void (await client.query(sql)), entry: async (seq) => (await client.query('SELECT * FROM ledger_entries WHERE seq = $1', [seq])).rows[0] });
      } finally {
        await client.end();
      }
      expectVerdict(await verify(url, '--schema', schema), broken);
    });
  });
});
