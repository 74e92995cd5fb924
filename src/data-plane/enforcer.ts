/**
 * The record-by-record guard between the backend and the consumer: applies the field obligations, counts
 * distinct data subjects (keyed hashes, per exporter and calendar year), and stops at the last record the
 * budgets allow, with a StopSignal the serializer turns into the stream's error marker.
 *
 * Records are handled in batches (one look-up, one reservation per capped budget and one insert per batch) with
 * backpressure preserved. For each batch, before any of its records is pushed: the records budget is reserved;
 * the persons new to the exporter's year, to its sensitive count and to the agreement are reserved from their
 * budgets; the batch is cut before the first record a budget did not grant; units granted beyond the cut are
 * given back; the subjects of the records that go are written. Only then are those records pushed. A crash at
 * any point leaves the reservations taken (conservative: nothing is handed out twice).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { KeyedLock } from '../core/keyed-lock.ts';
import type { UsageStore } from '../storage/ports.ts';
import { SPENT, type BudgetKind, type StreamBudget } from './budget.ts';
import { StopSignal, type RecordBatch, type StopMarker } from './codecs.ts';
import { applyFieldRules, type DataRecord, type FieldRules, type Pseudonyms } from './obligations.ts';
import { parseField, valueAt, type FieldPath } from './pointers.ts';
import { SubjectMemory } from './subject-memory.ts';

export interface EnforcerOptions {
  fields: FieldRules;
  budget: StreamBudget;
  /** The record field identifying a data subject, a key or a JSON Pointer (null: the records carry no PI to count). */
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

/** The subject budgets, in the order a batch is cut by them. */
const SUBJECT_BUDGETS = ['subjects', 'sensitiveSubjects', 'agreementSubjects'] as const;

/**
 * The text a subject id is counted by, or null when the record's person cannot be counted: no id (the field
 * missing, null or empty, as a projection or a filter the consumer chose may make it), or a number beyond
 * 2^53, which JSON.parse has already rounded so that distinct persons (18-digit identity numbers) would merge.
 * Such a record would otherwise leave without its person reserved from any budget. Numbers and their strings
 * count as one person (`1` and `"1"`), as do equal objects written with their keys in the same order.
 */
export function subjectId(id: unknown): string | null {
  if (id === undefined || id === null || id === '') return null;
  if (typeof id === 'number') return Number.isFinite(id) && Math.abs(id) <= Number.MAX_SAFE_INTEGER ? String(id) : null;
  return typeof id === 'object' ? JSON.stringify(id) : String(id);
}

/**
 * The deepest a record may nest arrays and objects. Parsing is iterative, but serialising a record
 * (JSON.stringify) recurses: a record nested 200,000 deep threw mid-stream, the consumer got a 500 and the
 * usage record counted the batch as sent. Datasets need a few levels; the check is iterative.
 */
export const MAX_RECORD_DEPTH = 128;

