import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Entrypoint } from '../../src/policy/decision.ts';

export interface Vector {
  name: string;
  input: Record<string, unknown>;
  /** bad_input: the policy's input checks refuse the input (an input error, exit 2) with a problem naming `problem`. */
  expect: { allow: boolean; path?: string; codes: string[]; obligations?: unknown[]; warnings?: string[]; bad_input?: boolean; problem?: string };
}

const dir = fileURLToPath(new URL('./vectors/', import.meta.url));

/** The shared test vectors: the same cases `opa test` runs, replayed against the compiled wasm. */
export function vectorSets(): Array<{ entrypoint: Entrypoint; vectors: Vector[] }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      entrypoint: `kouan/${file.replace(/\.json$/, '')}/decision` as Entrypoint,
      vectors: JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Vector[],
    }));
}
