/**
 * Strict input handling shared by Kouan's JSON APIs: bodies are parsed without prototype keys and with a
 * nesting limit, validated without type coercion (42 is not "42"), and every schema error names the property
 * and what was expected.
 */
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError } from '../core/errors.ts';

export const MAX_DEPTH = 32;

/** Where a parsed JSON value nests arrays and objects deeper than `limit` (a path), or null. */
function tooDeep(value: unknown, limit: number): string[] | null {
  const stack: Array<[unknown, string[]]> = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= limit) return path;
    for (const [key, child] of Object.entries(v as Record<string, unknown>)) stack.push([child, [...path, key]]);
  }
  return null;
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new InputError('the body is empty; send a JSON document');
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = (error as Error).message;
    if (/prototype/i.test(message)) throw new InputError('the body holds a forbidden key (__proto__ or constructor.prototype)');
    throw new InputError(`the body is not valid JSON: ${message}`);
  }
  const deep = tooDeep(value, MAX_DEPTH);
  if (deep) throw new InputError(`the body nests deeper than ${MAX_DEPTH} levels at /${deep.slice(0, 6).join('/')}/…`);
  return value;
}

function describe(error: ErrorObject, dataVar: string): string {
  const at = `${dataVar}${error.instancePath}`;
  const p = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${at} has an unknown property '${String(p.additionalProperty)}'`;
  if (error.keyword === 'required') return `${at} is missing '${String(p.missingProperty)}'`;
  if (error.keyword === 'const') return `${at} must be ${JSON.stringify(p.allowedValue)}`;
  if (error.keyword === 'enum') return `${at} must be one of ${JSON.stringify(p.allowedValues)}`;
  return `${at} ${error.message ?? 'is invalid'}`;
}

/** One readable message from schema errors: each problem once, unions summarised by their options. */
export function schemaErrorMessage(errors: ErrorObject[], dataVar: string): string {
  const consts = new Map<string, unknown[]>();
  const lines: string[] = [];
  for (const error of errors) {
    if (error.keyword === 'const') {
      const at = `${dataVar}${error.instancePath}`;
      consts.set(at, [...(consts.get(at) ?? []), (error.params as { allowedValue: unknown }).allowedValue]);
    } else if (error.keyword !== 'anyOf') {
      lines.push(describe(error, dataVar));
    }
  }
  for (const [at, values] of consts) lines.push(values.length > 1 ? `${at} must be one of ${JSON.stringify(values)}` : `${at} must be ${JSON.stringify(values[0])}`);
  return [...new Set(lines)].slice(0, 10).join('; ') || 'the input does not match its schema';
}

const ajvFor = (coerce: boolean) => {
  const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false });
  addFormats.default(ajv);
  return ajv;
};

/**
 * Registers the JSON parser, the validators (bodies never coerced; query strings and path parameters are text
 * and are coerced to the numbers their schemas ask for) and the error wording.
 */
export const strictJson = fp(
  async (app: FastifyInstance) => {
    const bodies = ajvFor(false);
    const parameters = ajvFor(true);
    const compiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => (httpPart === 'body' ? bodies : parameters).compile(schema) as never;
    app.setValidatorCompiler(compiler);
    app.setSchemaErrorFormatter((errors, dataVar) => new InputError(schemaErrorMessage(errors as ErrorObject[], dataVar)));
    app.removeContentTypeParser(['application/json']);
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
      try {
        let text: string;
        try {
          text = utf8.decode(body);
        } catch {
          throw new InputError('the body is not valid UTF-8');
        }
        done(null, parseJsonBody(text));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  },
  { name: 'kouan-strict-json' },
);
