/**
 * Operator views and alerts, computed from the ledger's records on every call. The records are read once per process
 * and then only the newly appended ones (scanEntries); the aggregates are recomputed from them each time.
 */
import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import type { Clock } from '../core/clock.ts';
import { csvDocument } from '../http/csv.ts';
import type { DenialRecord, FilingRecord, UsageRecord } from '../records/schemas.ts';
import type { LedgerEntry } from './model.ts';
import type { LedgerStore } from './storage/ports.ts';
import { addWorkingDays, beijingDate, holidayCalendar, workingDaysBetween, type HolidayCalendar } from './workdays.ts';

type Filing = Static<typeof FilingRecord>;
type Usage = Static<typeof UsageRecord>;
type Denial = Static<typeof DenialRecord>;
export type Row = { recordId: string } & (Filing | Usage | Denial);

const PAGE = 5_000;

/**
 * A ledger entry as the views keep it: what they read of the entry and its record, parsed once. The record's
 * signed text, its signature and the receipt are left in the store (about half of an entry's size).
 */
export interface ScannedEntry {
  seq: number;
  receivedAt: string;
  hash: string;
  /** The record, with its id; its kind and participant are the entry's (the intake refuses any other). */
  row: Row;
}

/** What a registry process has read of a ledger so far: entries and their records, in chain order. */
interface Scanned {
  seq: number;
  entries: ScannedEntry[];
  rows: Row[];
  reading: Promise<void>;
}
const scanned = new WeakMap<LedgerStore, Scanned>();

/**
 * Every entry in the ledger, in chain order. The chain is append-only, so what this process has read is kept and
 * each call reads only the entries appended since (the dashboard asks six views at every refresh); one reader at
 * a time per store. Memory grows with the ledger (each record parsed once, without its signature and receipt); a
 * projection kept from the ledger's 'appended' events is later work.
 */
export async function scanEntries(ledger: LedgerStore): Promise<readonly ScannedEntry[]> {
  return (await scan(ledger)).entries;
}

async function scan(ledger: LedgerStore): Promise<Scanned> {
  let state = scanned.get(ledger);
  if (state === undefined) scanned.set(ledger, (state = { seq: 0, entries: [], rows: [], reading: Promise.resolve() }));
  const s = state;
  const extend = async () => {
    for (;;) {
      const page = await ledger.entries(s.seq, PAGE);
      for (const e of page) {
        const row = rowOf(e);
        s.entries.push({ seq: e.seq, receivedAt: e.receivedAt, hash: e.hash, row });
        s.rows.push(row);
      }
      if (page.length > 0) s.seq = page[page.length - 1]!.seq;
      if (page.length < PAGE) return;
    }
  };
  s.reading = s.reading.catch(() => undefined).then(extend);
  await s.reading;
  return s;
}

/** An entry's record, with its id. */
const rowOf = (e: LedgerEntry): Row => ({ recordId: e.recordId, ...(JSON.parse(e.record) as Filing | Usage | Denial) });

/** Every record in the ledger, in chain order (read as scanEntries reads). */
export const scanRecords = async (ledger: LedgerStore): Promise<readonly Row[]> => (await scan(ledger)).rows;

/**
 * Where the latest filing of an agreement is kept: by its exporter and the agreement. The intake takes filing records
 * from the exporter only, and a key of its own keeps one participant's record from ever taking another's place.
 */
export const filingKey = (participant: string, agreement: string): string => `${participant}\u0000${agreement}`;

/** Keeps the latest concluded filing of each agreement of each exporter: it says what is still due. */
export const noteFiling = (latest: Map<string, Filing>, r: Row): void => {
  if (r.kind === 'filing' && r.event === 'concluded') latest.set(filingKey(r.participant, r.agreement), r);
};
const latestFilings = (rows: readonly Row[]): Map<string, Filing> => {
  const latest = new Map<string, Filing>();
  for (const r of rows) noteFiling(latest, r);
  return latest;
};

export const FLOW_GROUPS = ['destinationCountry', 'grade', 'domain', 'exportPath', 'exporter'] as const;
export type FlowGroup = (typeof FLOW_GROUPS)[number];

export interface FlowQuery {
  by: FlowGroup;
  from?: string;
  to?: string;
  interval?: 'day';
}

export interface FlowRow {
  group: string;
  day?: string;
  agreements: number;
  transfers: number;
  records: number;
  bytes: number;
  newSubjects: number;
  newSensitiveSubjects: number;
}

/** An instant from a date (start of that UTC day) or a date-time. */
export const instant = (s: string): number => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);

