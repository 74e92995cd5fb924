import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as opaWasm from '@open-policy-agent/opa-wasm';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError, KouanError } from '../core/errors.ts';
import { ENTRYPOINTS, EXPLAIN_ENTRYPOINT, INPUT_CHECKS, STAGES, type Decision, type Entrypoint, type Explanation, type StagedEntrypoint } from './decision.ts';

const POLICIES = new URL('../../policies/', import.meta.url).pathname;
// The package's ESM entry re-exports only loadPolicy; loadPolicySync lives on its default export.
const { loadPolicySync } = (opaWasm as unknown as { default: typeof opaWasm }).default;
// @types/node declares WebAssembly's types but not its global constructors.
const WasmModule = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WebAssembly.Module } }).WebAssembly.Module;

export interface PolicyFiles {
  /** The compiled bundle (opa build -t wasm). */
  wasm: string;
  /** A folder of JSON data documents, one top-level key each, merged into `data`. */
  dataDir: string;
  /** A folder with `<name>-input.schema.json` for each entrypoint. */
  schemaDir: string;
}

export const defaultPolicyFiles: PolicyFiles = {
  wasm: join(POLICIES, 'build/policy.wasm'),
  dataDir: join(POLICIES, 'data'),
  schemaDir: join(POLICIES, 'schemas'),
};

export type PolicyData = Record<string, unknown>;

/** Reads every *.json in a folder and merges their top-level keys; two files may not claim one key. */
export function readPolicyData(dir: string): PolicyData {
  const data: PolicyData = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as PolicyData;
    for (const [key, value] of Object.entries(doc)) {
      if (Object.hasOwn(data, key)) throw new InputError(`policy data key '${key}' appears twice (again in ${file})`);
      data[key] = value;
    }
  }
  return data;
}

/** What a failed validation found, at most ten problems, each as `<path> <message> (<extra property>)`. */
export const problemsOf = (validator: ValidateFunction): string[] =>
  (validator.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);

/**
 * One instance of the compiled policies with its data loaded. Evaluates through the module's `opa_eval` export as the
 * SDK's own fast path does (ABI 1.2), but writes the input JSON straight into wasm memory and reads the result in
 * place: no intermediate buffers, a few µs less per decision and less garbage.
 */
class PolicyInstance {
  static readonly #encoder = new TextEncoder();
  static readonly #decoder = new TextDecoder();
  readonly #policy: LoadedPolicy;
  readonly #eval: OpaEval | undefined;

  constructor(module: WebAssembly.Module, data: PolicyData) {
    this.#policy = loadPolicySync(module);
    this.#policy.setData(data);
    const { exports } = this.#policy.wasmInstance as unknown as { exports: { opa_eval?: OpaEval } };
    this.#eval = Number(this.#policy.minorVersion) >= 2 ? exports.opa_eval : undefined;
  }

  /**
   * Standing terms of staged decisions (STAGES), as JSON, by entrypoint and the JSON of the input they were worked
   * out from; the most recently used last. They belong to this instance: new data, new instance, none of the old terms.
   */
  readonly standings = new Map<string, string>();

  evaluate(entrypoint: string, input: unknown): unknown {
    // (The SDK itself handles what it treats as "no input": undefined, null, false, 0, "".)
    if (!input) return this.#policy.evaluate(input, entrypoint);
    return this.evaluateJson(entrypoint, JSON.stringify(input));
  }

