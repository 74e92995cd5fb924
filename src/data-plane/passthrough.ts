/**
 * The gateway's stream stage for an NDJSON dataset whose decision changes no field and whose asset names no
 * subject field (nothing to drop, mask, pseudonymise or count per person): the backend's bytes go out as they
 * are, cut only at line boundaries. Every non-blank line is parsed before it goes, and must be a JSON object:
 * records are counted from parsed records, never from byte patterns, and a line that is not a record stops the
 * stream with GATEWAY_BACKEND_INVALID as on the record path. The records of each chunk are reserved from the
 * agreement's records budget before they leave; the stream stops after the last granted record with the
 * NDJSON error marker, like the record enforcer's.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { errorObject, MAX_RECORD_BYTES, type StopMarker } from './codecs.ts';
import type { EnforcerStats } from './enforcer.ts';

const NEWLINE = 0x0a;
/** A line longer than this is no record a dataset backend should send: the stream stops rather than hold it. */
export const MAX_LINE_BYTES = MAX_RECORD_BYTES;

/** A line of nothing but spaces, tabs and carriage returns is no record (as the record path's NDJSON parser skips it). */
function blank(data: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = data[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

/** Whether the bytes are one JSON object (the only thing an NDJSON record may be). */
function isRecord(data: Buffer, start: number, end: number): boolean {
  try {
    const value = JSON.parse(data.toString('utf8', start, end)) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

export interface PassThroughOptions {
  /** Reserves up to `want` records before they leave; resolves to how many were granted. */
  take: (want: number) => Promise<number>;
  /** Adds forwarded records to the agreement's usage. */
  count: (records: number) => Promise<void>;
  /** Sees every buffer that goes out (the usage record's byte count and digest). */
  observe: (bytes: Buffer) => void;
}

export class NdjsonPassThrough extends Transform {
  readonly stats: EnforcerStats = { records: 0, newSubjects: 0, newSensitive: 0, stopped: null };
  readonly #o: PassThroughOptions;
  /**
   * The bytes after the last newline, held until their line is complete: as the pieces that came, joined only
   * when a newline arrives, so a long line costs its length once (joining and rescanning the held bytes on
   * every chunk made one 15 MiB line in 16 KiB chunks cost ~20 s of CPU).
   */
  #held: Buffer[] = [];
  #heldBytes = 0;
  onStop: (marker: StopMarker) => void = () => undefined;

  constructor(options: PassThroughOptions) {
    super();
    this.#o = options;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.stats.stopped) return done();
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      // The whole chunk belongs to the held line.
      this.#hold(chunk);
      if (this.#heldBytes > MAX_LINE_BYTES) this.#tooLong();
      return done();
    }
    const data = this.#held.length > 0 ? Buffer.concat([...this.#held, chunk]) : chunk;
    const end = data.length - chunk.length + last + 1;
    this.#held = [];
    this.#heldBytes = 0;
    // Only the partial line is copied (the chunk itself is not kept for it).
    this.#hold(Buffer.from(chunk.subarray(last + 1)));
    if (this.#heldBytes > MAX_LINE_BYTES) {
      this.#tooLong();
      return done();
    }
    this.#lines(data, end).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    const held = Buffer.concat(this.#held);
    this.#held = [];
    this.#heldBytes = 0;
    if (this.stats.stopped || blank(held, 0, held.length)) return done();
    this.#lines(Buffer.concat([held, Buffer.from('\n')]), held.length + 1).then(() => done(), done);
  }

  /** Ends the output with a marker after what went so far (also used when the backend fails mid-stream). */
  stop(marker: StopMarker): void {
    if (this.stats.stopped) return;
    this.stats.stopped = marker;
    this.#held = [];
    this.#heldBytes = 0;
    this.#out(Buffer.from(`${errorObject(marker)}\n`));
    this.push(null);
    this.onStop(marker);
  }

  /** Forwards the whole lines in `data` up to `end` (just after a newline): as many records as are granted. */
  async #lines(data: Buffer, end: number): Promise<void> {
    /** Where each record's line ends (just after its newline), up to the first line that is not a record. */
    const ends: number[] = [];
    let invalid = false;
    for (let start = 0, newline = data.indexOf(NEWLINE); newline !== -1 && newline < end; start = newline + 1, newline = data.indexOf(NEWLINE, start)) {
      if (blank(data, start, newline)) continue;
      if (!isRecord(data, start, newline)) {
        invalid = true;
        break;
      }
      ends.push(newline + 1);
    }
    const granted = ends.length === 0 ? 0 : await this.#o.take(ends.length);
    // Stopped, or destroyed because the consumer hung up (its usage record is already written, the digest
    // final): nothing of this chunk leaves, so nothing is observed or counted (the reservation is kept).
    if (this.stats.stopped || this.destroyed) return;
    // Blank lines after the last record that goes still belong to what goes when nothing stops the stream.
    const upTo = granted === ends.length && !invalid ? end : granted === 0 ? 0 : ends[granted - 1]!;
    if (upTo > 0) this.#out(data.subarray(0, upTo));
    if (granted > 0) {
      this.stats.records += granted;
      await this.#o.count(granted);
    }
    if (granted < ends.length) this.stop({ code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records' });
    else if (invalid) this.stop({ code: 'GATEWAY_BACKEND_INVALID', message: `the backend sent a line that is not a JSON object after record ${this.stats.records}` });
  }

  #hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#held.push(bytes);
    this.#heldBytes += bytes.length;
  }

  #tooLong(): void {
    this.stop({ code: 'GATEWAY_BACKEND_INVALID', message: `the backend sent a line longer than ${MAX_LINE_BYTES} bytes` });
  }

  #out(bytes: Buffer): void {
    this.#o.observe(bytes);
    this.push(bytes);
  }
}
