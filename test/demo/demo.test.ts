import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kouanAsync } from '../support/cli.ts';

describe('the demo data space', () => {
  it('runs headless through the real kouan command: every scenario passes, the last line is the JSON summary, and a second start reuses the state', async () => {
    const state = mkdtempSync(join(tmpdir(), 'kouan-demo-'));
    process.env.KOUAN_DEMO_OPERATOR_PORT = '0'; // any free port: the test may share the machine with a running demo
    try {
      for (const round of ['first', 'second']) {
        const run = await kouanAsync(['demo', '--headless', '--state', state]);
        expect(run.code, `${round} run:\n${run.stdout}\n${run.stderr}`).toBe(0);
        const last = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { scenarios: Record<string, string> };
        expect(last.scenarios).toEqual({
          'a-deidentified-trial': 'passed',
          'b-sensitive-needs-assessment': 'passed',
          'c-ftz-annotations': 'passed',
          'd-revoked-consumer': 'passed',
          'e-overdue-filing': 'passed',
        });
        expect(run.stdout).toContain('EXPORT_ASSESSMENT_MISSING');
        expect(run.stdout).toContain('EXPORT_CONTRACT_FILING_OVERDUE');
      }
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 120_000);
});
