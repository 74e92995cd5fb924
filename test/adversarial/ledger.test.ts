/**
 * An insider with write access to the registry's database, and nothing else (not the registry's keys, not the
 * connectors'), rewrites the ledger with plain SQL after dropping the append-only triggers. A real registry with
 * real certificates takes real signed records over mutual TLS (SQLite and PostgreSQL); `kouan ledger verify`, the
 * real CLI, anchored to the CA and the registry's certificate from its state folder, must exit 1 naming the first
 * entry that no longer holds and why.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash } from '../../src/registry/ledger/chain.ts';
import type { LedgerEntry } from '../../src/registry/model.ts';
import { canonicalJson, signDetached } from '../../src/trust/jws.ts';
import { kouanAsync } from '../support/cli.ts';
import { TestPki } from '../support/pki.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { until } from '../support/until.ts';
import { deliver, register, startTestRegistry, testConnector, usageRecord, type TestConnector } from '../registry/support.ts';

type Storage = 'SQLite' | 'PostgreSQL';
type Row = Record<string, unknown>;

/** The database as the insider reaches it: SQL, and the entries as stored. */
interface Insider {
  exec(sql: string, params?: unknown[]): Promise<void>;
  entries(): Promise<LedgerEntry[]>;
  checkpointSeqs(): Promise<number[]>;
  close(): Promise<void>;
}

const ENTRIES = 12;
const EVERY = 5;
/** The record the insider wants to change: a usage record of 839 persons. */
const TARGET = 4;

const entryOf = (r: Row): LedgerEntry => ({
  seq: Number(r.seq), recordId: String(r.record_id), kind: String(r.kind) as LedgerEntry['kind'], participant: String(r.participant),
  record: String(r.record), signature: String(r.signature), receivedAt: String(r.received_at), hash: String(r.hash), receipt: String(r.receipt),
});

/** Rewrites entry `seq` as `change` says and recomputes every hash from it to the end, and the head row. */
async function rewriteAndRechain(db: Insider, seq: number, change: (e: LedgerEntry) => Partial<LedgerEntry>): Promise<void> {
  const entries = await db.entries();
  let previous = entries[seq - 2]?.hash ?? '0'.repeat(64);
  for (const e of entries.slice(seq - 1)) {
    const changed = { ...e, ...(e.seq === seq ? change(e) : {}) };
    changed.hash = entryHash(previous, changed);
    await db.exec('UPDATE ledger_entries SET record = $1, signature = $2, participant = $3, hash = $4 WHERE seq = $5', [changed.record, changed.signature, changed.participant, changed.hash, e.seq]);
    previous = changed.hash;
  }
  await db.exec('UPDATE ledger_head SET hash = $1 WHERE id = 1', [previous]);
}

