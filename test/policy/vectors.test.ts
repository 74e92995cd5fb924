import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/command.ts';
import { denials, type Decision } from '../../src/policy/decision.ts';
import { PolicyEngine } from '../../src/policy/engine.ts';
import { vectorSets } from './support.ts';

const engine = PolicyEngine.load();
const sets = vectorSets();

const observed = (decision: Decision) => ({
  allow: decision.allow,
  ...(decision.path ? { path: decision.path } : {}),
  codes: denials(decision).map((r) => r.code).sort(),
});
const expected = (e: { allow: boolean; path?: string; codes: string[] }) => ({ allow: e.allow, ...(e.path ? { path: e.path } : {}), codes: [...e.codes].sort() });

async function runCli(args: string[], stdin: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), stdin: async () => stdin };
  const code = await main(args, io);
  return { code, out, err };
}

describe('the compiled wasm agrees with the policy test cases', () => {
  it('has vectors for every entrypoint', () => {
    expect(sets.map((s) => s.entrypoint).sort()).toEqual(['kouan/contract/decision', 'kouan/export/decision', 'kouan/gateway/decision']);
    for (const set of sets) expect(set.vectors.length, set.entrypoint).toBeGreaterThanOrEqual(25);
  });

  for (const { entrypoint, vectors } of sets) {
    describe(entrypoint, () => {
      const bad = vectors.filter((v) => v.expect.bad_input);
      const decided = vectors.filter((v) => !v.expect.bad_input);

      if (bad.length > 0) {
        it.each(bad.map((v) => [v.name, v] as const))('engine and cli refuse as bad input, naming the member: %s', async (_name, vector) => {
          expect(() => engine.evaluate(entrypoint, vector.input)).toThrowError(
            expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining(vector.expect.problem ?? '') }),
          );
          const result = await runCli(['policy', 'eval', '--entrypoint', entrypoint, '--input', '-'], JSON.stringify(vector.input));
          expect(result.code).toBe(2);
          expect(result.out).toBe('');
          expect(result.err).toContain(vector.expect.problem ?? 'invalid');
        });
      }

      it.each(decided.map((v) => [v.name, v] as const))('engine: %s', (_name, vector) => {
        const decision = engine.evaluate(entrypoint, vector.input);
        expect(observed(decision)).toEqual(expected(vector.expect));
        if (!decision.allow) expect(decision.reasons.length).toBeGreaterThan(0);
        for (const reason of [...decision.reasons, ...decision.warnings]) {
          expect(reason.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
          expect(reason.basis, reason.code).not.toBe('');
        }
        if (vector.expect.obligations) expect(decision.obligations).toEqual(expect.arrayContaining(vector.expect.obligations));
        if (vector.expect.warnings) expect(decision.warnings.map((w) => w.code).sort()).toEqual([...vector.expect.warnings].sort());
      });

      if (entrypoint === 'kouan/gateway/decision') {
        it.each(decided.map((v) => [v.name, v] as const))('in two stages, the same decision: %s', (_name, vector) => {
          const whole = engine.evaluate(entrypoint, vector.input);
          const input = vector.input as Record<string, unknown>;
          // The first evaluation works the standing terms out; the second, with a later request's counts, keeps them.
          expect(engine.evaluateStaged(entrypoint, input)).toEqual(whole);
          const later = { ...input, usage: { ...(input.usage as object), requests: 1 + Number((input.usage as { requests?: number }).requests ?? 0) } };
          expect(engine.evaluateStaged(entrypoint, later)).toEqual(engine.evaluate(entrypoint, later));
        });
      }

      it.each(decided.map((v) => [v.name, v] as const))('cli: %s', async (_name, vector) => {
        const result = await runCli(['policy', 'eval', '--entrypoint', entrypoint, '--input', '-'], JSON.stringify(vector.input));
        expect(result.code, result.err).toBe(vector.expect.allow ? 0 : 3);
        expect(observed(JSON.parse(result.out) as Decision)).toEqual(expected(vector.expect));
      });
    });
  }
});
