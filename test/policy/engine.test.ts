import { describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/policy/engine.ts';
import { kouan } from '../support/cli.ts';
import { vectorSets } from './support.ts';

const exportVectors = vectorSets().find((s) => s.entrypoint === 'kouan/export/decision')!.vectors;
const allowed = exportVectors.find((v) => v.expect.allow)!;
const refused = exportVectors.find((v) => !v.expect.allow)!;
const gatewayAllowed = vectorSets().find((s) => s.entrypoint === 'kouan/gateway/decision')!.vectors.find((v) => v.expect.allow)!;

describe('policy engine', () => {
  it('refuses input that does not match the published schema, naming the problem', () => {
    const engine = PolicyEngine.load();
    const { exporter: _gone, ...noExporter } = allowed.input;
    expect(() => engine.evaluate('kouan/export/decision', noExporter)).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('exporter') }));
    expect(() => engine.evaluate('kouan/export/decision', { ...allowed.input, data: { ...(allowed.input.data as object), grade: 'secret' } })).toThrowError(
      expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('/data/grade') }),
    );
    expect(() => engine.evaluate('kouan/export/decision', 'not an object')).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });

  it('replaces policy data at run time without recompiling, all at once', () => {
    const engine = PolicyEngine.load();
    const before = engine.evaluate('kouan/export/decision', allowed.input);
    expect(before.allow).toBe(true);
    const recipient = (allowed.input.recipient as { id: string }).id;
    const original = engine.data;
    const restricted = structuredClone(original) as Record<string, unknown>;
    const list = original.restricted_recipients as { recipients: Record<string, unknown> };
    const listedFrom = (from: string) => ({ ...list, recipients: { ...list.recipients, [recipient]: { name: 'listed for this test', list: 'PIPL art. 42', from } } });
    // Listed after the decision's now: the list as it stood then did not name the recipient (PIPL art. 42).
    engine.replaceData({ ...original, restricted_recipients: listedFrom('2099-01-01') });
    expect(engine.evaluate('kouan/export/decision', allowed.input).allow).toBe(true);
    restricted.restricted_recipients = listedFrom('2026-01-01');
    engine.replaceData(restricted);
    const after = engine.evaluate('kouan/export/decision', allowed.input);
    expect(after).toMatchObject({ allow: false, path: 'forbidden' });
    expect(after.reasons.map((r) => r.code)).toContain('EXPORT_RESTRICTED_RECIPIENT');
    engine.replaceData(original);
    expect(engine.evaluate('kouan/export/decision', allowed.input).allow).toBe(true);
  });

  it('keeps the standing terms of a staged decision only while the data they were worked out from is in force', () => {
    const engine = PolicyEngine.load();
    const input = gatewayAllowed.input as Record<string, unknown>;
    expect(engine.evaluateStaged('kouan/gateway/decision', input).allow).toBe(true);
    // The consumer (DE) is allowed through the agreement's group:EU; new data takes DE out of the group.
    const original = engine.data;
    const groups = structuredClone(original.country_groups) as { groups: Record<string, { members: string[] }> };
    groups.groups.EU!.members = groups.groups.EU!.members.filter((c) => c !== 'DE');
    engine.replaceData({ ...original, country_groups: groups });
    const refused = engine.evaluateStaged('kouan/gateway/decision', input);
    expect(refused.allow).toBe(false);
    expect(refused.reasons.map((r) => r.code)).toContain('CONTRACT_DESTINATION_NOT_ALLOWED');
    engine.replaceData(original);
    expect(engine.evaluateStaged('kouan/gateway/decision', input).allow).toBe(true);
  });

  it('checks a staged input against the schema on every call, whether its standing terms are kept or not', () => {
    const engine = PolicyEngine.load();
    const input = gatewayAllowed.input as Record<string, unknown>;
    const { token: _gone, ...noToken } = input;
    expect(() => engine.evaluateStaged('kouan/gateway/decision', noToken)).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('token') }));
    expect(engine.evaluateStaged('kouan/gateway/decision', input).allow).toBe(true);
    // The standing terms of this input are kept now: a bad per-request value is refused all the same.
    expect(() => engine.evaluateStaged('kouan/gateway/decision', { ...input, now: 'yesterday' })).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('/now') }));
    expect(() => engine.evaluateStaged('kouan/gateway/decision', { ...input, cumulative: { subjects: -1, sensitive_subjects: 0 } })).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('/cumulative/subjects') }));
    expect(() => engine.evaluateStaged('kouan/gateway/decision', { ...input, usage: { ...(input.usage as object), extra: 1 } })).toThrowError(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });

  it('the real kouan binary exits 0 when allowed, 3 when refused, 2 on bad input', () => {
    const ok = kouan(['policy', 'export-path', '--input', '-'], JSON.stringify(allowed.input));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ allow: true });
    const no = kouan(['policy', 'export-path', '--input', '-'], JSON.stringify(refused.input));
    expect(no.code, no.stderr).toBe(3);
    expect(JSON.parse(no.stdout).reasons.length).toBeGreaterThan(0);
    const bad = kouan(['policy', 'export-path', '--input', '-'], '{"now": 1}');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('INPUT_INVALID');
    const garbage = kouan(['policy', 'export-path', '--input', '-'], 'not json');
    expect(garbage.code).toBe(2);
    const unknown = kouan(['policy', 'eval', '--entrypoint', 'kouan/nope/decision', '--input', '-'], '{}');
    expect(unknown.code).toBe(2);
  });
});
