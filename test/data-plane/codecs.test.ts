import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/core/keyed-lock.ts';
import { codecs, type Format } from '../../src/data-plane/codecs.ts';
import { Enforcer } from '../../src/data-plane/enforcer.ts';
import { RecordKeys, rulesFrom } from '../../src/data-plane/obligations.ts';
import type { UsageStore } from '../../src/storage/ports.ts';
import { openSqliteStores } from '../../src/storage/sqlite/index.ts';
import { Collect } from '../support/collect.ts';

const rows = Array.from({ length: 6 }, (_, i) => ({ id: `S-${i}`, name: `Name, "${i}"`, score: String(i * 10) }));
const encode: Record<Format, (r: typeof rows) => string> = {
  ndjson: (r) => r.map((x) => JSON.stringify(x)).join('\n') + '\n',
  json: (r) => JSON.stringify(r),
  csv: (r) => ['id,name,score', ...r.map((x) => `${x.id},"${x.name.replace(/"/g, '""')}",${x.score}`)].join('\n') + '\n',
};

/** Runs bytes through parser → enforcer → serializer, as the gateway does, with real SQLite counting. */
async function run(format: Format, body: string, obligations: Array<Record<string, unknown>>, usage: UsageStore) {
  const codec = codecs[format];
  const { fields, limits } = rulesFrom(obligations as never);
  const keys = new RecordKeys(Buffer.alloc(32, 7));
  const enforcer = new Enforcer({ fields, limits, subjectField: 'id', sensitive: false, keys, pseudonymKey: keys.pseudonymKey('agreement-1'), exporterId: 'bj-hospital', year: 2026, agreementId: 'agreement-1', usage, lock: new KeyedLock(), batchSize: 2 });
  const out = new Collect();
  const parser = codec.parser();
  parser.on('error', (e: Error) => enforcer.stop({ code: 'GATEWAY_BACKEND_INVALID', message: e.message }));
  Readable.from([Buffer.from(body)]).pipe(parser).pipe(enforcer);
  await pipeline(enforcer, codec.serializer(), out);
  return { text: out.text, stats: enforcer.stats };
}

describe('record codecs with obligations and limits', () => {
  const usage = () => openSqliteStores(':memory:').usage;

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
});
