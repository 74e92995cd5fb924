/** What the provider told the registry about one transfer: its usage records (summed) and its denial records. */
import type { ReceivedRecord, TestReceiver } from '../../support/receiver.ts';
import { until } from '../../support/until.ts';

export interface Ledger {
  usage: ReceivedRecord[];
  denials: ReceivedRecord[];
  /** Sum of `records` over the usage records. */
  records: number;
  /** Sum of `newSubjects` over the usage records. */
  newSubjects: number;
  /** The codes of every denial record (first reason of each). */
  codes: string[];
}

const codeOf = (r: ReceivedRecord) => ((r.record.reasons as Array<{ code: string }> | undefined)?.[0]?.code ?? '');

function read(receiver: TestReceiver, transferIds: readonly string[]): Ledger {
  const mine = (r: ReceivedRecord) => transferIds.includes(r.record.transfer as string);
  const usage = receiver.of('usage').filter(mine);
  const denials = receiver.of('denial').filter(mine);
  return {
    usage,
    denials,
    records: usage.reduce((n, r) => n + (r.record.records as number), 0),
    newSubjects: usage.reduce((n, r) => n + (r.record.newSubjects as number), 0),
    codes: denials.map(codeOf),
  };
}

/**
 * Waits until the registry holds `usage` usage records for the transfers and a denial record of each code in
 * `denied` (as many as listed), then gives the ledger a moment more to show anything it should not hold.
 */
export async function ledgerOf(receiver: TestReceiver, transferIds: string | readonly string[], expect: { usage: number; denied?: string[] }): Promise<Ledger> {
  const ids = typeof transferIds === 'string' ? [transferIds] : transferIds;
  const complete = (l: Ledger) =>
    l.usage.length >= expect.usage && (expect.denied ?? []).every((code) => l.codes.filter((c) => c === code).length >= (expect.denied ?? []).filter((c) => c === code).length);
  await until(() => read(receiver, ids), complete, 10_000);
  await new Promise((r) => setTimeout(r, 150));
  return read(receiver, ids);
}
