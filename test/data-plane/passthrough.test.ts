import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { NdjsonPassThrough } from '../../src/data-plane/passthrough.ts';
import { Collect } from '../support/collect.ts';

// Lines of every kind the stage must tell apart: records, blank lines, a lone CR, a lone space, multi-byte text,
// and a last record without a final newline.
const body = Buffer.from('{"a":1}\n\n{"b":"张伟"}\r\n\r\n \n{"c":3}\n{"d":4}');
const RECORDS = 4;

async function run(chunkSize: number, maxRecords: number) {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += chunkSize) chunks.push(body.subarray(at, at + chunkSize));
  let observed = 0;
  let counted = 0;
  let left = maxRecords;
  const take = async (want: number) => {
    const granted = Math.min(want, left);
    left -= granted;
    return granted;
  };
  const stage = new NdjsonPassThrough({ take, count: async (n) => void (counted += n), observe: (b) => void (observed += b.length) });
  const out = new Collect();
  Readable.from(chunks).pipe(stage);
  await pipeline(stage, out);
  return { text: out.text, records: stage.stats.records, counted, observed, stopped: stage.stats.stopped?.code ?? null };
}

describe('the NDJSON pass-through stage', () => {
  it.each([1, 2, 3, 5, 7, 64])('forwards the bytes as they are and counts non-blank lines, in chunks of %i bytes', async (size) => {
    const r = await run(size, Infinity);
    expect(r.text).toBe(`${body.toString()}\n`); // the last record gets its newline
    expect({ records: r.records, counted: r.counted, stopped: r.stopped }).toEqual({ records: RECORDS, counted: RECORDS, stopped: null });
    expect(r.observed).toBe(Buffer.byteLength(r.text));
  });

  it.each([1, 2, 3, 5, 7, 64])('stops after the last allowed record with the marker, in chunks of %i bytes', async (size) => {
    const r = await run(size, 2);
    const lines = r.text.split('\n');
    expect(r.text.startsWith('{"a":1}\n\n{"b":"张伟"}\r\n')).toBe(true);
    expect(r.text).not.toContain('"c"');
    expect(JSON.parse(lines.at(-2)!)).toMatchObject({ 'kouan:error': { code: 'GATEWAY_MAX_RECORDS_REACHED' } });
    expect({ records: r.records, counted: r.counted, stopped: r.stopped }).toEqual({ records: 2, counted: 2, stopped: 'GATEWAY_MAX_RECORDS_REACHED' });
  });
});
