/**
 * Record formats in and out of the gateway, as streams with backpressure: NDJSON, a JSON array, CSV.
 * Each codec parses bytes into records and writes records back, and knows how to end a stream early with
 * an explicit error marker that a reader cannot mistake for data.
 */
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

export interface Codec {
  contentType: string;
  parser(): Duplex;
  serializer(): Transform;
}

/** Splits NDJSON into parsed records; a line that is not a JSON object fails the stream. */
function ndjsonParser(): Transform {
  let rest = '';
  let line = 0;
  const emit = (stream: Transform, text: string) => {
    line += 1;
    if (text.trim() === '') return;
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`line ${line} is not a JSON object`);
    stream.push(value);
  };
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      try {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const text of lines) emit(this, text);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        emit(this, rest);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/** Writes records (and a StopSignal as the error marker) between an opening and a closing text. */
function lineSerializer(open: string, separator: string, close: string, render: (record: DataRecord) => string, marker: (m: StopMarker) => string): Transform {
  let first = true;
  return new Transform({
    writableObjectMode: true,
    transform(record: DataRecord | StopSignal, _enc, done) {
      const text = record instanceof StopSignal ? marker(record.marker) : render(record);
      this.push(`${first ? open : separator}${text}`);
      first = false;
      done();
    },
    flush(done) {
      this.push(first ? `${open}${close}` : close);
      done();
    },
  });
}

const errorObject = (m: StopMarker) => JSON.stringify({ 'kouan:error': { code: m.code, message: m.message } });

export const codecs: Record<Format, Codec> = {
  ndjson: {
    contentType: 'application/x-ndjson',
    parser: ndjsonParser,
    serializer: () => lineSerializer('', '\n', '\n', (r) => JSON.stringify(r), errorObject),
  },
  json: {
    contentType: 'application/json',
    parser: () => Chain.chain([streamJson.parser(), StreamArray.streamArray(), (item: { value: unknown }) => item.value]) as unknown as Duplex,
    serializer: () => lineSerializer('[', ',', ']', (r) => JSON.stringify(r), errorObject),
  },
  csv: {
    contentType: 'text/csv',
    parser: () => csvParse({ columns: true, skip_empty_lines: true }),
    serializer: () => {
      // A CSV row cannot carry the marker, so it follows the data as a comment line.
      const stringifier = csvStringify({ header: true });
      let stop: StopMarker | null = null;
      const front = new Transform({
        writableObjectMode: true,
        readableObjectMode: true,
        transform(record: DataRecord | StopSignal, _enc, done) {
          if (record instanceof StopSignal) stop = record.marker;
          else this.push(record);
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
