import { runDemo, summary } from '../demo/run.ts';
import { untilSignalled } from './connector.ts';
import { EXIT, type Group } from './command.ts';

export const demo: Group = {
  name: 'demo',
  summary: 'Run a whole demo data space on loopback: registry, four connectors, five scenarios.',
  defaultCommand: 'run',
  commands: [
    {
      name: 'run',
      summary: 'Start the demo, run its scenarios, print a summary and the operator dashboard URL; keep running until Ctrl-C (or exit with --headless).',
      usage: '[--state DIR] [--headless]',
      options: { state: { type: 'string' }, headless: { type: 'boolean' } },
      help: { state: 'Folder for the demo state (default .state/demo); a second start reuses it.', headless: 'Run the scenarios, print one JSON line {"scenarios": {...}} last, and exit.' },
      async run(values, _p, io) {
        const run = await runDemo(String(values.state ?? '.state/demo'), (line) => io.out(line));
        io.out(summary(run.results));
        const passed = run.results.every((r) => r.outcome === 'passed');
        if (values.headless) {
          await run.stop();
          io.out(JSON.stringify({ scenarios: Object.fromEntries(run.results.map((r) => [r.name, r.outcome])) }));
          return passed ? EXIT.ok : EXIT.failed;
        }
        io.out('');
        const { registry } = run.world;
        // The key rides in the fragment, which the browser keeps to itself: it reaches neither the server nor its logs.
        io.out(`Operator dashboard: ${registry.dashboardUrl}#key=${encodeURIComponent(registry.apiKey)}`);
        io.out(`Operator API (ledger, participants): ${registry.operatorUrl}/health  (x-api-key: see ${run.world.state}/registry/operator-api-key)`);
        io.out('Logs of every process are under the state folder, in logs/. Press Ctrl-C to stop.');
        await untilSignalled();
        await run.stop();
        return passed ? EXIT.ok : EXIT.failed;
      },
    },
  ],
};
