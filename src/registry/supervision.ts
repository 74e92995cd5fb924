/**
 * Graded supervision from the ledger (docs/registry/supervision.md): each participant's credit grade now, and the
 * flows marked for spot checks. A flow's mark depends only on its entry hash, the grade in effect when the registry
 * appended it (computed from the entries before it, with the operator's grade and suspension histories) and the
 * published rates, so anyone with the ledger export recomputes the same sample. Like insights.ts, every call walks
 * the whole chain.
 */
import { createHash } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import type { FilingRecord } from '../records/schemas.ts';
import { grade, noInputs, rateOf, stricter, type Contribution, type CreditInputs, type CreditParameters, type Grade, type RefusalStage } from './credit.ts';
import { csvDocument } from '../http/csv.ts';
import { instant, isOverdue, noteFiling, standardContractDeadlines, type ScannedEntry } from './insights.ts';
import type { Participant } from './model.ts';
import { beijingDate } from './workdays.ts';

type Filing = Static<typeof FilingRecord>;

/** Appended to the entry hash before hashing; a new sampling scheme takes a new label. */
export const SAMPLE_LABEL = 'kouan-sample-v1';

/**
 * The spot-check draw of a ledger entry, in [0, 1): the first 8 bytes of SHA-256(UTF-8(entryHash ‖ label)) as a
 * big-endian unsigned integer, its top 53 bits divided by 2^53 (exact in any IEEE double arithmetic).
 */
export function sampleDraw(entryHash: string): number {
  const top = createHash('sha256').update(entryHash + SAMPLE_LABEL, 'utf8').digest().readBigUInt64BE(0) >> 11n;
  return Number(top) / 2 ** 53;
}

const DAY_MS = 86_400_000;
type Event = { at: number; counts: 'thresholdAttempts' | RefusalStage };

/** The ledger's supervision-relevant facts per participant, entry by entry in chain order. */
class LedgerWalk {
  readonly #events = new Map<string, Event[]>();
  readonly #filings = new Map<string, Map<string, Filing>>();
  readonly #p: CreditParameters;
  readonly #revocations: ReadonlyMap<string, string>;

  /** `revocations`: the CRL in force, revoked serial → revocation time. */
  constructor(p: CreditParameters, revocations: ReadonlyMap<string, string>) {
    this.#p = p;
    this.#revocations = revocations;
  }

