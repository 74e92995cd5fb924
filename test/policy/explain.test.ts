import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/command.ts';
import { PolicyEngine } from '../../src/policy/engine.ts';
import { vectorSets } from './support.ts';

const engine = PolicyEngine.load();
const vectors = vectorSets().find((s) => s.entrypoint === 'kouan/export/decision')!.vectors;
const decided = vectors.filter((v) => !v.expect.bad_input);
const vector = (name: string) => vectors.find((v) => v.name === name)!;

async function explainCli(input: unknown): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), stdin: async () => JSON.stringify(input) };
  const code = await main(['policy', 'export-path', '--explain', '--input', '-'], io);
  return { code, out, err };
}

describe('kouan policy export-path --explain', () => {
  it.each(decided.map((v) => [v.name, v] as const))('explains the same decision, decided by the lowest matching row: %s', (_name, v) => {
    const explanation = engine.explainExport(v.input);
    expect(explanation.decision).toEqual(engine.evaluate('kouan/export/decision', v.input));
    const matched = explanation.rows.filter((r) => r.matched);
    const deciding = explanation.rows.filter((r) => r.deciding);
    expect(deciding).toHaveLength(1);
    expect(deciding[0]!.row).toBe(Math.min(...matched.map((r) => r.row)));
    expect(deciding[0]!.code).toBe(explanation.decision.reasons[0]!.code);
    for (const row of explanation.rows) expect(row.matched, `row ${row.row} ${row.code}`).toBe(row.conditions.every((c) => c.holds));
    expect(explanation.rows.map((r) => r.row)).toEqual([...explanation.rows.map((r) => r.row)].sort((a, b) => a - b));
  });

  it('prints every row in order, the one that decided, the matched rows it outranked and why the others did not apply', async () => {
    // Transit case files of a Beijing FTZ hospital: row 6 decides over the pharmaceutical entry (row 7) and the
    // security-assessment volume band (row 13), which match too.
    const { code, out } = await explainCli(vector('row06_transit_prevails_over_ftz_entry_provisions_art_4').input);
    expect(code).toBe(0);
    expect(out).toContain('Export path: exempt — ALLOWED');
    expect(out).toContain('Decided by row 6, the lowest row that matched.');
    expect(out).toMatch(/row {2}6 {2}PI collected abroad and sent back \[EXPORT_SCENARIO_TRANSIT\] — DECIDES: exempt/);
    expect(out).toMatch(/row {2}7 {2}.*\[EXPORT_FTZ_LISTED\] — matched, but row 6 comes first/);
    expect(out).toMatch(/row 13 {2}.*\[EXPORT_PI_VOLUME_ASSESSMENT\] — matched, but row 6 comes first/);
    expect(out).toMatch(/row {2}8 {2}.*\[EXPORT_SCENARIO_TRADE_NO_PI\] — does not apply\n.*\n {6}NO {3}the scenario claimed is trade_no_pi/);
    expect(out).toContain('NO   this year\'s totals are in the standard-contract band (subjects 100000, sensitive 100000)');
    expect(out).toContain('EXPORT_SCENARIO_OVERRIDES_FTZ_ENTRY');
    const rows = [...out.matchAll(/^ {2}row +(\d+) /gm)].map((m) => Number(m[1]));
    expect(rows).toEqual([0, 1, 2, 3, 4, 4, 5, 6, 6, 7, 8, 9, 9, 9, 9, 9, 9, 10, 10, 11, 11, 12, 12, 13, 14, 15, 16]);
  });

  it('exits 3 on a refusal and shows the refusing reasons', async () => {
    const { code, out } = await explainCli(vector('row14_subjects_100000').input);
    expect(code).toBe(3);
    expect(out).toContain('Export path: standard_contract_or_certification — REFUSED');
    expect(out).toContain('EXPORT_CONTRACT_OR_CERTIFICATION_MISSING (deny;');
  });

  it('answers bad input with exit 2 and the problem, as the decision does', async () => {
    const { code, out, err } = await explainCli(vector('row00_recipient_in_mainland_china_is_not_an_export_pipl_art_38').input);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('recipient.country is CN');
  });
});
