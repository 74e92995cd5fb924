import { readFileSync } from 'node:fs';
import { request } from 'undici';
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
      summary: 'Recompute the whole chain, its checkpoints and head: exit 0 when whole, 1 naming the first broken entry.',
      usage: '--db FILE|URL [--schema NAME] [--ca FILE]',
      options: { db: { type: 'string' }, schema: { type: 'string' }, ca: { type: 'string' } },
      help: {
        db: 'The registry database: a SQLite file, or a postgres:// URL.',
        schema: 'PostgreSQL schema of the registry (default kouan_registry).',
        ca: 'The data-space CA (PEM): checkpoint keys must be vouched for by a certificate it issued.',
      },
      async run(values, _p, io) {
        const db = required(values, 'db');
        let ca;
        if (typeof values.ca === 'string') {
          try {
            ca = readCertificate(readFileSync(values.ca));
          } catch {
            throw new InputError(`cannot read the CA certificate ${values.ca}`);
          }
        }
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
          const result = await verifyLedger(stores.ledger, ca ? { ca } : {});
          const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
          io.out(JSON.stringify({ ...result, seconds }));
          if (result.ok) return EXIT.ok;
          io.err(`kouan: ledger broken at seq ${result.seq}: ${result.reason}`);
          return EXIT.failed;
        } finally {
          await stores.close();
        }
      },
    },
  ],
};