/** Agreements concluded (filing records, event concluded) and usage totals per group, `from` inclusive, `to` exclusive. */
export function flows(rows: readonly Row[], query: FlowQuery): FlowRow[] {
  const from = query.from === undefined ? -Infinity : instant(query.from);
  const to = query.to === undefined ? Infinity : instant(query.to);
  const inRange = (at: string) => { const t = Date.parse(at); return t >= from && t < to; };
  // Usage records name their agreement; grade, domain and export path come from its filing by the same exporter.
  const filings = latestFilings(rows);
  const groupOf = (r: Filing | Usage): string => {
    if (query.by === 'exporter') return r.participant;
    if (query.by === 'destinationCountry') return r.destinationCountry;
    const filing = r.kind === 'filing' ? r : filings.get(filingKey(r.participant, r.agreement));
    if (query.by === 'exportPath') return filing?.exportPath ?? (r.kind === 'usage' ? r.decision.exportPath : 'unknown');
    return filing?.[query.by] ?? 'unknown';
  };
  const groups = new Map<string, FlowRow>();
  const rowFor = (r: Filing | Usage): FlowRow => {
    const group = groupOf(r);
    const day = query.interval === 'day' ? beijingDate(new Date(r.at)) : undefined;
    const key = `${group}\u0000${day ?? ''}`;
    let row = groups.get(key);
    if (!row) groups.set(key, (row = { group, ...(day === undefined ? {} : { day }), agreements: 0, transfers: 0, records: 0, bytes: 0, newSubjects: 0, newSensitiveSubjects: 0 }));
    return row;
  };
  for (const r of rows) {
    if (r.kind === 'denial' || !inRange(r.at)) continue;
    if (r.kind === 'filing') {
      if (r.event === 'concluded') rowFor(r).agreements++;
      continue;
    }
    const row = rowFor(r);
    row.transfers++;
    row.records += r.records;
    row.bytes += r.bytes;
    row.newSubjects += r.newSubjects;
    row.newSensitiveSubjects += r.newSensitiveSubjects;
  }
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group) || (a.day ?? '').localeCompare(b.day ?? ''));
}

export interface Refusal {
  recordId: string;
  participant: string;
  at: string;
  stage: string;
  consumer: string | null;
  destinationCountry: string | null;
  subject: string;
  codes: string[];
}

const denialSubject = (d: Denial): string => d.agreement ?? d.transfer ?? d.negotiation ?? d.id;

/** Denial records with their reason codes, and how often each code was given. */
export function refusals(rows: readonly Row[]): { refusals: Refusal[]; counts: Record<string, number> } {
  const list: Refusal[] = [];
  const counts: Record<string, number> = {};
  for (const r of rows) {
    if (r.kind !== 'denial') continue;
    const codes = r.reasons.map((reason) => reason.code);
    for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
    list.push({ recordId: r.recordId, participant: r.participant, at: r.at, stage: r.stage, consumer: r.consumer, destinationCountry: r.destinationCountry, subject: denialSubject(r), codes });
  }
  return { refusals: list, counts };
}

export interface Alert {
  type: 'standard_contract_filing_overdue' | 'standard_contract_filing_due' | 'security_assessment_expired' | 'security_assessment_expiring' | 'subjects_threshold' | 'refused_flow';
  severity: 'critical' | 'warning' | 'info';
  participant: string;
  subject: string;
  due?: string;
  message: string;
}

export interface Thresholds {
  pi_subjects_standard_contract: number;
  pi_subjects_security_assessment: number;
  sensitive_subjects_security_assessment: number;
  contract_filing_working_days: number;
  assessment_expiry_warning_working_days: number;
}

let thresholdsCache: Thresholds | undefined;
export const policyThresholds = (): Thresholds =>
  (thresholdsCache ??= (JSON.parse(readFileSync(new URL('../../policies/data/thresholds.json', import.meta.url), 'utf8')) as { thresholds: Thresholds }).thresholds);

/** Share of a threshold at which the subject-count alert starts. */
export const THRESHOLD_WARNING_SHARE = 0.8;
/** The filing-deadline type whose standard-contract filings are watched. */
export const STANDARD_CONTRACT_DEADLINE = 'file_standard_contract';
/** The deadline type carrying the last valid day of the security assessment an agreement relies on (kouan/export). */
export const ASSESSMENT_RENEWAL_DEADLINE = 'renew_security_assessment';

type Deadline = Filing['deadlines'][number];

/** The standard-contract filing deadlines of the given (latest) filings. */
export function* standardContractDeadlines(filings: Iterable<Filing>): Generator<{ filing: Filing; deadline: Deadline }> {
  for (const filing of filings) for (const deadline of filing.deadlines) if (deadline.type === STANDARD_CONTRACT_DEADLINE) yield { filing, deadline };
}

/** A deadline is overdue from the Beijing day after its due date. */
export const isOverdue = (deadline: Deadline, today: string): boolean => deadline.due < today;