function deeperThan(record: object, limit: number): boolean {
  const stack: Array<{ value: object; depth: number }> = [{ value: record, depth: 1 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > limit) return true;
    for (const key in value) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

export class Enforcer extends Transform {
  readonly stats: EnforcerStats = { records: 0, newSubjects: 0, newSensitive: 0, stopped: null };
  readonly #o: EnforcerOptions;
  readonly #batch: DataRecord[] = [];
  readonly #size: number;
  readonly #subject: FieldPath | null;
  readonly #pseudonyms: Pseudonyms;
  readonly #scope: string;
  /** Called once when the enforcer stops early, so the caller can stop reading the backend. */
  onStop: (marker: StopMarker) => void = () => undefined;

  constructor(options: EnforcerOptions) {
    super({ objectMode: true, highWaterMark: 2 }); // batches of records: a few hundred records each
    this.#o = options;
    this.#size = options.batchSize ?? 256;
    this.#subject = options.subjectField ? parseField(options.subjectField) : null;
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

  /** Ends the output early with a marker (a budget is spent, the backend failed, the grant no longer holds). */
  stop(marker: StopMarker): void {
    if (this.stats.stopped) return;
    this.stats.stopped = marker;
    this.#batch.length = 0;
    this.push(new StopSignal(marker));
    this.push(null);
    this.onStop(marker);
  }

  /** Whether nothing more may leave: stopped with a marker, or destroyed (the consumer hung up). */
  get #gone(): boolean {
    return this.stats.stopped !== null || this.destroyed;
  }

  async #drain(): Promise<void> {
    if (this.#gone || this.#batch.length === 0) return;
    let records = this.#batch.splice(0, this.#batch.length);
    // A record nested too deep to serialise, or whose person cannot be counted (subjectId above), ends the
    // stream before it: what goes before it is reserved and counted as usual.
    let invalid: StopMarker | null = null;
    for (let at = 0; at < records.length; at++) {
      const record = records[at]!;
      const fault = deeperThan(record, MAX_RECORD_DEPTH) ? `nests arrays and objects deeper than ${MAX_RECORD_DEPTH} levels`
        : this.#subject && subjectId(valueAt(record, this.#subject)) === null ? `has no subject id that can be counted at ${this.#o.subjectField!}` : null;
      if (fault) {
        invalid = { code: 'GATEWAY_BACKEND_INVALID', message: `record ${this.stats.records + at + 1} ${fault}` };
        records = records.slice(0, at);
        break;
      }
    }
    const { budget } = this.#o;
    let cut = await budget.take('records', records.length);
    // Gone meanwhile (stopped in band, or destroyed when the consumer hung up: push() is then a no-op): nothing
    // of this batch leaves, so its records go back and neither its records nor its persons are counted.
    if (this.#gone) return budget.giveBack('records', cut);
    let spent: BudgetKind | null = cut < records.length ? 'records' : null;
    if (this.#subject && cut > 0) {
      // Subjects of one exporter-year are reserved and written one batch at a time in this process, so two of its
      // streams never both reserve the same new person; other processes only ever make a reservation too large.
      const counted = await this.#o.lock.run(`${this.#o.exporterId}:${this.#o.year}`, () => this.#countSubjects(records, cut));
      if (counted.cut < cut) spent = counted.spent;
      await budget.giveBack('records', cut - counted.cut);
      cut = counted.cut;
    }
    // Stopped meanwhile (the grant ended, the consumer left): the records reserved are not sent, nor counted.
    if (this.#gone) return budget.giveBack('records', cut);
    if (cut > 0) {
      this.stats.records += cut;
      this.push(records.slice(0, cut).map((record) => applyFieldRules(record, this.#o.fields, this.#pseudonyms)));
      await this.#o.usage.addRecords(this.#o.agreementId, cut);
    }
    if (spent) this.stop(SPENT[spent]);
    else if (invalid) this.stop(invalid);
  }

  /**
   * Reserves the persons the first `limit` records bring to each subject budget and writes their subjects;
   * returns how many records may go and, if fewer than `limit`, which budget cut them.
   */
  async #countSubjects(records: DataRecord[], limit: number): Promise<{ cut: number; spent: BudgetKind | null }> {
    const { memory, usage, budget, exporterId, year, agreementId, sensitive } = this.#o;
    // Every record here has a countable subject id (#drain cut the batch before the first that has none).
    const hashes = records.slice(0, limit).map((r) => memory.hash(subjectId(valueAt(r, this.#subject!))!));
    // Subjects this process already wrote under this scope are known to the exporter, its sensitive count and
    // the agreement; the stores are asked about the rest.
    const unwritten = [...new Set(hashes.filter((h) => !memory.written(this.#scope, h)))];
    const [found, linked] = unwritten.length === 0
      ? [{ known: new Set<string>(), knownSensitive: new Set<string>() }, new Set<string>()]
      : await Promise.all([
        usage.knownSubjects(exporterId, year, unwritten),
        budget.capped('agreementSubjects') ? usage.linkedSubjects(agreementId, unwritten) : Promise.resolve(new Set<string>(unwritten)),
      ]);
    const unwrittenSet = new Set(unwritten);
    const isNew: Record<(typeof SUBJECT_BUDGETS)[number], (h: string) => boolean> = {
      subjects: (h) => !found.known.has(h),
      sensitiveSubjects: (h) => sensitive && !found.knownSensitive.has(h),
      agreementSubjects: (h) => !linked.has(h),
    };
    // Where each budget's new persons first appear, in record order.
    const firsts = Object.fromEntries(SUBJECT_BUDGETS.map((kind) => {
      const seen = new Set<string>();
      const at: number[] = [];
      hashes.forEach((h, i) => {
        if (unwrittenSet.has(h) && !seen.has(h) && isNew[kind](h)) {
          seen.add(h);
          at.push(i);
        }
      });
      return [kind, at];
    })) as Record<(typeof SUBJECT_BUDGETS)[number], number[]>;
    let cut = limit;
    let spent: BudgetKind | null = null;
    const granted: Partial<Record<BudgetKind, number>> = {};
    for (const kind of SUBJECT_BUDGETS) {
      const wanted = firsts[kind].filter((i) => i < cut).length;
      const got = (granted[kind] = await budget.take(kind, wanted));
      if (got < wanted) {
        cut = firsts[kind][got]!;
        spent = kind;
      }
    }
    // Units granted for persons beyond the cut go back at once; the rest once the write says what was new.
    const used = (kind: BudgetKind) => firsts[kind as (typeof SUBJECT_BUDGETS)[number]].filter((i) => i < cut).length;
    if (this.#gone) {
      // Gone while reserving: no record of the batch will leave, so no person is written and every unit goes back.
      await Promise.all(SUBJECT_BUDGETS.map((kind) => budget.giveBack(kind, granted[kind] ?? 0)));
      return { cut: 0, spent: null };
    }
    const going = [...new Set(hashes.slice(0, cut).filter((h) => unwrittenSet.has(h)))];
    const added = going.length > 0 ? await usage.addSubjects(exporterId, year, agreementId, going, sensitive) : { newSubjects: 0, newSensitive: 0 };
    memory.remember(this.#scope, going);
    this.stats.newSubjects += added.newSubjects;
    this.stats.newSensitive += added.newSensitive;
    await Promise.all([
      budget.giveBack('subjects', (granted.subjects ?? 0) - Math.min(used('subjects'), added.newSubjects)),
      budget.giveBack('sensitiveSubjects', (granted.sensitiveSubjects ?? 0) - Math.min(used('sensitiveSubjects'), added.newSensitive)),
      budget.giveBack('agreementSubjects', (granted.agreementSubjects ?? 0) - used('agreementSubjects')),
    ]);
    return { cut, spent };
  }
}