  /** Evaluates an entrypoint on input given as JSON text. */
  evaluateJson(entrypoint: string, json: string): unknown {
    const id = (this.#policy.entrypoints as Record<string, number>)[entrypoint];
    if (this.#eval === undefined || id === undefined) return this.#policy.evaluate(JSON.parse(json), entrypoint);
    const policy = this.#policy;
    const at = policy.dataHeapPtr as number;
    const room = json.length * 3; // UTF-8 bytes at most
    const missing = at + room - policy.mem.buffer.byteLength;
    if (missing > 0) policy.mem.grow(Math.ceil(missing / 65536));
    const { written } = PolicyInstance.#encoder.encodeInto(json, new Uint8Array(policy.mem.buffer, at, room));
    const result = this.#eval(0, id, policy.dataAddr, at, written, at + written, 0);
    const memory = new Uint8Array(policy.mem.buffer); // opa_eval may have grown it
    return JSON.parse(PolicyInstance.#decoder.decode(memory.subarray(result, memory.indexOf(0, result))));
  }
}

/** The first result of an evaluation, or undefined. */
const resultOf = (results: unknown): unknown => (results as Array<{ result?: unknown }> | undefined)?.[0]?.result;

/** How many standing terms each engine instance keeps (a transfer's requests share one). */
const STANDING_CAPACITY = 2048;

/** The root keywords under which an object schema is the conjunction of its properties' own schemas. */
const DECOMPOSABLE = new Set(['$schema', '$id', 'title', 'description', 'type', 'additionalProperties', 'required', 'properties', 'definitions']);

/**
 * For a staged entrypoint, a validator of its per-request members alone, when the input schema allows it: a plain
 * object schema (no keyword relating one member to another) is met exactly when its other members met it once and
 * these meet their own schemas now. Undefined otherwise, and then every input is validated whole.
 */
function perRequestSchema(schema: Record<string, unknown>, members: readonly string[]): object | undefined {
  if (!Object.keys(schema).every((k) => DECOMPOSABLE.has(k)) || schema.type !== 'object') return undefined;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const required = (schema.required ?? []) as string[];
  return {
    type: 'object',
    properties: Object.fromEntries(members.filter((m) => m in properties).map((m) => [m, properties[m]])),
    required: required.filter((r) => members.includes(r)),
    ...(schema.definitions ? { definitions: schema.definitions } : {}),
  };
}

interface Validators {
  whole: Map<Entrypoint, ValidateFunction>;
  perRequest: Map<StagedEntrypoint, ValidateFunction>;
}

type OpaEval = (reserved: number, entrypoint: number, data: number, input: number, inputLength: number, heap: number, format: number) => number;

/**
 * Evaluates the compiled Rego policies in-process. Inputs are validated against each entrypoint's
 * published schema first, and a decision that the policy's own input checks refused (INPUT_CHECKS) is turned
 * into the same error (bad input is an error, never a silent deny). Data can be replaced at run
 * time: a new instance is built with the new data and swapped in whole, so no evaluation ever sees
 * half of the old data and half of the new.
 */
export class PolicyEngine {
  readonly #module: WebAssembly.Module;
  readonly #validators: Validators;
  #instance: PolicyInstance;
  #data: PolicyData;

  private constructor(module: WebAssembly.Module, validators: Validators, data: PolicyData) {
    this.#module = module;
    this.#validators = validators;
    this.#data = data;
    this.#instance = new PolicyInstance(module, data);
  }

  static load(files: PolicyFiles = defaultPolicyFiles, data?: PolicyData): PolicyEngine {
    const module = new WasmModule(readFileSync(files.wasm));
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validators: Validators = { whole: new Map(), perRequest: new Map() };
    for (const [entrypoint, schemaFile] of Object.entries(ENTRYPOINTS) as Array<[Entrypoint, string]>) {
      const schema = JSON.parse(readFileSync(join(files.schemaDir, schemaFile), 'utf8')) as Record<string, unknown>;
      validators.whole.set(entrypoint, ajv.compile(schema));
      const stages = (STAGES as Partial<Record<Entrypoint, (typeof STAGES)[StagedEntrypoint]>>)[entrypoint];
      const partial = stages ? perRequestSchema(schema, stages.perRequest) : undefined;
      if (partial) validators.perRequest.set(entrypoint as StagedEntrypoint, ajv.compile(partial));
    }
    return new PolicyEngine(module, validators, data ?? readPolicyData(files.dataDir));
  }

  get data(): PolicyData {
    return this.#data;
  }

  /**
   * A separate engine on the same compiled policies and input schemas, with other data: for trying data out
   * (docs/policy/bundles.md) without touching the data this engine decides with.
   */
  withData(data: PolicyData): PolicyEngine {
    return new PolicyEngine(this.#module, this.#validators, data);
  }

  /** Replaces the policy data (negative lists, thresholds, holidays...) without recompiling; all or nothing. */
  replaceData(data: PolicyData): void {
    const next = new PolicyInstance(this.#module, data);
    this.#instance = next;
    this.#data = data;
  }

  /** Validates the input against the entrypoint's schema; throws InputError naming each problem. */
  validate(entrypoint: Entrypoint, input: unknown): void {
    const validator = this.#validators.whole.get(entrypoint);
    if (!validator) throw new InputError(`unknown entrypoint '${entrypoint}'`);
    PolicyEngine.#check(entrypoint, validator, input);
  }

  static #check(entrypoint: Entrypoint, validator: ValidateFunction, input: unknown): void {
    if (!validator(input)) {
      const problems = problemsOf(validator);
      throw new InputError(`invalid ${entrypoint} input: ${problems.join('; ')}`, { problems });
    }
  }

  evaluate(entrypoint: Entrypoint, input: unknown): Decision {
    this.validate(entrypoint, input);
    return this.evaluateTrusted(entrypoint, input);
  }

  /**
   * The export decision explained (docs/policy/export.md, "Explaining a decision"): the same decision as
   * `evaluate('kouan/export/decision', input)`, with every row of the decision table and its conditions. Bad input
   * throws as it does there.
   */
  explainExport(input: unknown): Explanation {
    this.validate('kouan/export/decision', input);
    const explanation = resultOf(this.#instance.evaluate(EXPLAIN_ENTRYPOINT, input)) as Explanation | undefined;
    if (!explanation || !Array.isArray(explanation.rows)) throw new KouanError('INTERNAL', `policy ${EXPLAIN_ENTRYPOINT} returned nothing`);
    PolicyEngine.#checked('kouan/export/decision', explanation.decision);
    return explanation;
  }

  /** Evaluates input that this process built and already trusts to match the schema (the hot path). */
  evaluateTrusted(entrypoint: Entrypoint, input: unknown): Decision {
    return PolicyEngine.#checked(entrypoint, resultOf(this.#instance.evaluate(entrypoint, input)) as Decision | undefined);
  }

  /**
   * The same decision as `evaluate`, in the entrypoint's two stages (STAGES), for the same inputs: every input is
   * validated against the entrypoint's schema. The standing terms of the input without its per-request members are
   * worked out the first time that standing input is seen, after the whole input is validated, and kept for the
   * next calls with the same one; those calls validate their per-request members (the rest is the input validated
   * before, byte for byte) and evaluate only the per-request stage. Replaced data drops every kept standing.
   */
  evaluateStaged(entrypoint: StagedEntrypoint, input: Record<string, unknown>): Decision {
    const stages = STAGES[entrypoint];
    const instance = this.#instance;
    const fixed: Record<string, unknown> = {};
    let perRequest = '';
    for (const [key, value] of Object.entries(input)) {
      if ((stages.perRequest as readonly string[]).includes(key)) {
        if (value !== undefined) perRequest += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
      } else fixed[key] = value;
    }
    const json = JSON.stringify(fixed);
    const key = `${entrypoint}\n${json}`;
    let standing = instance.standings.get(key);
    const perRequestValidator = this.#validators.perRequest.get(entrypoint);
    if (standing === undefined || perRequestValidator === undefined) this.validate(entrypoint, input);
    else PolicyEngine.#check(entrypoint, perRequestValidator, input);
    if (standing === undefined) {
      const terms = resultOf(instance.evaluateJson(stages.standing, json));
      if (terms === undefined) throw new KouanError('INTERNAL', `policy ${stages.standing} returned nothing`);
      standing = JSON.stringify(terms);
      if (instance.standings.size >= STANDING_CAPACITY) instance.standings.delete(instance.standings.keys().next().value!);
    } else instance.standings.delete(key);
    instance.standings.set(key, standing);
    return PolicyEngine.#checked(entrypoint, resultOf(instance.evaluateJson(stages.decide, `{"standing":${standing}${perRequest}}`)) as Decision | undefined);
  }

  static #checked(entrypoint: string, decision: Decision | undefined): Decision {
    if (!decision || typeof decision.allow !== 'boolean') {
      throw new KouanError('INTERNAL', `policy ${entrypoint} returned no decision`);
    }
    const first = decision.reasons[0];
    if (first !== undefined && first.code === INPUT_CHECKS[entrypoint as Entrypoint]) {
      const problems = first.problems ?? [first.message];
      throw new InputError(`invalid ${entrypoint} input: ${problems.join('; ')}`, { problems });
    }
    if (!decision.allow && decision.reasons.length === 0) {
      throw new KouanError('INTERNAL', `policy ${entrypoint} refused without a reason`);
    }
    return decision;
  }
}
