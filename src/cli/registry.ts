import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { systemClock } from '../core/clock.ts';
import { ConfigError, InputError } from '../core/errors.ts';
import { readPolicyData } from '../policy/engine.ts';
import { RegistryConfigSchema } from '../main/registry-config.ts';
import { startRegistry } from '../main/registry.ts';
import { verifyLedger } from '../registry/ledger/verify.ts';
import { openPostgresRegistryStores } from '../registry/storage/postgres/index.ts';
import type { RegistryStores } from '../registry/storage/ports.ts';
import { openSqliteRegistryStores } from '../registry/storage/sqlite/index.ts';
import { readCertificate } from '../trust/identity.ts';
import { EXIT, required, type Group } from './command.ts';
import { startCommand } from './connector.ts';

export const registry: Group = {
  name: 'registry',
  summary: 'Run the data-port registry (record intake over mutual TLS, hash-chained ledger, operator API); publish policy data.',
  commands: [
    startCommand('registry', RegistryConfigSchema, (config) => startRegistry(config), (r) => ({ participantId: r.participantId, intake: r.intakeUrl, operator: r.operatorUrl, dashboard: r.dashboardUrl })),
    {
      name: 'publish-policy-data',
      summary: 'Publish the data documents of a folder as the next signed policy-data bundle (docs/policy/bundles.md); exit 3 when the registry refuses them.',
      usage: '--dir DIR --operator URL --api-key-file FILE',
      options: { dir: { type: 'string' }, operator: { type: 'string' }, 'api-key-file': { type: 'string' } },
      help: {
        dir: 'A folder of *.json data documents, one top-level key each (as policies/data); keys not given stay the built-in ones.',
        operator: 'The operator API base URL, e.g. http://127.0.0.1:8451/operator/v1.',
        'api-key-file': "A file holding the operator API key (e.g. the registry's stateDir/operator-api-key); never given on the command line.",
      },
      async run(values, _p, io) {
        const dir = required(values, 'dir');
        let data;
        try {
          data = readPolicyData(dir);
        } catch (error) {
          throw error instanceof InputError ? error : new InputError(`cannot read the data documents in ${dir}: ${(error as Error).message}`);
        }
        const apiKey = readFileSync(required(values, 'api-key-file'), 'utf8').trim();
        const r = await request(`${required(values, 'operator').replace(/\/$/, '')}/policy-data`, {
          method: 'POST',
          headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
          body: JSON.stringify(data),
        });
        const body = (await r.body.json()) as { version?: number; issued?: string; code?: string; message?: string };
        if (r.statusCode !== 201) {
          io.err(`kouan: ${body.code ?? r.statusCode}: ${body.message ?? 'the registry refused the policy data'}`);
          return EXIT.refused;
        }
        io.out(JSON.stringify({ version: body.version, issued: body.issued, keys: Object.keys(data) }));
        return EXIT.ok;
      },
    },
  ],
};

const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//.test(db);

