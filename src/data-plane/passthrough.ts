/**
 * The gateway's stream stage for an NDJSON dataset whose decision changes no field and whose asset names no
 * subject field (nothing to drop, mask, pseudonymise or count per person): the backend's bytes go out as they
 * are, cut only at line boundaries. Records are counted as non-blank lines, so the usage record still says how
 * many went and max_records still holds: the stream stops after the last allowed line with the NDJSON error
 * marker, like the record enforcer's. The bytes are the provider's own dataset, forwarded without
 * re-serialisation; a line that is not JSON is forwarded as such (the record path would stop at it).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { errorObject, type StopMarker } from './codecs.ts';
import type { EnforcerStats } from './enforcer.ts';

const NEWLINE = 0x0a;

/** A line of nothing, or of a lone carriage return or space, is no record. */
const blank = (data: Buffer, start: number, end: number): boolean => end - start === 0 || (end - start === 1 && (data[start] === 0x0d || data[start] === 0x20));

export class NdjsonPassThrough extends Transform {
  readonly stats: EnforcerStats = { records: 0, newSubjects: 0, newSensitive: 0, stopped: null };
  readonly #maxRecords: number;
  readonly #count: (records: number) => Promise<void>;
  /** The bytes after the last newline, held until their line is complete. */
  #rest: Buffer | null = null;
  onStop: (marker: StopMarker) => void = () => undefined;

  /** `count` persists the records forwarded (the agreement's usage), once per chunk, before the next is read. */
  constructor(maxRecords: number, count: (records: number) => Promise<void>) {
    super();
    this.#maxRecords = maxRecords;
    this.#count = count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.stats.stopped) return done();
    const data = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    this.#rest = null;
    const before = this.stats.records;
    let start = 0;
    for (let newline = data.indexOf(NEWLINE, start); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
      if (!blank(data, start, newline)) {
        if (this.stats.records >= this.#maxRecords) return this.#cut(data, start, before, done);
        this.stats.records += 1;
      }
      start = newline + 1;
    }
    if (start < data.length) this.#rest = Buffer.from(data.subarray(start));
    if (start > 0) this.push(data.subarray(0, start));
    this.#counted(before, done);
  }

  override _flush(done: TransformCallback): void {
    const rest = this.#rest;
    this.#rest = null;
    if (this.stats.stopped || rest === null || blank(rest, 0, rest.length)) return done();
    if (this.stats.records >= this.#maxRecords) return this.#cut(rest, 0, this.stats.records, done);
    this.stats.records += 1;
    this.push(rest);
    this.push('\n');
    this.#counted(this.stats.records - 1, done);
  }

  /** Ends the output with a marker after what went so far (also used when the backend fails mid-stream). */
  stop(marker: StopMarker): void {
    if (this.stats.stopped) return;
    this.stats.stopped = marker;
    this.#rest = null;
    this.push(`${errorObject(marker)}\n`);
    this.push(null);
    this.onStop(marker);
  }

  #cut(data: Buffer, end: number, before: number, done: TransformCallback): void {
    if (end > 0) this.push(data.subarray(0, end));
    this.stop({ code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records' });
    this.#counted(before, done);
  }

  #counted(before: number, done: TransformCallback): void {
    const forwarded = this.stats.records - before;
    if (forwarded === 0) return done();
    this.#count(forwarded).then(() => done(), done);
  }
}
