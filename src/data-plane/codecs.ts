/**
 * Record formats in and out of the gateway, as streams with backpressure: NDJSON, a JSON array, CSV.
 * Each codec parses bytes into records and writes records back, and knows how to end a stream early with
 * an explicit error marker that a reader cannot mistake for data.
 *
 * Records travel in batches (a `DataRecord[]` per object-mode chunk: what one read of the backend held), so the
 * per-chunk cost of the streams, the digest and the socket writes is paid per batch, not per record.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type Duplex } from 'node:stream';
import { parse as csvParse } from 'csv-parse';
import { stringify as csvStringify } from 'csv-stringify';
import streamJson from 'stream-json';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import Chain from 'stream-chain';
import type { DataRecord } from './obligations.ts';

export type Format = 'ndjson' | 'json' | 'csv';

export interface StopMarker {
  code: string;
  message: string;
}

/** Pushed by the enforcer in place of a record: the serializer writes it as the stream's error marker. */
export class StopSignal {
  readonly marker: StopMarker;
  constructor(marker: StopMarker) {
    this.marker = marker;
  }
}

export type RecordBatch = DataRecord[];

export interface Codec {
  contentType: string;
  /** Bytes in, RecordBatch chunks out. */
  parser(): Duplex;
  /** RecordBatch (or StopSignal) chunks in, bytes out. */
  serializer(): Transform;
}

/**
 * The largest single record a backend may send, in any format: a record is held whole before it is parsed
 * (an NDJSON line, a CSV row, a JSON array element), so without a bound one endless record from a backend
 * would take the gateway's memory. The pass-through stage holds its lines to the same bound.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const tooLarge = (what: string) => new Error(`the backend sent ${what} longer than ${MAX_RECORD_BYTES} bytes`);

/** Splits NDJSON into parsed records, one batch per chunk read; a line that is not a JSON object fails the stream. */
function ndjsonParser(): Transform {
  // A chunk may end inside a multi-byte character: the decoder keeps the partial bytes for the next one.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  /** Pushes the records of whole lines; those before a bad line still go out before the stream fails. */
  const parse = (stream: Transform, lines: string[]): void => {
    const batch: RecordBatch = [];
    try {
      for (const text of lines) {
        line += 1;
        if (text.trim() === '') continue;
        const value = JSON.parse(text) as unknown;
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`line ${line} is not a JSON object`);
        batch.push(value as DataRecord);
      }
    } finally {
      if (batch.length > 0) stream.push(batch);
    }
  };
  return new Transform({
    readableObjectMode: true,
    readableHighWaterMark: 4,
    transform(chunk: Buffer, _enc, done) {
      try {
        const text = decoder.write(chunk);
        // A chunk without a newline only lengthens the held line (not split again: no quadratic rescans).
        const lines = text.includes('\n') ? (rest + text).split('\n') : null;
        rest = lines ? (lines.pop() ?? '') : rest + text;
        if (rest.length > MAX_RECORD_BYTES) throw tooLarge('a line');
        if (lines) parse(this, lines);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        parse(this, [rest + decoder.end()]);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/** Groups single records (from a parser that yields them one at a time) into batches of up to `size`. */
function batcher(size = 256): Transform {
  let batch: RecordBatch = [];
  return new Transform({
    objectMode: true,
    transform(record: DataRecord, _enc, done) {
      batch.push(record);
      if (batch.length >= size) {
        this.push(batch);
        batch = [];
      }
      done();
    },
    flush(done) {
      if (batch.length > 0) this.push(batch);
      done();
    },
  });
}

/** Writes record batches (and a StopSignal as the error marker) between an opening and a closing text, one string per batch. */
function lineSerializer(open: string, separator: string, close: string, render: (record: DataRecord) => string, marker: (m: StopMarker) => string): Transform {
  let first = true;
  return new Transform({
    writableObjectMode: true,
    transform(batch: RecordBatch | StopSignal, _enc, done) {
      let text = '';
      for (const item of batch instanceof StopSignal ? [batch] : batch) {
        text += `${first ? open : separator}${item instanceof StopSignal ? marker(item.marker) : render(item)}`;
        first = false;
      }
      done(null, text.length > 0 ? Buffer.from(text, 'utf8') : undefined);
    },
    flush(done) {
      this.push(first ? `${open}${close}` : close);
      done();
    },
  });
}

export const errorObject = (m: StopMarker) => JSON.stringify({ 'kouan:error': { code: m.code, message: m.message } });

export const codecs: Record<Format, Codec> = {
  ndjson: {
    contentType: 'application/x-ndjson',
    parser: ndjsonParser,
    serializer: () => lineSerializer('', '\n', '\n', (r) => JSON.stringify(r), errorObject),
  },
  json: {
    contentType: 'application/json',
    // Each element must be a JSON object, as an NDJSON line must: a string would otherwise go out as a record of
    // its characters, a nested array as one record keyed "0", "1", … whose fields no rule names (stream-chain
    // also spreads an array a step returns, and drops a null), so anything else fails the stream.
    // The bytes read since the last element are bounded (MAX_RECORD_BYTES): the array's elements are assembled whole.
    parser: () => {
      let since = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          since += chunk.length;
          done(since > MAX_RECORD_BYTES ? tooLarge('an array element') : null, chunk);
        },
      });
      return Chain.chain([meter, streamJson.parser(), StreamArray.streamArray(), (item: { key: number; value: unknown }) => {
        since = 0;
        if (!item.value || typeof item.value !== 'object' || Array.isArray(item.value)) throw new Error(`array element ${item.key} is not a JSON object`);
        return item.value;
      }, batcher()]) as unknown as Duplex;
    },
    serializer: () => lineSerializer('[', ',', ']', (r) => JSON.stringify(r), errorObject),
  },
  csv: {
    contentType: 'text/csv',
    // A UTF-8 byte-order mark (spreadsheet exports) is stripped: kept, it would rename the first column
    // ("\uFEFFpatient_id") out of reach of the field rules and the subject count.
    parser: () => Chain.chain([csvParse({ bom: true, columns: true, skip_empty_lines: true, max_record_size: MAX_RECORD_BYTES }), batcher()]) as unknown as Duplex,
    serializer: () => {
      // A CSV row cannot carry the marker, so it follows the data as a comment line.
      const stringifier = csvStringify({ header: true });
      let stop: StopMarker | null = null;
      const front = new Transform({
        writableObjectMode: true,
        readableObjectMode: true,
        transform(batch: RecordBatch | StopSignal, _enc, done) {
          if (batch instanceof StopSignal) stop = batch.marker;
          else for (const record of batch) this.push(record);
          done();
        },
      });
      const tail = new Transform({
        transform: (chunk, _enc, done) => done(null, chunk),
        flush(done) {
          if (stop) this.push(`# kouan:error ${stop.code}: ${stop.message.replace(/[\r\n]+/g, ' ')}\n`);
          done();
        },
      });
      return Chain.chain([front, stringifier, tail]) as unknown as Transform;
    },
  },
};
