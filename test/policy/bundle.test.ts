import { describe, expect, it } from 'vitest';
import { checkPolicyData, readSignedBundle } from '../../src/policy/bundle.ts';
import { PolicyEngine } from '../../src/policy/engine.ts';

describe('policy data checks before a bundle is used', () => {
  const engine = PolicyEngine.load();
  const builtIn = engine.data;

  it('accepts the built-in documents, and a partial bundle keeps the built-in documents of the keys it does not carry', () => {
    expect(checkPolicyData(engine, builtIn, builtIn)).toEqual(builtIn);
    const recipients = { recipients: { 'ai-lab': { name: 'AI Lab', list: 'PIPL art. 42' } } };
    const merged = checkPolicyData(engine, { restricted_recipients: recipients }, builtIn);
    expect(merged).toEqual({ ...builtIn, restricted_recipients: recipients });
    expect(engine.data).toBe(builtIn); // tried in a scratch engine, never swapped in here
  });

  it('refuses unknown keys, documents without what the policies read, and wrong types', () => {
    const thresholds = builtIn.thresholds as Record<string, unknown>;
    const { pi_subjects_standard_contract: _dropped, ...missing } = thresholds;
    for (const [data, problem] of [
      [{}, 'fewer than 1'],
      [{ sanctions: [] }, '(sanctions)'],
      [{ thresholds: missing }, 'pi_subjects_standard_contract'],
      [{ thresholds: { ...thresholds, hgr_sequencing_review_subjects: -1 } }, '/thresholds/hgr_sequencing_review_subjects'],
      [{ holidays: { years: { 2026: { days_off: ['2026-02-30'], make_up_working_days: [] } } } }, '/holidays/years/2026/days_off/0'],
      [{ country_groups: { groups: { EU: { members: ['de'] } } } }, '/country_groups/groups/EU/members/0'],
      [{ ftz_negative_lists: { zones: {}, entries: [{ id: 'x', zone: 'CN-BJ-FTZ', domain: 'auto', categories: [], path: 'forbidden' }] } }, '/ftz_negative_lists/entries/0/categories'],
    ] as const) {
      expect(() => checkPolicyData(engine, data as Record<string, unknown>, builtIn), JSON.stringify(data)).toThrowError(expect.objectContaining({ code: 'POLICY_BUNDLE_INVALID', message: expect.stringContaining(problem) }));
    }
  });

  it('reads a bundle off the wire only with every member typed', () => {
    const good = { version: 3, issued: '2026-11-27T08:00:00.000Z', data: {}, signature: 'h..s', certificatePem: 'PEM' };
    expect(readSignedBundle({ ...good, extra: 1 })).toEqual(good);
    for (const bad of [null, [], { ...good, version: 0 }, { ...good, version: 1.5 }, { ...good, version: '3' }, { ...good, issued: 'yesterday' }, { ...good, data: [] }, { ...good, signature: undefined }]) {
      expect(() => readSignedBundle(bad), JSON.stringify(bad)).toThrowError(expect.objectContaining({ code: 'POLICY_BUNDLE_INVALID' }));
    }
  });
});
