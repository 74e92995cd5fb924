import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/core/keyed-lock.ts';
import { codecs, StopSignal, type Format } from '../../src/data-plane/codecs.ts';
import { stopMarkerOf } from '../../src/data-plane/pull.ts';
import { Enforcer } from '../../src/data-plane/enforcer.ts';
import { RecordKeys, rulesFrom } from '../../src/data-plane/obligations.ts';
import { SubjectMemory } from '../../src/data-plane/subject-memory.ts';
import { StreamBudget, totalsOf } from '../../src/data-plane/budget.ts';
import type { Stores } from '../../src/storage/ports.ts';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import { Collect } from '../support/collect.ts';

const rows = Array.from({ length: 6 }, (_, i) => ({ id: `S-${i}`, name: `Name, "${i}"`, score: String(i * 10) }));
const encode: Record<Format, (r: typeof rows) => string> = {
  ndjson: (r) => r.map((x) => JSON.stringify(x)).join('\n') + '\n',
  json: (r) => JSON.stringify(r),
  csv: (r) => ['id,name,score', ...r.map((x) => `${x.id},"${x.name.replace(/"/g, '""')}",${x.score}`)].join('\n') + '\n',
};

const keys = new RecordKeys(Buffer.alloc(32, 7));

/** Runs bytes through parser → enforcer → serializer, as the gateway does, with real SQLite counting. */
async function run(format: Format, body: string | Buffer[], obligations: Array<Record<string, unknown>>, stores: Stores, options: { memory?: SubjectMemory; agreementId?: string } = {}) {
  const codec = codecs[format];
  const { fields, limits } = rulesFrom(obligations as never);
  const agreementId = options.agreementId ?? 'agreement-1';
  const usage = stores.usage;
  const totals = totalsOf(limits, { usage: await usage.agreementUsage(agreementId), cumulative: await usage.cumulative('bj-hospital', 2026) });
  const budget = new StreamBudget(stores.budgets, usage, { agreementId, exporterId: 'bj-hospital', year: 2026 }, totals);
  const enforcer = new Enforcer({ fields, budget, subjectField: 'id', sensitive: false, memory: options.memory ?? new SubjectMemory(keys), exporterId: 'bj-hospital', year: 2026, agreementId, usage, lock: new KeyedLock(), batchSize: 2 });
  const out = new Collect();
  const parser = codec.parser();
  parser.on('error', (e: Error) => enforcer.stop({ code: 'GATEWAY_BACKEND_INVALID', message: e.message }));
  Readable.from(typeof body === 'string' ? [Buffer.from(body)] : body).pipe(parser).pipe(enforcer);
  await pipeline(enforcer, codec.serializer(), out);
  return { text: out.text, stats: enforcer.stats };
}

