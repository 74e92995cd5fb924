/** Runs the demo: the data space, the five scenarios with a readable log, a summary table, and the operator's URL. */
import { resolve } from 'node:path';
import { startDatasetBackend } from './datasets.ts';
import { Scenarios, type ScenarioResult } from './scenarios.ts';
import { startWorld, type World } from './world.ts';

export interface DemoRun {
  results: ScenarioResult[];
  world: World;
  stop(): Promise<void>;
}

const SCENARIOS: Array<[string, string, (s: Scenarios) => Promise<string>]> = [
  ['a-deidentified-trial', 'De-identified trial data under the exempt threshold: agreement, pull with names dropped and ids pseudonymised', (s) => s.deidentifiedTrial()],
  ['b-sensitive-needs-assessment', "20,000 patients' sensitive data: refused for a security assessment; recorded; allowed", (s) => s.sensitiveNeedsAssessment()],
  ['c-ftz-annotations', 'AI annotation data from the Beijing FTZ vendor, on no negative-list entry: exempt, bytes and digest in the ledger', (s) => s.ftzAnnotations()],
  ['d-revoked-consumer', 'A consumer whose certificate was revoked: refused at TLS', (s) => s.revokedConsumer()],
  ['e-overdue-filing', 'A standard-contract flow whose filing is overdue: refused; filing recorded; allowed', (s) => s.overdueFiling()],
];

export async function runDemo(stateDir: string, say: (line: string) => void): Promise<DemoRun> {
  const state = resolve(stateDir);
  say(`Kouan demo data space — state in ${state} (delete it to start afresh)`);
  const backend = await startDatasetBackend();
  const world = await startWorld(state, say);
  const scenarios = new Scenarios(world, backend, say);
  const results: ScenarioResult[] = [];
  for (const [name, title, run] of SCENARIOS) {
    say('');
    say(`▶ ${name}: ${title}`);
    try {
      const detail = await run(scenarios);
      results.push({ name, outcome: 'passed', detail });
      say(`   ✓ ${detail}`);
    } catch (error) {
      results.push({ name, outcome: 'failed', detail: (error as Error).message });
      say(`   ✗ ${(error as Error).message}`);
    }
  }
  return {
    results,
    world,
    async stop() {
      await world.stop();
      await backend.close();
    },
  };
}

export function summary(results: ScenarioResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return ['', 'Summary', `${'scenario'.padEnd(width)}  outcome`, `${'-'.repeat(width)}  -------`, ...results.map((r) => `${r.name.padEnd(width)}  ${r.outcome}`)].join('\n');
}
