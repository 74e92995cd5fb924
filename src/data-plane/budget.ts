/**
 * A stream's side of the shared budgets (src/storage/sql/budgets.ts): the caps the decision sets, turned into
 * totals that hold for every stream at once, and the reservations a stream takes before data leaves.
 *
 * The decision's obligations say what is still allowed when the request was decided (max_records: records of
 * the agreement, max_data_subjects: its distinct persons, max_subjects: the exporter's persons and sensitive
 * persons this year on the agreement's legal path). Each is turned into a total (what was counted when the
 * decision was taken plus what was still allowed) so that a stream that starts late, or runs beside others,
 * is held to the same total rather than to a copy of the remainder.
 */
import type { AgreementUsage, BudgetStore, UsageStore } from '../storage/ports.ts';
import type { Limits } from './obligations.ts';

export type BudgetKind = 'records' | 'agreementSubjects' | 'subjects' | 'sensitiveSubjects';

/** The in-band code a stream stops with when a budget is spent. */
export const SPENT: Readonly<Record<BudgetKind, { code: string; message: string }>> = {
  records: { code: 'GATEWAY_MAX_RECORDS_REACHED', message: 'the agreement allows no more records' },
  agreementSubjects: { code: 'GATEWAY_MAX_DATA_SUBJECTS_REACHED', message: 'the next record would take the agreement past the distinct persons it allows' },
  subjects: { code: 'GATEWAY_THRESHOLD_REACHED', message: 'the next record would take the exporter past the persons its export path allows this year' },
  sensitiveSubjects: { code: 'GATEWAY_THRESHOLD_REACHED', message: 'the next record would take the exporter past the sensitive persons its export path allows this year' },
};

export type Totals = Readonly<Record<BudgetKind, number>>;

/** The totals the decision's limits come to, given the counts its input carried (Infinity: no cap). */
export function totalsOf(limits: Limits, counted: { usage: AgreementUsage; cumulative: { subjects: number; sensitiveSubjects: number } }): Totals {
  const total = (left: number, used: number): number => (Number.isFinite(left) ? used + Math.max(0, left) : Number.POSITIVE_INFINITY);
  return {
    records: total(limits.records, counted.usage.records),
    agreementSubjects: total(limits.agreementSubjects, counted.usage.subjects),
    subjects: total(limits.subjects, counted.cumulative.subjects),
    sensitiveSubjects: total(limits.sensitiveSubjects, counted.cumulative.sensitiveSubjects),
  };
}

export interface BudgetScope {
  agreementId: string;
  exporterId: string;
  year: number;
}

/** The row a budget is kept in. */
export function budgetKey(kind: BudgetKind, { agreementId, exporterId, year }: BudgetScope): string {
  switch (kind) {
    case 'records': return `agreement:${agreementId}:records`;
    case 'agreementSubjects': return `agreement:${agreementId}:subjects`;
    case 'subjects': return `exporter:${exporterId}:${year}:subjects`;
    case 'sensitiveSubjects': return `exporter:${exporterId}:${year}:sensitive-subjects`;
  }
}

/** Reservations of one stream against the shared budgets of its agreement and exporter. */
export class StreamBudget {
  readonly #store: BudgetStore;
  readonly #usage: UsageStore;
  readonly #scope: BudgetScope;
  readonly totals: Totals;

  constructor(store: BudgetStore, usage: UsageStore, scope: BudgetScope, totals: Totals) {
    this.#store = store;
    this.#usage = usage;
    this.#scope = scope;
    this.totals = totals;
  }

  /** Whether a budget has a cap at all (an uncapped one is never written). */
  capped(kind: BudgetKind): boolean {
    return Number.isFinite(this.totals[kind]);
  }

  /** Takes up to `want` units before the data they cover leaves; returns how many were granted. */
  async take(kind: BudgetKind, want: number): Promise<number> {
    if (!this.capped(kind) || want === 0) return want;
    return this.#store.reserve(this.#key(kind), want, this.totals[kind], () => this.#seed(kind));
  }

  /** Gives back units taken and not used (never units whose data may have left). */
  async giveBack(kind: BudgetKind, unused: number): Promise<void> {
    if (this.capped(kind) && unused > 0) await this.#store.release(this.#key(kind), unused);
  }

  #key(kind: BudgetKind): string {
    return budgetKey(kind, this.#scope);
  }

  /** What was already counted when the budget is first reserved from. */
  async #seed(kind: BudgetKind): Promise<number> {
    const { agreementId, exporterId, year } = this.#scope;
    if (kind === 'records' || kind === 'agreementSubjects') {
      const usage = await this.#usage.agreementUsage(agreementId);
      return kind === 'records' ? usage.records : usage.subjects;
    }
    const cumulative = await this.#usage.cumulative(exporterId, year);
    return kind === 'subjects' ? cumulative.subjects : cumulative.sensitiveSubjects;
  }
}