describe('record codecs with obligations and limits', () => {
  const usage = () => openSqliteStores(':memory:');

  it.each(['ndjson', 'json', 'csv'] as const)('%s: drops, pseudonymises and keeps every other field and record', async (format) => {
    const { text, stats } = await run(format, encode[format](rows), [{ type: 'drop_fields', fields: ['name'] }, { type: 'pseudonymise_fields', fields: ['id'] }], usage());
    expect(stats).toMatchObject({ records: 6, newSubjects: 6, stopped: null });
    expect(text).not.toContain('Name');
    expect(text).not.toMatch(/S-\d/);
    expect(text.match(/ps_[\w-]{22}/g)).toHaveLength(6);
    for (const score of ['0', '10', '50']) expect(text).toContain(score);
  });

  it.each(['ndjson', 'json', 'csv'] as const)('%s: stops at the last allowed record and ends with an error marker', async (format) => {
    const { text, stats } = await run(format, encode[format](rows), [{ type: 'max_subjects', subjects: 3, sensitive_subjects: 3 }], usage());
    expect(stats.records).toBe(3);
    expect(stats.stopped?.code).toBe('GATEWAY_THRESHOLD_REACHED');
    expect(text).toContain('S-2');
    expect(text).not.toContain('S-3');
    expect(text).toContain('GATEWAY_THRESHOLD_REACHED');
    if (format === 'json') expect((JSON.parse(text) as Array<Record<string, unknown>>).at(-1)).toMatchObject({ 'kouan:error': { code: 'GATEWAY_THRESHOLD_REACHED' } });
    if (format === 'csv') expect(text.trim().split('\n').at(-1)).toMatch(/^# kouan:error GATEWAY_THRESHOLD_REACHED: /);
  });

  it.each(['ndjson', 'json', 'csv'] as const)('%s: a backend that sends something unreadable ends the stream with a marker, not a crash', async (format) => {
    const broken = { ndjson: '{"id":"S-0"}\n{"id": oops}\n', json: '[{"id":"S-0"},{"id":', csv: 'id,name\n"S-0,unterminated\n' }[format];
    const { text, stats } = await run(format, broken, [], usage());
    expect(stats.stopped?.code).toBe('GATEWAY_BACKEND_INVALID');
    expect(text).toContain('GATEWAY_BACKEND_INVALID');
  });

  it('ndjson: a chunk that ends inside a multi-byte character loses nothing', async () => {
    const bytes = Buffer.from(`${JSON.stringify({ id: 'S-0', name: '张伟' })}\n${JSON.stringify({ id: 'S-1', name: 'Müller' })}\n`);
    const cut = bytes.indexOf(Buffer.from('张')) + 1; // inside the first character's three bytes
    const { text, stats } = await run('ndjson', [bytes.subarray(0, cut), bytes.subarray(cut)], [], usage());
    expect(stats.records).toBe(2);
    expect(text).toBe(bytes.toString('utf8'));
  });

  it('counts each subject once per exporter and year, also when the process already remembers writing it', async () => {
    const store = usage();
    const memory = new SubjectMemory(keys);
    const body = encode.ndjson(rows);
    expect((await run('ndjson', body, [], store, { memory })).stats).toMatchObject({ records: 6, newSubjects: 6 });
    // Same agreement, same process: nothing new, and the store agrees.
    expect((await run('ndjson', body, [], store, { memory })).stats).toMatchObject({ records: 6, newSubjects: 0 });
    // Another agreement: the persons are not new to the exporter's year, but they are linked to that agreement too.
    expect((await run('ndjson', body, [], store, { memory, agreementId: 'agreement-2' })).stats).toMatchObject({ records: 6, newSubjects: 0 });
    // A new process (empty memory) on the same database reaches the same counts.
    expect((await run('ndjson', body, [], store, { memory: new SubjectMemory(keys), agreementId: 'agreement-2' })).stats).toMatchObject({ records: 6, newSubjects: 0 });
    expect(await store.usage.cumulative('bj-hospital', 2026)).toEqual({ subjects: 6, sensitiveSubjects: 0 });
    expect((await store.usage.agreementUsage('agreement-2')).subjects).toBe(6);
  });
});

describe('the consumer finds the gateway\'s in-band stop', () => {
  const serialize = async (format: Format, stop: boolean) => {
    const out = new Collect();
    const rows = [{ id: 'S-0', note: 'a "quoted", comma\nand newline' }, { id: 'S-1', note: '{"kouan:error":1}' }];
    const chunks: unknown[] = [rows];
    if (stop) chunks.push(new StopSignal({ code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records, "really"' }));
    await pipeline(Readable.from(chunks, { objectMode: true }), codecs[format].serializer(), out);
    return out.text;
  };

  it.each(['ndjson', 'json', 'csv'] as const)('%s: the marker the serializer writes, and none in a stream that ended normally', async (format) => {
    expect(stopMarkerOf(await serialize(format, true))).toEqual({ code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records, "really"' });
    expect(stopMarkerOf(await serialize(format, false))).toBeNull();
  });
});
