/**
 * Writes docs/configuration.md from the config schemas (every key, its type, default and description).
 * `--check` fails when the committed file differs from what the schemas say.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { TObject } from '@sinclair/typebox';
import { describeConfig } from '../src/core/config.ts';
import { ConnectorConfigSchema } from '../src/main/connector-config.ts';
import { RegistryConfigSchema } from '../src/main/registry-config.ts';

const FILE = new URL('../docs/configuration.md', import.meta.url).pathname;

const table = (title: string, command: string, schema: TObject) => [
  `## ${title}`,
  '',
  `\`${command}\` reads a JSON file; every key is optional and takes the default shown. Paths are relative to the file's folder.`,
  '',
  '| key | type | default | description |',
  '|---|---|---|---|',
  ...describeConfig(schema).map((r) => `| \`${r.key}\` | ${r.type} | \`${r.default}\` | ${r.description.replace(/\|/g, '\\|')} |`),
  '',
];

const text = [
  '# Configuration reference',
  '',
  'Generated from the config schemas by `npm run docs:config`; CI fails when it is stale. A key that is not in the',
  'schema, or a value of the wrong type, stops the process at start with every problem named.',
  '',
  ...table('Connector', 'kouan connector start --config FILE', ConnectorConfigSchema),
  ...table('Registry', 'kouan registry start --config FILE', RegistryConfigSchema),
].join('\n');

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(FILE, 'utf8');
  } catch {
    /* missing */
  }
  if (current !== text) {
    console.error('docs/configuration.md is stale: run npm run docs:config and commit it');
    process.exit(1);
  }
  console.error('docs/configuration.md is up to date');
} else {
  writeFileSync(FILE, text);
  console.error(`wrote ${FILE}`);
}
