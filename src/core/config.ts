import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from './errors.ts';

/** Marks a string key as a file-system path, resolved against the config file's folder. */
const path = (description: string, fallback: string) => Type.String({ description, default: fallback, minLength: 1, 'x-path': true });

export const TlsSection = Type.Object(
  {
    ca: path('The data-space CA certificate (PEM).', 'certs/ca.crt'),
    crl: path("The CA's certificate revocation list (PEM); revocation is checked against it, hard fail.", 'certs/ca.crl'),
    cert: path("This participant's certificate (PEM), used as TLS server and client certificate.", 'certs/participant.crt'),
    key: path("This participant's private key (PEM, mode 0600).", 'certs/participant.key'),
    crlPollMs: Type.Integer({ description: 'How often the CRL file is checked for a new version, in milliseconds (a revocation cuts running streams within this, plus a quarter second).', default: 1000, minimum: 50 }),
  },
  { description: 'Mutual TLS: identity and trust.', default: {}, additionalProperties: false },
);

export const TokenSection = Type.Object(
  {
    skewSeconds: Type.Integer({ description: 'Clock skew tolerated when checking exp/nbf/iat, in seconds.', default: 30, minimum: 0, maximum: 120 }),
    requestTtlSeconds: Type.Integer({ description: 'Lifetime of the request tokens this participant issues, in seconds (at most 300).', default: 120, minimum: 5, maximum: 300 }),
  },
  { description: 'Signed request tokens.', default: {}, additionalProperties: false },
);

export const LogSection = Type.Object(
  {
    level: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], {
      description: 'Minimum level written to the JSON log.',
      default: 'info',
    }),
  },
  { description: 'Structured logging (pino, JSON on stdout).', default: {}, additionalProperties: false },
);

export const ListenSection = (port: number) =>
  Type.Object(
    {
      host: Type.String({ description: 'Address to listen on.', default: '127.0.0.1' }),
      port: Type.Integer({ description: 'TCP port to listen on (0 picks a free one).', default: port, minimum: 0, maximum: 65535 }),
    },
    { description: 'Where the mutual-TLS endpoint listens.', default: {}, additionalProperties: false },
  );

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false, coerceTypes: false });

/** Validates a raw config against its schema, filling in defaults; a bad key stops the start with every problem named. */
export function parseConfig<S extends TObject>(schema: S, raw: unknown, source = 'config'): Static<S> {
  const value = structuredClone(raw ?? {}) as Record<string, unknown>;
  const validate = ajv.compile(schema);
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
    throw new ConfigError(`${source}: ${problems.join('; ')}`, { problems });
  }
  return value as Static<S>;
}

/** Reads a JSON config file; path-valued keys are resolved against the file's folder. */
export function loadConfigFile<S extends TObject>(schema: S, file: string): Static<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
  const config = parseConfig(schema, raw, file);
  resolvePaths(schema, config as Record<string, unknown>, dirname(resolve(file)));
  return config;
}

function resolvePaths(schema: TSchema, value: Record<string, unknown>, base: string): void {
  for (const [key, sub] of Object.entries((schema as TObject).properties ?? {})) {
    const v = value[key];
    if ((sub as Record<string, unknown>)['x-path'] && typeof v === 'string' && !isAbsolute(v)) value[key] = resolve(base, v);
    else if (v && typeof v === 'object' && !Array.isArray(v) && (sub as TObject).properties) resolvePaths(sub, v as Record<string, unknown>, base);
  }
}

export interface ConfigRow {
  key: string;
  type: string;
  default: string;
  description: string;
}

/** One row per leaf key, for the README's configuration reference. */
export function describeConfig(schema: TSchema, prefix = ''): ConfigRow[] {
  const s = schema as TObject & { anyOf?: TSchema[] };
  if (s.properties) {
    return Object.entries(s.properties).flatMap(([key, sub]) => describeConfig(sub, prefix ? `${prefix}.${key}` : key));
  }
  const one = (o: { const?: unknown; type?: unknown }) => (o.const !== undefined ? JSON.stringify(o.const) : String(o.type ?? 'any'));
  const type = s.anyOf ? s.anyOf.map((o) => one(o as { const?: unknown; type?: unknown })).join(' \\| ') : String(s.type ?? 'any');
  return [{ key: prefix, type, default: JSON.stringify(s.default), description: String(s.description ?? '') }];
}
