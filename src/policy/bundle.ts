/**
 * Policy-data bundles (docs/policy/bundles.md): a version, the time of issue and some of the data documents the
 * policies read. Before data is used it must pass two checks here: the data schema (policies/schemas/
 * data.schema.json: known keys only, each document carrying what the Rego reads) and a trial evaluation of every
 * entrypoint in a scratch engine, so that data which breaks evaluation never reaches the engine that decides.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { KouanError } from '../core/errors.ts';
import { isEntrypoint } from './decision.ts';
import { defaultPolicyFiles, problemsOf, type PolicyData, type PolicyEngine } from './engine.ts';

/** What the registry signs: the detached JWS is over the RFC 8785 form of exactly these three members. */
export interface PolicyBundle {
  /** Positive, strictly increasing per registry. */
  version: number;
  /** ISO 8601 time of publication. */
  issued: string;
  /** Data documents by top-level key; keys not carried keep the connector's built-in documents. */
  data: PolicyData;
}

/** A bundle as served and kept: with the registry's signature and the certificate whose key made it. */
export interface SignedPolicyBundle extends PolicyBundle {
  signature: string;
  certificatePem: string;
}

/** What a connector shows of the data in force and of the last bundle it refused. */
export interface PolicyDataStatus {
  /** The version in force; null while the built-in documents are. */
  version: number | null;
  issued: string | null;
  refused: { version: number | null; code: string; message: string; at: string } | null;
}

export const signedPart = ({ version, issued, data }: PolicyBundle): PolicyBundle => ({ version, issued, data });

const invalid = (message: string): KouanError => new KouanError('POLICY_BUNDLE_INVALID', message);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a bundle off the wire: every member present with its type, nothing else trusted yet. */
export function readSignedBundle(value: unknown): SignedPolicyBundle {
  if (!isObject(value)) throw invalid('the bundle is not a JSON object');
  const { version, issued, data, signature, certificatePem } = value;
  if (!Number.isSafeInteger(version) || (version as number) < 1) throw invalid('version must be a positive integer');
  if (typeof issued !== 'string' || Number.isNaN(Date.parse(issued))) throw invalid('issued must be an ISO 8601 time');
  if (!isObject(data)) throw invalid('data must be an object of data documents');
  if (typeof signature !== 'string' || typeof certificatePem !== 'string') throw invalid('the bundle carries no signature or no certificate');
  return { version: version as number, issued, data, signature, certificatePem };
}

let checks: { schema: ValidateFunction; inputs: Array<[string, unknown]> } | null = null;

/** The data schema and the trial inputs, read once from the policies' schema folder. */
function loadChecks(): NonNullable<typeof checks> {
  if (checks) return checks;
  const read = (file: string): unknown => JSON.parse(readFileSync(join(defaultPolicyFiles.schemaDir, file), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const { inputs } = read('smoke-inputs.json') as { inputs: Record<string, unknown> };
  checks = { schema: ajv.compile(read('data.schema.json') as object), inputs: Object.entries(inputs) };
  return checks;
}

/**
 * The data a bundle puts in force: `defaults` with the documents the bundle carries in place of theirs. Throws
 * POLICY_BUNDLE_INVALID when a document fails the schema or any entrypoint fails to decide with the result.
 */
export function checkPolicyData(engine: PolicyEngine, data: PolicyData, defaults: PolicyData): PolicyData {
  const { schema, inputs } = loadChecks();
  if (!schema(data)) {
    const problems = problemsOf(schema);
    throw new KouanError('POLICY_BUNDLE_INVALID', `the policy data fails its schema: ${problems.join('; ')}`, { problems });
  }
  const merged = { ...defaults, ...data };
  const scratch = engine.withData(merged);
  for (const [entrypoint, input] of inputs) {
    if (!isEntrypoint(entrypoint)) throw new Error(`smoke-inputs.json names an unknown entrypoint ${entrypoint}`);
    try {
      scratch.evaluate(entrypoint, input);
    } catch (error) {
      throw invalid(`${entrypoint} cannot decide with this data: ${(error as Error).message}`);
    }
  }
  return merged;
}

/**
 * The HTTP entity tag of a published bundle: its version and a digest of its signature. A version is never reused by
 * one registry, but a restored database could serve another bundle under a version a connector already holds.
 */
export const policyDataTag = (bundle: { version: number; signature: string }): string =>
  `"kouan-policy-data-${bundle.version}-${createHash('sha256').update(bundle.signature).digest('hex').slice(0, 16)}"`;

/** Whether an If-None-Match header names the entity tag (RFC 9110 sec. 13.1.2: a list, weak comparison, or *). */
export const ifNoneMatch = (header: string | undefined, etag: string): boolean =>
  header !== undefined && header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
