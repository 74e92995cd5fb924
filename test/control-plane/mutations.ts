/**
 * Malformed request bodies generated from a valid example and its JSON Schema: at every property path the
 * value is deleted (when required), replaced by each JSON type the schema does not allow, pushed past each
 * bound the schema declares (length, pattern, range, item count, enum), nested deeply, and given unknown or
 * prototype-polluting siblings. Each case says which words its refusal message should contain.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The JSON Schema keywords the management schemas use (TypeBox emits plain JSON Schema). */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
}

export interface Mutation {
  /** What was done, e.g. "classification.pi.subjects set to a string". */
  label: string;
  kind: string;
  path: string[];
  /** The request body as sent (already serialized: some cases are not expressible as a JS value). */
  text: string;
  /** The refusal message should contain one of these (the offending property, or the offending value). */
  mentions: string[];
}

/** Stands for a value spliced into the serialized body as raw JSON text. */
const RAW = '\u0000raw:';
const raw = (jsonText: string): string => `${RAW}${jsonText}`;
/** A key renamed after serialization (JSON.stringify drops a literal __proto__ key set on an object literal). */
const RAW_KEY = '\u0000key:';

function serialize(value: Json): string {
  return JSON.stringify(value)
    .replace(/"\\u0000raw:((?:[^"\\]|\\.)*)"/g, (_m, text: string) => JSON.parse(`"${text}"`) as string)
    .replace(/"\\u0000key:([^"]*)"/g, '"$1"');
}

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

export const DEEP = 10_000;
export const HUGE_ARRAY = 20_000;

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
const pretty = (path: string[]) => (path.length ? path.join('.') : 'the body');
const leaf = (path: string[]) => [...path].reverse().find((p) => !/^\d+$/.test(p)) ?? 'body';

/** The JSON types a schema admits; null when it admits anything. */
function admits(schema: Schema): Set<string> | null {
  if (schema.anyOf) {
    const all = new Set<string>();
    for (const branch of schema.anyOf) {
      const types = admits(branch);
      if (!types) return null;
      types.forEach((t) => all.add(t));
    }
    return all;
  }
  if (schema.type) {
    const types = new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
    if (types.has('number')) types.add('integer');
    return types;
  }
  if (schema.const !== undefined) return new Set([jsonType(schema.const)]);
  return null;
}

const WRONG_TYPES: Array<[string, Json]> = [
  ['null', null],
  ['a boolean', true],
  ['an integer', 42],
  ['a string', 'text'],
  ['an empty array', []],
  ['an object', { nested: 'value' }],
];

/** Path traversal in an identifier: refused whatever characters the identifier pattern allows. */
export const TRAVERSALS: Array<[string, string]> = [
  ['a path traversal after a first segment', 'a/../../etc/passwd'],
  ['a leading ../ traversal', '../../etc/passwd'],
  ['an absolute path', '/etc/passwd'],
  ['an encoded traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['a Windows traversal', 'a\\..\\..\\boot.ini'],
];

/** Strings that break an identifier-like or URL pattern: unicode look-alikes, control characters, other schemes. */
export const PATTERN_BREAKERS: Array<[string, string]> = [
  ['a space', 'has space'],
  ['a full-width look-alike', 'ａｓｓｅｔ'],
  ['a Cyrillic look-alike', '\u0430sset'],
  ['a zero-width space', 'as\u200Bset'],
  ['a right-to-left override', 'as\u202Eset'],
  ['a NUL character', 'as\u0000set'],
  ['a lone surrogate', 'as\uD800set'],
  ['a non-http scheme', 'ftp://example.com/data'],
  ['a javascript: URL', 'javascript:alert(1)'],
];

function setAt(root: Json, path: string[], value: Json | undefined): Json {
  const copy = structuredClone(root);
  if (path.length === 0) return value ?? null;
  let node = copy as Record<string, Json> | Json[];
  for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key] as Record<string, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete (node as Record<string, Json>)[last];
  else (node as Record<string, Json>)[last] = value;
  return copy;
}

