/**
 * The export decision explained as text for a compliance officer (`kouan policy export-path --explain`): every row of
 * the decision table in order, whether it matched, which one decided, and for the others the conditions that did
 * not hold. Only formatting: what is shown comes from the policy's own table (kouan/export/explain).
 */
import type { ExplainedRow, Explanation, Reason } from './decision.ts';

const condition = (c: { text: string; holds: boolean }): string => `      ${c.holds ? 'yes' : 'NO '}  ${c.text}`;

function status(row: ExplainedRow, decidingRow: number | null): string {
  if (row.deciding) return `DECIDES: ${row.path}`;
  if (row.matched) return `matched, but row ${decidingRow} comes first`;
  return 'does not apply';
}

function rowLines(row: ExplainedRow, decidingRow: number | null): string[] {
  const head = `  row ${String(row.row).padStart(2)}  ${row.title.replace(/^Row \d+ — /, '')} [${row.code}] — ${status(row, decidingRow)}`;
  // A row that applies shows every condition; one that does not shows what failed, then what held.
  const failed = row.conditions.filter((c) => !c.holds);
  const conditions = row.matched ? row.conditions : [...failed, ...row.conditions.filter((c) => c.holds)];
  return [head, `      basis: ${row.basis}`, ...conditions.map(condition)];
}

const reasonLine = (r: Reason): string => `  ${r.code} (${r.effect ?? 'deny'}; ${r.basis}): ${r.message}`;

const warningLine = (w: Reason): string => `  ${w.code} (${w.basis}): ${w.message}`;

export function formatExplanation(explanation: Explanation): string {
  const { decision, rows, deciding_row: decidingRow } = explanation;
  const lines = [
    `Export path: ${decision.path ?? 'none'} — ${decision.allow ? 'ALLOWED' : 'REFUSED'}`,
    decidingRow === null ? 'No row of the decision table matched: refused (fail closed).' : `Decided by row ${decidingRow}, the lowest row that matched.`,
    '',
    'Decision table, rows in order (yes/NO: whether each condition held for this input):',
  ];
  for (const row of rows) lines.push(...rowLines(row, decidingRow));
  lines.push('', 'Reasons (the first explains the path; a deny reason refuses the flow):', ...decision.reasons.map(reasonLine));
  if (decision.warnings.length > 0) lines.push('', 'Warnings (they do not change the decision):', ...decision.warnings.map(warningLine));
  if (decision.obligations.length > 0) {
    lines.push('', 'Obligations:', ...decision.obligations.map((o) => `  ${o.type}${typeof o.due === 'string' ? ` due ${o.due}` : ''}${typeof o.ref === 'string' ? ` (${o.ref})` : ''}`));
  }
  return lines.join('\n');
}
