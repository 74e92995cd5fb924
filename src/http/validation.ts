/**
 * Strict input handling shared by Kouan's JSON APIs: bodies are parsed without prototype keys and with a
 * nesting limit (jsonBodies, also on its own for apps that keep their own validators), validated without type
 * coercion (42 is not "42"), and every schema error names the property
 * and what was expected.
 */
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError, KouanError } from '../core/errors.ts';

/** The deepest a JSON body may nest arrays and objects; Kouan's documents need a handful of levels. */
export const MAX_DEPTH = 32;

interface Node {
  value: unknown;
  depth: number;
  key: string;
  parent: Node | null;
}

/**
 * Where a parsed JSON value nests arrays and objects deeper than `limit` (a path), or null. Iterative, with an
 * explicit stack: it must hold against the very nesting it refuses (code that walks JSON recursively, like the
 * canonicaliser, runs only on values this has passed).
 */
function tooDeep(value: unknown, limit: number): string[] | null {
  const stack: Node[] = [{ value, depth: 0, key: '', parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.value === null || typeof node.value !== 'object') continue;
    if (node.depth >= limit) {
      const path: string[] = [];
      for (let n: Node | null = node; n?.parent; n = n.parent) path.push(n.key);
      return path.reverse();
    }
    for (const [key, child] of Object.entries(node.value as Record<string, unknown>)) stack.push({ value: child, depth: node.depth + 1, key, parent: node });
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
  if (deep) throw new KouanError('INPUT_TOO_DEEP', `the body nests deeper than ${MAX_DEPTH} levels at /${deep.slice(0, 6).join('/')}/…`, { maxDepth: MAX_DEPTH });
  return value;
}

/**
 * Parses JSON bodies strictly (parseJsonBody: valid UTF-8, no prototype keys, at most MAX_DEPTH levels), before
 * any validator, canonicaliser or route sees them. Size is the app's bodyLimit (INPUT_TOO_LARGE, 413).
 */
export const jsonBodies = fp(
  async (app: FastifyInstance) => {
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
  { name: 'kouan-json-bodies' },
);

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
    await app.register(jsonBodies);
  },
  { name: 'kouan-strict-json' },
);