/** Every malformed variant of `valid` that `schema` should refuse. */
export function mutations(schema: Schema, valid: Json): Mutation[] {
  const out: Mutation[] = [];
  const add = (kind: string, path: string[], what: string, body: Json, mentions: string[] = [leaf(path)]) =>
    out.push({ label: `${pretty(path)} ${what}`, kind, path, text: serialize(body), mentions });
  const put = (path: string[], value: Json | undefined) => setAt(valid, path, value);

  const walk = (node: Schema, value: Json, path: string[]) => {
    const types = admits(node);
    if (types && path.length > 0) {
      for (const [name, wrong] of WRONG_TYPES) {
        if (!types.has(jsonType(wrong))) add('wrong-type', path, `set to ${name}`, put(path, wrong));
      }
      if (types.has('integer') && !types.has('number')) add('wrong-type', path, 'set to a fraction', put(path, 4.2));
      if (!types.has('array')) add('deep-nesting', path, `set to an array nested ${DEEP} deep`, put(path, raw(deepArray(DEEP))));
    }
    if (node.anyOf?.every((b) => b.const !== undefined || b.type === 'null')) {
      add('enum', path, 'set to a value outside its enumeration', put(path, 'not-one-of-them'));
      add('enum', path, 'set to an enumerated value in other case', put(path, String(node.anyOf.find((b) => b.const !== undefined)!.const).toUpperCase()));
    }
    if (node.type === 'string') {
      if (node.maxLength !== undefined) {
        const base = typeof value === 'string' ? value : '';
        add('too-long', path, `longer than ${node.maxLength} characters`, put(path, base + 'x'.repeat(node.maxLength + 1 - base.length)));
        add('too-long', path, `longer than ${node.maxLength} characters of astral code points`, put(path, base.slice(0, 8) + '😀'.repeat(node.maxLength + 1)));
      }
      if ((node.minLength ?? 0) > 0) add('too-short', path, 'set to an empty string', put(path, ''));
      if (node.pattern && /\bid\b|identifier/i.test(node.description ?? '')) {
        for (const [name, text] of TRAVERSALS) add('path-traversal', path, `set to ${name}`, put(path, text), [leaf(path), text]);
      }
      if (node.pattern?.startsWith('^https?://')) {
        add('bad-url', path, 'set to a URL without a host', put(path, 'https://'), [leaf(path), 'URL']);
        add('bad-url', path, 'set to an unparseable URL', put(path, 'http://[::1:8443/dsp'), [leaf(path), 'URL']);
      }
      if (node.pattern) {
        const re = new RegExp(node.pattern, 'u');
        for (const [name, text] of PATTERN_BREAKERS) {
          if (!re.test(text)) add('pattern', path, `set to ${name}`, put(path, text), [leaf(path), text]);
        }
      }
    }
    if (node.type === 'integer' || node.type === 'number') {
      if (node.minimum !== undefined) add('out-of-range', path, `below its minimum ${node.minimum}`, put(path, node.minimum - 1));
      if (node.maximum !== undefined) add('out-of-range', path, `above its maximum ${node.maximum}`, put(path, node.maximum + 1));
      add('out-of-range', path, 'set to 1e400 (beyond a double)', put(path, raw('1e400')));
    }
    if (node.type === 'array' && Array.isArray(value)) {
      const item: Json = value[0] ?? 'x';
      if (node.maxItems !== undefined) add('too-many', path, `with ${node.maxItems + 1} items`, put(path, Array.from({ length: node.maxItems + 1 }, () => item)));
      // As many items as fit well under the body limit, so the item count is what gets refused.
      const huge = Math.min(HUGE_ARRAY, Math.floor(900_000 / (JSON.stringify(item).length + 1)));
      add('huge-array', path, `with ${huge} items`, put(path, raw(`[${Array.from({ length: huge }, () => JSON.stringify(item)).join(',')}]`)));
      if ((node.minItems ?? 0) > 0) add('too-few', path, 'empty', put(path, []));
      if (node.items && value.length > 0) walk(node.items, value[0]!, [...path, '0']);
    }
    if (node.type === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of node.required ?? []) add('missing', [...path, key], 'missing', put([...path, key], undefined), [key]);
      if (node.additionalProperties === false) {
        add('unknown-key', [...path, 'unexpectedKey'], 'added as an unknown property', put([...path, 'unexpectedKey'], 'surprise'), ['unexpectedKey']);
      }
      add('prototype-pollution', [...path, '__proto__'], 'added (prototype pollution)', put([...path, `${RAW_KEY}__proto__`], { polluted: true }), ['__proto__']);
      add('prototype-pollution', [...path, 'constructor'], 'added with a prototype (prototype pollution)', put([...path, `${RAW_KEY}constructor`], { prototype: { polluted: true } }), ['constructor', 'prototype']);
      if (node.additionalProperties !== false) {
        add('deep-nesting', [...path, 'deep'], `added as an object nested ${DEEP} deep`, put([...path, 'deep'], raw(deepObject(DEEP))), ['deep', 'depth', 'nest']);
      }
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (key in value) walk(child, value[key]!, [...path, key]);
      }
    }
    if (!types && path.length > 0) {
      add('deep-nesting', path, `set to an array nested ${DEEP} deep`, put(path, raw(deepArray(DEEP))), [leaf(path), 'depth', 'nest']);
      add('deep-nesting', path, `set to an object nested ${DEEP} deep`, put(path, raw(deepObject(DEEP))), [leaf(path), 'depth', 'nest']);
    }
  };
  walk(schema, valid, []);
  return out;
}