describe.each<Storage>(['SQLite', 'PostgreSQL'])('an insider with write access to the registry database (%s)', (storage) => {
  let pki: TestPki;
  let hospital: TestConnector;
  let pharma: TestConnector;
  const schemas: string[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    pki = await TestPki.create();
  });
  afterAll(async () => {
    if (storage === 'PostgreSQL') await dropSchemas(testPostgresUrl(), schemas);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    pki.cleanup();
  });

  /**
   * A registry that took ENTRIES records (hospital's; seq TARGET counts 839 persons), checkpointed every EVERY
   * entries and its head by the timer, then stopped; and the insider's way into its database.
   */
  async function ledgerUnderAttack(ledger: Record<string, unknown> = { checkpointEvery: EVERY, checkpointSeconds: 0.2 }) {
    const schema = uniqueSchema('adversarial_ledger');
    if (storage === 'PostgreSQL') schemas.push(schema);
    const storageConfig = storage === 'SQLite' ? {} : { storage: { postgresUrl: testPostgresUrl(), postgresSchema: schema } };
    const registry = await startTestRegistry(pki, { ...storageConfig, ledger });
    dirs.push(registry.config.stateDir);
    hospital = await testConnector(pki, registry, 'bj-hospital', 'CN');
    pharma = await testConnector(pki, registry, 'sh-pharma', 'CN');
    await register(registry, 'bj-hospital', 'CN', hospital.credentials);
    await register(registry, 'sh-pharma', 'CN', pharma.credentials);
    for (let i = 1; i <= ENTRIES; i += 1) await deliver(hospital, usageRecord('bj-hospital', { newSubjects: i === TARGET ? 839 : 3 }));
    const store = registry.deps.stores.ledger;
    const checkpointed = await until(() => store.latestCheckpoint(), (c) => c?.seq === ENTRIES, 5000);
    expect(checkpointed?.seq).toBe(ENTRIES);
    await hospital.close();
    await pharma.close();
    await registry.stop();
    const db = storage === 'SQLite' ? sqliteInsider(join(registry.config.stateDir, 'registry.db')) : await postgresInsider(schema);
    const target = storage === 'SQLite' ? ['--db', join(registry.config.stateDir, 'registry.db')] : ['--db', testPostgresUrl(), '--schema', schema];
    const verify = async (...extra: string[]) => {
      const result = await kouanAsync(['ledger', 'verify', ...target, '--ca', pki.caPath, '--state-dir', registry.config.stateDir, '--json', ...extra]);
      return { ...result, report: (result.stdout ? JSON.parse(result.stdout) : null) as { ok: boolean; seq?: number; code?: string; also?: Array<{ seq: number; code: string }> } | null };
    };
    return { db, verify };
  }

  function sqliteInsider(file: string): Insider {
    const db = new Database(file);
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER ${name}`);
    const positional = (sql: string) => sql.replace(/\$\d+/g, '?');
    return {
      exec: async (sql, params = []) => void db.prepare(positional(sql)).run(...params),
      entries: async () => (db.prepare('SELECT * FROM ledger_entries ORDER BY seq').all() as Row[]).map(entryOf),
      checkpointSeqs: async () => (db.prepare('SELECT seq FROM ledger_checkpoints ORDER BY seq').all() as Row[]).map((r) => Number(r.seq)),
      close: async () => void db.close(),
    };
  }

  async function postgresInsider(schema: string): Promise<Insider> {
    const client = new pg.Client({ connectionString: testPostgresUrl(), options: `-c search_path=${schema}` });
    await client.connect();
    await client.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER; ALTER TABLE ledger_checkpoints DISABLE TRIGGER USER');
    return {
      exec: async (sql, params = []) => void (await client.query(sql, params)),
      entries: async () => (await client.query('SELECT * FROM ledger_entries ORDER BY seq')).rows.map(entryOf),
      checkpointSeqs: async () => (await client.query('SELECT seq FROM ledger_checkpoints ORDER BY seq')).rows.map((r: Row) => Number(r.seq)),
      close: () => client.end(),
    };
  }

  const expectBroken = (result: { code: number; stderr: string; report: { ok: boolean; seq?: number; code?: string } | null }, seq: number, code: string) => {
    expect(result.code, result.stderr).toBe(1);
    expect(result.report).toMatchObject({ ok: false, seq, code });
    expect(result.stderr).toContain(`ledger broken at seq ${seq}: ${code}`);
  };

  it('passes the ledger as the registry left it, every receipt and record signature included', async () => {
    const { db, verify } = await ledgerUnderAttack();
    await db.close();
    const result = await verify('--signatures');
    expect(result.code, result.stderr).toBe(0);
    expect(result.report).toMatchObject({ ok: true, entries: ENTRIES, receipts: ENTRIES, signatures: ENTRIES, unsignedTail: 0 });
  });

  it('names a usage record rewritten from 839 persons to 1 with the chain recomputed after it', async () => {
    const { db, verify } = await ledgerUnderAttack();
    await rewriteAndRechain(db, TARGET, (e) => ({ record: e.record.replace('"newSubjects":839', '"newSubjects":1') }));
    expect((await db.entries())[TARGET - 1]!.record).toContain('"newSubjects":1,');
    await db.close();
    expectBroken(await verify(), TARGET, 'LEDGER_RECEIPT_INVALID');
  });

  it('names a rewritten receipt (a true registry receipt of another entry) when every receipt is checked', async () => {
    const { db, verify } = await ledgerUnderAttack();
    const entries = await db.entries();
    await db.exec('UPDATE ledger_entries SET receipt = $1 WHERE seq = $2', [entries[6]!.receipt, 8]);
    await db.close();
    expectBroken(await verify('--receipts'), 8, 'LEDGER_RECEIPT_INVALID');
  });

  it('names a forged entry appended onto the head with a correct chain hash', async () => {
    const { db, verify } = await ledgerUnderAttack();
    const last = (await db.entries()).at(-1)!;
    const record = canonicalJson(usageRecord('bj-hospital', { newSubjects: 1 }));
    const forged = { seq: ENTRIES + 1, recordId: String(JSON.parse(record).id), kind: 'usage' as const, participant: 'bj-hospital', record, signature: last.signature, receivedAt: new Date().toISOString() };
    const hash = entryHash(last.hash, forged);
    await db.exec('INSERT INTO ledger_entries (seq, record_id, kind, participant, record, signature, received_at, hash, receipt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [forged.seq, forged.recordId, forged.kind, forged.participant, forged.record, forged.signature, forged.receivedAt, hash, last.receipt]);
    await db.exec('UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1', [forged.seq, hash]);
    await db.close();
    expectBroken(await verify(), ENTRIES + 1, 'LEDGER_RECEIPT_INVALID');
  });

  it('names the first entry missing when the tail is cut off and the head row moved back', async () => {
    const { db, verify } = await ledgerUnderAttack();
    const entries = await db.entries();
    await db.exec('DELETE FROM ledger_entries WHERE seq > $1', [10]);
    await db.exec('UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1', [10, entries[9]!.hash]);
    await db.close();
    expectBroken(await verify(), 11, 'LEDGER_TRUNCATED');
  });

  it('names the entries left without a checkpoint when the newest checkpoint is deleted', async () => {
    const { db, verify } = await ledgerUnderAttack();
    await db.exec('DELETE FROM ledger_checkpoints WHERE seq = $1', [ENTRIES]);
    const kept = (await db.checkpointSeqs()).at(-1)!;
    expect(kept).toBeLessThan(ENTRIES);
    // The registry checkpoints its head every 0.2 s here: entries left unsigned for over a second are not its doing.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expectBroken(await verify('--max-unsigned-age', '1'), kept + 1, 'LEDGER_HEAD_NOT_CHECKPOINTED');
    // One deleted in the middle, where a multiple of checkpointEvery stood, is named when checkpointEvery is given.
    await db.exec('DELETE FROM ledger_checkpoints WHERE seq = $1', [2 * EVERY]);
    await db.close();
    expectBroken(await verify('--checkpoint-every', String(EVERY), '--max-unsigned-age', '1'), 2 * EVERY, 'LEDGER_CHECKPOINT_MISSING');
  });

  it('names a record replaced by one another participant signed: the chain and receipts say rewritten, only --signatures says whose key', async () => {
    const { db, verify } = await ledgerUnderAttack();
    // The insider is also sh-pharma's operator: a record in bj-hospital's name, signed with sh-pharma's key.
    const record = usageRecord('bj-hospital', { newSubjects: 1 });
    const signature = await signDetached(record, pharma.identity);
    await rewriteAndRechain(db, TARGET, () => ({ record: canonicalJson(record), signature }));
    await db.close();
    const without = await verify();
    expectBroken(without, TARGET, 'LEDGER_RECEIPT_INVALID');
    expect(JSON.stringify(without.report)).not.toContain('LEDGER_RECORD_SIGNATURE_INVALID');
    const withSignatures = await verify('--signatures');
    expectBroken(withSignatures, TARGET, 'LEDGER_RECEIPT_INVALID');
    expect(withSignatures.report?.also).toContainEqual(expect.objectContaining({ seq: TARGET, code: 'LEDGER_RECORD_SIGNATURE_INVALID' }));
    expect(withSignatures.stderr).toContain(`also seq ${TARGET}: LEDGER_RECORD_SIGNATURE_INVALID`);
  });

  it('does not checkpoint over an entry appended behind its back while it runs, and verify names that entry', async () => {
    const schema = uniqueSchema('adversarial_ledger_running');
    if (storage === 'PostgreSQL') schemas.push(schema);
    const storageConfig = storage === 'SQLite' ? {} : { storage: { postgresUrl: testPostgresUrl(), postgresSchema: schema } };
    const registry = await startTestRegistry(pki, { ...storageConfig, ledger: { checkpointEvery: 100_000, checkpointSeconds: 0.2 } });
    dirs.push(registry.config.stateDir);
    const store = registry.deps.stores.ledger;
    const connector = await testConnector(pki, registry, 'bj-hospital', 'CN');
    let db: Insider | null = null;
    try {
      await register(registry, 'bj-hospital', 'CN', connector.credentials);
      for (let i = 0; i < 2; i += 1) await deliver(connector, usageRecord('bj-hospital'));
      expect((await until(() => store.latestCheckpoint(), (c) => c?.seq === 2, 3000))?.seq).toBe(2);
      db = storage === 'SQLite' ? sqliteInsider(join(registry.config.stateDir, 'registry.db')) : await postgresInsider(schema);
      const last = (await db.entries()).at(-1)!;
      const record = canonicalJson(usageRecord('bj-hospital', { newSubjects: 1 }));
      const forged = { seq: 3, recordId: String((JSON.parse(record) as { id: string }).id), kind: 'usage' as const, participant: 'bj-hospital', record, signature: last.signature, receivedAt: new Date().toISOString() };
      const hash = entryHash(last.hash, forged);
      await db.exec('INSERT INTO ledger_entries (seq, record_id, kind, participant, record, signature, received_at, hash, receipt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [forged.seq, forged.recordId, forged.kind, forged.participant, forged.record, forged.signature, forged.receivedAt, hash, last.receipt]);
      await db.exec('UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1', [forged.seq, hash]);
      // A genuine record after it: the registry appends onto the forged head, but signs no checkpoint over it.
      await deliver(connector, usageRecord('bj-hospital'));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await store.latestCheckpoint())?.seq).toBe(2);
    } finally {
      await db?.close();
      await connector.close();
      await registry.stop();
    }
    const target = storage === 'SQLite' ? ['--db', join(registry.config.stateDir, 'registry.db')] : ['--db', testPostgresUrl(), '--schema', schema];
    const result = await kouanAsync(['ledger', 'verify', ...target, '--ca', pki.caPath, '--state-dir', registry.config.stateDir, '--json']);
    expectBroken({ ...result, report: JSON.parse(result.stdout) as { ok: boolean; seq?: number; code?: string } }, 3, 'LEDGER_RECEIPT_INVALID');
  });

  it('signs a checkpoint of a few entries within the timer period, though far fewer than checkpointEvery', async () => {
    const schema = uniqueSchema('adversarial_ledger_timer');
    if (storage === 'PostgreSQL') schemas.push(schema);
    const storageConfig = storage === 'SQLite' ? {} : { storage: { postgresUrl: testPostgresUrl(), postgresSchema: schema } };
    const registry = await startTestRegistry(pki, { ...storageConfig, ledger: { checkpointEvery: 100_000, checkpointSeconds: 0.5 } });
    dirs.push(registry.config.stateDir);
    try {
      const connector = await testConnector(pki, registry, 'bj-hospital', 'CN');
      await register(registry, 'bj-hospital', 'CN', connector.credentials);
      for (let i = 0; i < 3; i += 1) await deliver(connector, usageRecord('bj-hospital'));
      await connector.close();
      const store = registry.deps.stores.ledger;
      const last = (await store.entry(3))!;
      const checkpoint = await until(() => store.latestCheckpoint(), (c) => c !== null, 3000);
      expect(checkpoint).toMatchObject({ seq: 3, hash: last.hash });
      // Within the period (0.5 s) of the last append, with a little room for a busy machine.
      expect(Date.parse(checkpoint!.at) - Date.parse(last.receivedAt)).toBeLessThanOrEqual(500 + 250);
      // Nothing new: no second checkpoint of the same head.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(await store.checkpoints(0, 10)).toHaveLength(1);
    } finally {
      await registry.stop();
    }
  });
});