export const ledger: Group = {
  name: 'ledger',
  summary: "Check the registry's hash-chained ledger.",
  commands: [
    {
      name: 'verify',
      summary: 'Recompute the whole chain, its checkpoints, receipts and head: exit 0 when whole, 1 naming the first broken entry and its reason code.',
      usage: '--db FILE|URL [--schema NAME] --ca FILE (--registry-cert FILE | --state-dir DIR) [--receipts] [--signatures] [--max-unsigned-age S] [--checkpoint-every N] [--json]',
      options: {
        db: { type: 'string' }, schema: { type: 'string' }, ca: { type: 'string' }, 'registry-cert': { type: 'string' }, 'state-dir': { type: 'string' },
        receipts: { type: 'boolean' }, signatures: { type: 'boolean' }, 'max-unsigned-age': { type: 'string' }, 'checkpoint-every': { type: 'string' }, 'parallel-from': { type: 'string' }, json: { type: 'boolean' },
      },
      help: {
        db: 'The registry database: a SQLite file, or a postgres:// URL.',
        schema: 'PostgreSQL schema of the registry (default kouan_registry).',
        ca: 'The data-space CA (PEM): the registry certificate and every registered participant certificate must be issued by it.',
        'registry-cert': "The registry's certificate (PEM, its tls.cert): only ledger keys it vouches for count. Never taken from the database.",
        'state-dir': "The registry's state folder: its registry-certificate.pem stands for --registry-cert.",
        receipts: 'Check every receipt (in worker threads), not only those after the last checkpoint and in a segment that fails.',
        signatures: 'Also check every record\'s signature against the certificate registered for its participant when it was appended (implies --receipts).',
        'max-unsigned-age': 'Seconds an entry may stand without a checkpoint over it (default 10; the registry checkpoints every ledger.checkpointSeconds).',
        'checkpoint-every': "The registry's ledger.checkpointEvery: a checkpoint must stand at each multiple of it (not checked when not given).",
        'parallel-from': 'Walk a chain of at least this many entries in two threads, each half on its own connection (default 100000).',
        json: 'Print the verdict as one JSON object on stdout.',
      },
      async run(values, _p, io) {
        const db = required(values, 'db');
        const ca = readPem(required(values, 'ca'), 'the CA certificate');
        const registryCertFile = typeof values['registry-cert'] === 'string' ? values['registry-cert'] : typeof values['state-dir'] === 'string' ? join(values['state-dir'], 'registry-certificate.pem') : null;
        if (registryCertFile === null) throw new InputError("give --registry-cert (or --state-dir): the registry's certificate must come from outside the database");
        const registryCertificate = readPem(registryCertFile, "the registry's certificate");
        if (!(registryCertificate.checkIssued(ca) && registryCertificate.verify(ca.publicKey))) throw new InputError(`${registryCertFile} is not issued by the CA ${String(values.ca)}`);
        const maxUnsignedAgeSeconds = positive(values, 'max-unsigned-age') ?? 10;
        const checkpointEvery = positive(values, 'checkpoint-every');
        const parallelFrom = positive(values, 'parallel-from');
        const schema = typeof values.schema === 'string' ? values.schema : undefined;
        let stores: RegistryStores;
        try {
          stores = isPostgresUrl(db)
            ? await openPostgresRegistryStores(db, { readOnly: true, poolSize: 2, ...(schema ? { schema } : {}) })
            : openSqliteRegistryStores(db, { readOnly: true });
        } catch (error) {
          // Not a registry database (or none at all) is bad input, not a broken ledger.
          if (error instanceof ConfigError) throw new InputError(error.message);
          throw error;
        }
        const started = performance.now();
        try {
          const result = await verifyLedger(stores.ledger, {
            ca, registryCertificate, maxUnsignedAgeSeconds, now: systemClock.now(),
            ...(checkpointEvery === undefined ? {} : { checkpointEvery: Math.floor(checkpointEvery) }),
            receipts: values.receipts === true,
            parallel: { db, ...(schema ? { schema } : {}), ...(parallelFrom === undefined ? {} : { from: parallelFrom }) },
            ...(values.signatures === true ? { signatures: { participants: stores.participants } } : {}),
            progress: (walked, head) => io.err(`kouan: verified ${walked} of ${head} entries (${((performance.now() - started) / 1000).toFixed(1)} s)`),
          });
          const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
          if (values.json === true) io.out(JSON.stringify({ ...result, seconds }));
          if (result.ok) {
            if (values.json !== true) {
              io.out(`ledger whole: ${result.entries} entries, head seq ${result.head.seq} ${result.head.hash}`);
              io.out(`  ${result.checkpoints} checkpoints verified; ${result.unsignedTail} entries after the last one; ${result.receipts} receipts and ${result.signatures} record signatures checked; ${seconds} s`);
            }
            return EXIT.ok;
          }
          io.err(`kouan: ledger broken at seq ${result.seq}: ${result.code}: ${result.reason}`);
          for (const more of result.also) io.err(`  also seq ${more.seq}: ${more.code}: ${more.reason}`);
          return EXIT.failed;
        } finally {
          await stores.close();
        }
      },
    },
  ],
};

function readPem(file: string, what: string): X509Certificate {
  try {
    return readCertificate(readFileSync(file));
  } catch {
    throw new InputError(`cannot read ${what} ${file}`);
  }
}

function positive(values: Record<string, unknown>, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`--${name} must be a positive number`);
  return n;
}