export interface RawRequest {
  label: string;
  kind: string;
  body: string | Buffer | null;
  contentType: string | null;
  /** The status the refusal should have (e.g. 413, 415); any 4xx when absent. */
  status?: number;
  mentions: string[];
}

/** Bodies that are wrong as a whole: not JSON, not an object, the wrong media type, too large. */
export function wholeBodyCases(valid: Json, bodyLimit: number): RawRequest[] {
  const text = JSON.stringify(valid);
  const json = 'application/json';
  const firstString = text.indexOf('":"') + 3;
  return [
    { label: 'an empty body declared as JSON', kind: 'empty', body: '', contentType: json, mentions: ['empty'] },
    { label: 'no body and no content type', kind: 'empty', body: null, contentType: null, mentions: ['body'] },
    { label: 'truncated JSON', kind: 'not-json', body: text.slice(0, -7), contentType: json, mentions: ['JSON'] },
    { label: 'JSON with a trailing comma', kind: 'not-json', body: `${text.slice(0, -1)},}`, contentType: json, mentions: ['JSON'] },
    { label: 'single-quoted pseudo-JSON', kind: 'not-json', body: text.replaceAll('"', "'"), contentType: json, mentions: ['JSON'] },
    { label: 'JSON with a NaN literal', kind: 'not-json', body: `${text.slice(0, -1)},"n":NaN}`, contentType: json, mentions: ['JSON'] },
    { label: 'invalid UTF-8 bytes inside its first string', kind: 'unicode', body: Buffer.concat([Buffer.from(text.slice(0, firstString)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(text.slice(firstString))]), contentType: json, mentions: ['JSON', 'UTF', 'pattern'] },
    { label: 'UTF-16 encoded JSON', kind: 'unicode', body: Buffer.from(text, 'utf16le'), contentType: 'application/json; charset=utf-16le', mentions: ['JSON', 'charset', 'Media'] },
    { label: 'a JSON array', kind: 'root-type', body: `[${text}]`, contentType: json, mentions: ['body', 'object'] },
    { label: 'a JSON string', kind: 'root-type', body: JSON.stringify(text), contentType: json, mentions: ['body', 'object'] },
    { label: 'a JSON number', kind: 'root-type', body: '42', contentType: json, mentions: ['body', 'object'] },
    { label: 'JSON null', kind: 'root-type', body: 'null', contentType: json, mentions: ['body', 'object'] },
    { label: 'JSON true', kind: 'root-type', body: 'true', contentType: json, mentions: ['body', 'object'] },
    { label: 'the valid body as text/plain', kind: 'content-type', body: text, contentType: 'text/plain', mentions: ['body', 'object', 'Media'] },
    { label: 'a form-encoded body', kind: 'content-type', body: 'id=x&title=y', contentType: 'application/x-www-form-urlencoded', status: 415, mentions: ['Media'] },
    { label: 'an XML body', kind: 'content-type', body: '<asset id="x"/>', contentType: 'application/xml', status: 415, mentions: ['Media'] },
    { label: 'a multipart body', kind: 'content-type', body: '--b\r\ncontent-disposition: form-data; name="id"\r\n\r\nx\r\n--b--\r\n', contentType: 'multipart/form-data; boundary=b', status: 415, mentions: ['Media'] },
    { label: 'the valid body under an unknown JSON-looking type', kind: 'content-type', body: text, contentType: 'application/jsonx', status: 415, mentions: ['Media'] },
    { label: `a body one byte over the ${bodyLimit}-byte limit`, kind: 'too-large', body: `{"pad":"${'x'.repeat(bodyLimit - 9)}"}`, contentType: json, status: 413, mentions: ['large'] },
    { label: 'a body of 4 MiB', kind: 'too-large', body: `{"pad":"${'x'.repeat(4 * 1024 * 1024)}"}`, contentType: json, status: 413, mentions: ['large'] },
    { label: 'an array nested 100000 deep', kind: 'deep-nesting', body: deepArray(100_000), contentType: json, mentions: ['body', 'object'] },
  ];
}