/**
 * (a) standard-contract filings due within the filing window of working days, or overdue; (b) security assessments of
 * agreements in force within the warning window of working days of their last valid day, or past it (the export
 * policy puts that day in the filing record); (c) exporters at 80 % or more of a subject-count threshold this Beijing
 * calendar year; (d) refused flows.
 */
export function alerts(rows: readonly Row[], clock: Clock, thresholds: Thresholds = policyThresholds(), calendar: HolidayCalendar = holidayCalendar()): Alert[] {
  const today = beijingDate(clock.now());
  const year = today.slice(0, 4);
  const out: Alert[] = [];

  const latest = latestFilings(rows);
  for (const { filing: f, deadline: d } of standardContractDeadlines(latest.values())) {
    const subject = d.ref ? `${f.agreement} (${d.ref})` : f.agreement;
    if (isOverdue(d, today)) {
      out.push({ type: 'standard_contract_filing_overdue', severity: 'critical', participant: f.participant, subject, due: d.due, message: `standard-contract filing for agreement ${f.agreement} was due on ${d.due}` });
      continue;
    }
    const left = workingDaysBetween(today, d.due, calendar);
    if (left <= thresholds.contract_filing_working_days)
      out.push({ type: 'standard_contract_filing_due', severity: 'warning', participant: f.participant, subject, due: d.due, message: `standard-contract filing for agreement ${f.agreement} is due on ${d.due}, ${left} working day(s) from ${today}` });
  }

  // One alert per assessment and exporter, however many agreements rely on it (the first agreement's, in chain order,
  // names it; the assessment's last valid day is the same in each).
  const assessments = new Map<string, Alert>();
  const expiringBy = addWorkingDays(today, thresholds.assessment_expiry_warning_working_days, calendar);
  for (const f of latest.values()) {
    for (const d of f.deadlines) {
      if (d.type !== ASSESSMENT_RENEWAL_DEADLINE) continue;
      const subject = d.ref ?? f.agreement;
      const key = `${f.participant}\u0000${subject}`;
      if (assessments.has(key)) continue;
      if (isOverdue(d, today)) {
        assessments.set(key, { type: 'security_assessment_expired', severity: 'critical', participant: f.participant, subject, due: d.due, message: `security assessment ${subject} was valid through ${d.due}; agreement ${f.agreement} relies on it` });
        continue;
      }
      if (d.due <= expiringBy)
        assessments.set(key, { type: 'security_assessment_expiring', severity: 'warning', participant: f.participant, subject, due: d.due, message: `security assessment ${subject} is valid through ${d.due}, ${workingDaysBetween(today, d.due, calendar)} working day(s) from ${today}: apply for its extension` });
    }
  }
  out.push(...assessments.values());

  const subjects = new Map<string, { pi: number; sensitive: number }>();
  for (const r of rows) {
    if (r.kind !== 'usage' || beijingDate(new Date(r.at)).slice(0, 4) !== year) continue;
    const s = subjects.get(r.participant) ?? { pi: 0, sensitive: 0 };
    s.pi += r.newSubjects;
    s.sensitive += r.newSensitiveSubjects;
    subjects.set(r.participant, s);
  }
  const limits = [
    { name: 'pi_subjects_standard_contract', limit: thresholds.pi_subjects_standard_contract, of: 'pi', what: 'personal-information subjects' },
    { name: 'pi_subjects_security_assessment', limit: thresholds.pi_subjects_security_assessment, of: 'pi', what: 'personal-information subjects' },
    { name: 'sensitive_subjects_security_assessment', limit: thresholds.sensitive_subjects_security_assessment, of: 'sensitive', what: 'sensitive personal-information subjects' },
  ] as const;
  for (const [participant, s] of [...subjects].sort(([a], [b]) => a.localeCompare(b))) {
    for (const l of limits) {
      const count = s[l.of];
      if (count < l.limit * THRESHOLD_WARNING_SHARE) continue;
      out.push({
        type: 'subjects_threshold',
        severity: count >= l.limit ? 'critical' : 'warning',
        participant,
        subject: l.name,
        message: `${count} ${l.what} exported in ${year}: ${Math.floor((count / l.limit) * 100)} % of ${l.limit}`,
      });
    }
  }

  for (const r of rows) {
    if (r.kind !== 'denial') continue;
    out.push({ type: 'refused_flow', severity: 'info', participant: r.participant, subject: denialSubject(r), message: `${r.stage} refused at ${r.at}: ${r.reasons.map((x) => x.code).join(', ')}` });
  }
  return out;
}

const ALERT_COLUMNS = ['type', 'severity', 'participant', 'subject', 'due', 'message'] as const;

/** The alerts as CSV; a cell a spreadsheet would read as a formula is neutralised (csvDocument). */
export const alertsCsv = (list: readonly Alert[]): string => csvDocument(ALERT_COLUMNS, list);
