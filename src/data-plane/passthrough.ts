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
/** Under a finite max_records, the agreement's record count is written at least this often (as the enforcer's batches). */
const PERSIST_EVERY = 256;

/** A line of nothing, or of a lone carriage return or space, is no record. */
const blank = (data: Buffer, start: number, end: number): boolean => end - start === 0 || (end - start === 1 && (data[start] === 0x0d || data[start] === 0x20));

export interface PassThroughOptions {
  /** Records the stream may still forward (Infinity when the agreement sets no max_records). */
  maxRecords: number;
  /** Adds forwarded records to the agreement's usage. */
  count: (records: number) => Promise<void>;
  /** Sees every buffer that goes out (the usage record's byte count and digest). */
  observe: (bytes: Buffer) => void;
}

export class NdjsonPassThrough extends Transform {
  readonly stats: EnforcerStats = { records: 0, newSubjects: 0, newSensitive: 0, stopped: null };
  readonly #o: PassThroughOptions;
  /** The bytes after the last newline, held until their line is complete. */
  #rest: Buffer | null = null;
  /** Records forwarded and not yet added to the agreement's usage. */
  #unpersisted = 0;
  onStop: (marker: StopMarker) => void = () => undefined;

  constructor(options: PassThroughOptions) {
    super();
    this.#o = options;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.stats.stopped) return done();
    const data = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    this.#rest = null;
    let start = 0;
    for (let newline = data.indexOf(NEWLINE, start); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
      if (!blank(data, start, newline)) {
        if (this.stats.records >= this.#o.maxRecords) return this.#cut(data, start, done);
        this.stats.records += 1;
        this.#unpersisted += 1;
      }
      start = newline + 1;
    }
    if (start < data.length) this.#rest = Buffer.from(data.subarray(start));
    if (start > 0) this.#out(data.subarray(0, start));
    // A finite limit is shared by every stream of the agreement: keep the stored count close behind.
    if (Number.isFinite(this.#o.maxRecords) && this.#unpersisted >= PERSIST_EVERY) return void this.#persist().then(() => done(), done);
    done();
  }

  override _flush(done: TransformCallback): void {
    const rest = this.#rest;
    this.#rest = null;
    if (!this.stats.stopped && rest !== null && !blank(rest, 0, rest.length)) {
      if (this.stats.records >= this.#o.maxRecords) return this.#cut(rest, 0, done);
      this.stats.records += 1;
      this.#unpersisted += 1;
      this.#out(Buffer.concat([rest, Buffer.from('\n')]));
    }
    this.#persist().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // The consumer went away: what was forwarded still counts.
    this.#persist().then(() => done(error), () => done(error));
  }

  /** Ends the output with a marker after what went so far (also used when the backend fails mid-stream). */
  stop(marker: StopMarker): void {
    if (this.stats.stopped) return;
    this.stats.stopped = marker;
    this.#rest = null;
    this.#out(Buffer.from(`${errorObject(marker)}\n`));
    this.push(null);
    this.onStop(marker);
  }

  #out(bytes: Buffer): void {
    this.#o.observe(bytes);
    this.push(bytes);
  }

  #persist(): Promise<void> {
    const records = this.#unpersisted;
    this.#unpersisted = 0;
    return records === 0 ? Promise.resolve() : this.#o.count(records);
  }

  #cut(data: Buffer, end: number, done: TransformCallback): void {
    if (end > 0) this.#out(data.subarray(0, end));
    this.stop({ code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records' });
    this.#persist().then(() => done(), done);
  }
}