  add(entry: ScannedEntry): void {
    const row = entry.row;
    if (row.kind === 'filing') {
      let filings = this.#filings.get(row.participant);
      if (!filings) this.#filings.set(row.participant, (filings = new Map()));
      noteFiling(filings, row);
    } else if (row.kind === 'denial') {
      const threshold = row.reasons.some((r) => r.effect !== 'info' && this.#p.thresholdCodes.includes(r.code));
      const events = this.#events.get(row.participant) ?? [];
      events.push({ at: Date.parse(entry.receivedAt), counts: threshold ? 'thresholdAttempts' : (row.stage as RefusalStage) });
      this.#events.set(row.participant, events);
    }
  }

  /** What counts against `id` at instant `at`, from the entries added so far and its participant record. */
  inputs(id: string, record: Participant | undefined, at: number): CreditInputs {
    const inputs = noInputs();
    const since = at - this.#p.windowDays * DAY_MS;
    const inWindow = (t: number) => t > since && t <= at;
    for (const e of this.#events.get(id) ?? []) {
      if (!inWindow(e.at)) continue;
      if (e.counts === 'thresholdAttempts') inputs.thresholdAttempts++;
      else inputs.refusals[e.counts]++;
    }
    const today = beijingDate(new Date(at));
    for (const { deadline } of standardContractDeadlines(this.#filings.get(id)?.values() ?? [])) if (isOverdue(deadline, today)) inputs.overdueFilings++;
    inputs.suspensions = (record?.suspensions ?? []).filter((s) => inWindow(Date.parse(s.at))).length;
    inputs.revocations = revokedCertificates(record, this.#revocations).filter((r) => inWindow(Date.parse(r.revokedAt))).length;
    return inputs;
  }
}

/** The participant's certificates (as the registry has seen them presented) that the CRL revokes, with when. */
export const revokedCertificates = (record: Participant | undefined, revocations: ReadonlyMap<string, string>): Array<{ serial: string; revokedAt: string }> =>
  (record?.certificates ?? []).flatMap((c) => {
    const revokedAt = revocations.get(c.serial);
    return revokedAt === undefined ? [] : [{ serial: c.serial, revokedAt }];
  });

/** The grade the operator had set for the participant at instant `at` (its history), or null. */
const operatorGradeAt = (record: Participant | undefined, at: number): Grade | null =>
  (record?.creditGrades ?? []).filter((g) => Date.parse(g.at) <= at).at(-1)?.grade ?? null;

export interface CreditAssessment {
  score: number;
  computedGrade: Grade;
  operatorGrade: Grade | null;
  /** The stricter of the two. */
  grade: Grade;
  rate: number;
}

function assess(walk: LedgerWalk, id: string, record: Participant | undefined, at: number, p: CreditParameters): CreditAssessment & { inputs: CreditInputs; contributions: Contribution[] } {
  const inputs = walk.inputs(id, record, at);
  const computed = grade(inputs, p);
  const operatorGrade = operatorGradeAt(record, at);
  const effective = stricter(computed.grade, operatorGrade);
  return { score: computed.score, computedGrade: computed.grade, operatorGrade, grade: effective, rate: rateOf(effective, p), inputs, contributions: computed.contributions };
}

export interface CreditReport extends CreditAssessment {
  participant: string;
  at: string;
  inputs: CreditInputs;
  contributions: Contribution[];
  /** The operator's grade history, the suspensions and the revoked certificates, as published for recomputation. */
  operatorGrades: Array<{ grade: Grade | null; at: string }>;
  suspensions: Array<{ reason: string; at: string }>;
  revocations: Array<{ serial: string; revokedAt: string }>;
}

/** Each participant's grade at `now`, from the whole ledger. */
export function creditReports(entries: readonly ScannedEntry[], participants: readonly Participant[], p: CreditParameters, now: Date, revocations: ReadonlyMap<string, string> = new Map()): CreditReport[] {
  const walk = new LedgerWalk(p, revocations);
  for (const e of entries) walk.add(e);
  return participants.map((record) => ({
    participant: record.id,
    at: now.toISOString(),
    ...assess(walk, record.id, record, now.getTime(), p),
    operatorGrades: record.creditGrades ?? [],
    suspensions: record.suspensions ?? [],
    revocations: revokedCertificates(record, revocations),
  }));
}

export interface SpotCheck extends CreditAssessment {
  recordId: string;
  seq: number;
  entryHash: string;
  exporter: string;
  /** The usage record's own time. */
  at: string;
  /** When the registry appended it: the instant its exporter's grade is taken at. */
  receivedAt: string;
  draw: number;
}

export interface SpotCheckQuery {
  exporter?: string;
  /** On the record's own time, as /views/flows: `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
}

/** The usage records (flows) marked for a spot check: draw < the rate of the exporter's grade when it was appended. */
export function spotChecks(entries: readonly ScannedEntry[], participants: readonly Participant[], p: CreditParameters, query: SpotCheckQuery = {}, revocations: ReadonlyMap<string, string> = new Map()): { flows: number; spotChecks: SpotCheck[] } {
  const records = new Map(participants.map((r) => [r.id, r]));
  const from = query.from === undefined ? -Infinity : instant(query.from);
  const to = query.to === undefined ? Infinity : instant(query.to);
  const walk = new LedgerWalk(p, revocations);
  const marked: SpotCheck[] = [];
  let flows = 0;
  for (const e of entries) {
    const { kind, participant, recordId, at } = e.row;
    if (kind === 'usage' && (query.exporter === undefined || participant === query.exporter)) {
      const t = Date.parse(at);
      if (t >= from && t < to) {
        flows++;
        const { score, computedGrade, operatorGrade, grade: g, rate } = assess(walk, participant, records.get(participant), Date.parse(e.receivedAt), p);
        const draw = sampleDraw(e.hash);
        if (draw < rate) marked.push({ recordId, seq: e.seq, entryHash: e.hash, exporter: participant, at, receivedAt: e.receivedAt, score, computedGrade, operatorGrade, grade: g, rate, draw });
      }
    }
    walk.add(e);
  }
  return { flows, spotChecks: marked };
}

const SPOT_CHECK_COLUMNS = ['recordId', 'seq', 'entryHash', 'exporter', 'at', 'receivedAt', 'score', 'computedGrade', 'operatorGrade', 'grade', 'rate', 'draw'] as const;
export const spotChecksCsv = (list: readonly SpotCheck[]): string => csvDocument(SPOT_CHECK_COLUMNS, list);
