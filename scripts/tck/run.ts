/**
 * `npm run tck`: the DSP conformance kit against a fresh Kouan connector in the conformance profile.
 *
 * Writes a connector config and the kit's properties (from scripts/tck/tck.properties.example) into a temporary
 * folder, starts `kouan connector start --config` on loopback (free ports), runs scripts/tck.sh, prints the kit's
 * "Passed tests:" / "Failed tests:" lines with a count per module, stops the connector, and exits 1 when fewer
 * tests passed than scripts/tck/minimum-passed records (2 when the kit could not run at all).
 *
 * Environment: TCK_WAIT (the kit's default.wait in seconds, default 5); TCK_ONLY (a regex over test ids, passed on
 * to tck.sh; the minimum does not apply, any failure fails); TCK_CONNECTOR_LOG (the connector's log level, default
 * info); TCK_KEEP=1 keeps the temporary folder (connector config and log, kit properties and log) after the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = (file: string) => join(root, 'scripts', 'tck', file);
const HOST = '127.0.0.1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the connector; resolves with its DSP URL once it listens. Its log goes to `logFile`. */
function startConnector(configFile: string, logFile: string) {
  const child = spawn(process.execPath, [join(root, 'bin', 'kouan.js'), 'connector', 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  const listening = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      log.write(chunk);
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"management"') && l.includes('"dsp"'));
      if (line) resolve((JSON.parse(line) as { dsp: string }).dsp);
    });
    child.once('exit', (code) => reject(new Error(`the connector exited with ${code} before listening; see ${logFile}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { listening, stop };
}

function kitProperties(dsp: string, kitPort: number, wait: number): string {
  const origin = new URL(dsp).origin;
  const set: Record<string, string> = {
    'dataspacetck.port': String(kitPort),
    'dataspacetck.callback.address': `http://${HOST}:${kitPort}`,
    'dataspacetck.dsp.default.wait': String(wait),
    'dataspacetck.dsp.connector.http.url': dsp,
    'dataspacetck.dsp.connector.http.base.url': origin,
    'dataspacetck.dsp.connector.negotiation.initiate.url': `${origin}/tck/negotiations/requests`,
    'dataspacetck.dsp.connector.transfer.initiate.url': `${origin}/tck/transfers/requests`,
  };
  const lines = readFileSync(here('tck.properties.example'), 'utf8').split('\n').map((line) => {
    const key = line.split('=', 1)[0]!.trim();
    return !line.startsWith('#') && key in set ? `${key}=${set[key]}` : line;
  });
  return `${lines.join('\n')}\n`;
}

function runKit(properties: string, logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const kit = spawn('bash', [join(root, 'scripts', 'tck.sh'), properties], { stdio: 'inherit', env: { ...process.env, TCK_LOG: logFile } });
    kit.once('exit', (code) => resolve(code ?? 2));
  });
}

/** Passed / failed per module (MET, CAT, CN, CN_C, TP, TP_C) from the kit's SUCCESSFUL / FAILED lines. */
function perModule(log: string): string[] {
  const counts = new Map<string, { passed: number; failed: number }>();
  for (const [, outcome, module] of log.matchAll(/\b(SUCCESSFUL|FAILED): ([A-Z_]+):\d\d-\d\d/g)) {
    const entry = counts.get(module!) ?? { passed: 0, failed: 0 };
    entry[outcome === 'SUCCESSFUL' ? 'passed' : 'failed'] += 1;
    counts.set(module!, entry);
  }
  return [...counts].map(([module, c]) => `  ${module.padEnd(5)} passed ${c.passed}, failed ${c.failed}`);
}

async function main(): Promise<number> {
  const minimum = Number(readFileSync(here('minimum-passed'), 'utf8').trim());
  const dir = mkdtempSync(join(tmpdir(), 'kouan-tck-'));
  const configFile = join(dir, 'connector.json');
  writeFileSync(configFile, JSON.stringify({
    stateDir: join(dir, 'state'),
    profile: 'conformance',
    dsp: { listen: { host: HOST, port: 0 } },
    management: { listen: { host: HOST, port: 0 } },
    gateway: { listen: { host: HOST, port: 0 } },
    metrics: { enabled: false },
    manager: { intervalMs: 50 },
    log: { level: process.env.TCK_CONNECTOR_LOG ?? 'info' },
  }, null, 2));
  const connectorLog = join(dir, 'connector.log');
  const kitLog = join(dir, 'tck.log');
  const connector = startConnector(configFile, connectorLog);
  let status = 2;
  try {
    const dsp = await connector.listening;
    const properties = join(dir, 'tck.properties');
    writeFileSync(properties, kitProperties(dsp, await freePort(), Number(process.env.TCK_WAIT ?? 5)));
    console.log(`tck: connector ${dsp} (log ${connectorLog})`);
    const started = process.hrtime.bigint();
    const kit = await runKit(properties, kitLog);
    const seconds = Number((process.hrtime.bigint() - started) / 1_000_000n) / 1000;
    const log = readFileSync(kitLog, 'utf8');
    const [passed, failed] = ['Passed', 'Failed'].map((what) => Number(new RegExp(`${what} tests: (\\d+)`).exec(log)?.[1] ?? NaN)) as [number, number];
    if (kit === 2 || Number.isNaN(passed)) {
      console.error('tck: the kit did not run to the end (see above)');
    } else if (process.env.TCK_ONLY) {
      console.log(['', `==== per module (${seconds.toFixed(0)} s; TCK_ONLY: no minimum)`, ...perModule(log)].join('\n'));
      status = failed === 0 ? 0 : 1;
    } else {
      console.log(['', `==== per module (${seconds.toFixed(0)} s)`, ...perModule(log), `==== ${passed} passed; at least ${minimum} required (scripts/tck/minimum-passed)`].join('\n'));
      status = passed >= minimum ? 0 : 1;
    }
  } finally {
    await connector.stop();
    if (process.env.TCK_KEEP === '1' || status !== 0) console.log(`tck: logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return status;
}

process.exitCode = await main().catch((error: Error) => {
  console.error(`tck: ${error.message}`);
  return 2;
});
