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
  /** The bytes after the last newline (in the pieces they came in), held until their line is complete. */
  #held: Buffer[] = [];
  /** Records forwarded and not yet added to the agreement's usage. */
  #unpersisted = 0;
  onStop: (marker: StopMarker) => void = () => undefined;

  constructor(options: PassThroughOptions) {
    super();
    this.#o = options;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.stats.stopped) return done();
    let start = 0;
    if (this.#held.length > 0) {
      // The held line goes on in this chunk: it ends at the chunk's first newline, or not yet.
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) {
        if (chunk.length > 0) this.#held.push(Buffer.from(chunk));
        return done();
      }
      if (!this.#heldIsBlank(end) && !this.#counted()) return this.#cut(chunk, 0, done);
      for (const part of this.#held) this.#out(part);
      this.#held = [];
      start = end + 1;
    }
    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      if (!blank(chunk, start, newline) && !this.#counted()) return this.#cut(chunk, start, done);
      start = newline + 1;
    }
    // Only the partial line is copied (the chunk itself is not kept for it).
    if (start < chunk.length) this.#held = [Buffer.from(chunk.subarray(start))];
    if (start > 0) this.#out(chunk.subarray(0, start));
    // A finite limit is shared by every stream of the agreement: keep the stored count close behind.
    if (Number.isFinite(this.#o.maxRecords) && this.#unpersisted >= PERSIST_EVERY) return void this.#persist().then(() => done(), done);
    done();
  }

  override _flush(done: TransformCallback): void {
    const held = this.#held;
    this.#held = [];
    if (!this.stats.stopped && held.length > 0 && !blank(held[0]!, 0, held.reduce((n, part) => n + part.length, 0))) {
      if (!this.#counted()) return this.#cut(Buffer.alloc(0), 0, done);
      for (const part of held) this.#out(part);
      this.#out(Buffer.from('\n'));
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
    this.#held = [];
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

  /** One more record may go (and is counted), or the agreement's max_records is reached. */
  #counted(): boolean {
    if (this.stats.records >= this.#o.maxRecords) return false;
    this.stats.records += 1;
    this.#unpersisted += 1;
    return true;
  }

  /** Whether the held line, ending `end` bytes into the next chunk, is blank (held pieces are never empty). */
  #heldIsBlank(end: number): boolean {
    const first = this.#held[0]!;
    return end === 0 && this.#held.length === 1 && blank(first, 0, first.length);
  }

  /** Forwards `chunk` up to `end` (whole lines) and stops at max_records. */
  #cut(chunk: Buffer, end: number, done: TransformCallback): void {
    if (end > 0) this.#out(chunk.subarray(0, end));
    this.stop({ code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records' });
    this.#persist().then(() => done(), done);
  }
}
