/**
 * The record-by-record guard between the backend and the consumer: applies the field obligations, counts
 * distinct data subjects (keyed hashes, per exporter and calendar year), and stops at the last record the
 * decision allows, with a StopSignal the serializer turns into the stream's error marker. Records are
 * handled in batches (one look-up and one insert per batch) with backpressure preserved.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { KeyedLock } from '../core/keyed-lock.ts';
import type { UsageStore } from '../storage/ports.ts';
import { StopSignal, type RecordBatch, type StopMarker } from './codecs.ts';
import { applyFieldRules, type DataRecord, type FieldRules, type Limits, type Pseudonyms } from './obligations.ts';
import { SubjectMemory } from './subject-memory.ts';

export interface EnforcerOptions {
  fields: FieldRules;
  limits: Limits;
  /** The record field identifying a data subject (null: the records carry no PI to count). */
  subjectField: string | null;
  /** Whether the records carry sensitive PI of their subjects. */
  sensitive: boolean;
  /** The process's memory of subject hashes and of the subject rows already written. */
  memory: SubjectMemory;
  exporterId: string;
  year: number;
  agreementId: string;
  usage: UsageStore;
  lock: KeyedLock;
  batchSize?: number;
}

export interface EnforcerStats {
  records: number;
  newSubjects: number;
  newSensitive: number;
  stopped: StopMarker | null;
}

export class Enforcer extends Transform {
  readonly stats: EnforcerStats = { records: 0, newSubjects: 0, newSensitive: 0, stopped: null };
  readonly #o: EnforcerOptions;
  readonly #batch: DataRecord[] = [];
  readonly #size: number;
  #remaining: Limits;
  readonly #pseudonyms: Pseudonyms;
  readonly #scope: string;
  /** Called once when the enforcer stops early, so the caller can stop reading the backend. */
  onStop: (marker: StopMarker) => void = () => undefined;

  constructor(options: EnforcerOptions) {
    super({ objectMode: true, highWaterMark: 2 }); // batches of records: a few hundred records each
    this.#o = options;
    this.#size = options.batchSize ?? 256;
    this.#remaining = { ...options.limits };
    this.#pseudonyms = options.memory.pseudonymsFor(options.agreementId);
    this.#scope = SubjectMemory.scope(options.exporterId, options.year, options.agreementId, options.sensitive);
  }

  override _transform(records: RecordBatch, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.stats.stopped) return done();
    for (const record of records) this.#batch.push(record);
    if (this.#batch.length < this.#size) return done();
    this.#drain().then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.#drain().then(() => done(), done);
  }

  /** Ends the output early with a marker (also used for a backend that sends something unreadable). */
  stop(marker: StopMarker): void {
    if (this.stats.stopped) return;
    this.stats.stopped = marker;
    this.#batch.length = 0;
    this.push(new StopSignal(marker));
    this.push(null);
    this.onStop(marker);
  }

  async #drain(): Promise<void> {
    if (this.stats.stopped || this.#batch.length === 0) return;
    const records = this.#batch.splice(0, this.#batch.length);
    const { subjectField, memory } = this.#o;
    const work = async () => {
      const hashes = records.map((r) => (!subjectField || r[subjectField] === undefined || r[subjectField] === null ? null : memory.hash(String(r[subjectField]))));
      // Subjects this process already wrote under this scope are known (and sensitive when the scope is); the store is asked about the rest.
      const unwritten = new Set(hashes.filter((h): h is string => h !== null && !memory.written(this.#scope, h)));
      const found = unwritten.size > 0 ? await this.#o.usage.knownSubjects(this.#o.exporterId, this.#o.year, [...unwritten]) : null;
      const known = (h: string) => !unwritten.has(h) || found!.known.has(h);
      const knownSensitive = (h: string) => !unwritten.has(h) || found!.knownSensitive.has(h);
      const fresh = new Set<string>();
      const freshSensitive = new Set<string>();
      const forwarded: DataRecord[] = [];
      const forwardedHashes: string[] = [];
      let refusal: StopMarker | null = null;
      for (let i = 0; i < records.length && !refusal; i++) {
        const h = hashes[i] ?? null;
        const isNew = h !== null && !known(h) && !fresh.has(h);
        const isNewSensitive = h !== null && this.#o.sensitive && !knownSensitive(h) && !freshSensitive.has(h);
        refusal = this.#refusal(forwarded.length, isNew, isNewSensitive);
        if (refusal) break;
        if (isNew) fresh.add(h);
        if (isNewSensitive) freshSensitive.add(h);
        if (h !== null && unwritten.has(h)) forwardedHashes.push(h);
        forwarded.push(records[i]!);
      }
      if (forwarded.length > 0) this.push(forwarded.map((record) => applyFieldRules(record, this.#o.fields, this.#pseudonyms)));
      await this.#record(forwardedHashes, forwarded.length);
      if (refusal) this.stop(refusal);
    };
    // Subject look-up and insert for one exporter-year run one batch at a time, so two streams cannot both spend the last place.
    if (subjectField) await this.#o.lock.run(`${this.#o.exporterId}:${this.#o.year}`, work);
    else await work();
  }

  /** Why the next record may not go, or null. */
  #refusal(pendingInBatch: number, isNew: boolean, isNewSensitive: boolean): StopMarker | null {
    const r = this.#remaining;
    if (this.stats.records + pendingInBatch >= r.records) return { code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records' };
    if (isNew && r.subjects <= 0) return { code: 'GATEWAY_THRESHOLD_REACHED', message: 'the next record would take the exporter past the persons its export path allows this year' };
    if (isNewSensitive && r.sensitiveSubjects <= 0) return { code: 'GATEWAY_THRESHOLD_REACHED', message: 'the next record would take the exporter past the sensitive persons its export path allows this year' };
    if (isNew) r.subjects -= 1;
    if (isNewSensitive) r.sensitiveSubjects -= 1;
    return null;
  }

  /** Writes the batch's records and the subjects not yet written under this scope, then remembers them. */
  async #record(hashes: string[], count: number): Promise<void> {
    if (count === 0) return;
    this.stats.records += count;
    if (hashes.length > 0) {
      const added = await this.#o.usage.addSubjects(this.#o.exporterId, this.#o.year, this.#o.agreementId, hashes, this.#o.sensitive);
      this.#o.memory.remember(this.#scope, hashes);
      this.stats.newSubjects += added.newSubjects;
      this.stats.newSensitive += added.newSensitive;
    }
    await this.#o.usage.addRecords(this.#o.agreementId, count);
  }
}
