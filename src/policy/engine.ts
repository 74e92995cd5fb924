import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as opaWasm from '@open-policy-agent/opa-wasm';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError, KouanError } from '../core/errors.ts';
import { ENTRYPOINTS, type Decision, type Entrypoint } from './decision.ts';

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

/**
 * Evaluates the compiled Rego policies in-process. Inputs are validated against each entrypoint's
 * published schema first (bad input is an error, never a silent deny). Data can be replaced at run
 * time: a new instance is built with the new data and swapped in whole, so no evaluation ever sees
 * half of the old data and half of the new.
 */
export class PolicyEngine {
  readonly #module: WebAssembly.Module;
  readonly #validators: Map<Entrypoint, ValidateFunction>;
  #instance: LoadedPolicy;
  #data: PolicyData;

  private constructor(module: WebAssembly.Module, validators: Map<Entrypoint, ValidateFunction>, data: PolicyData) {
    this.#module = module;
    this.#validators = validators;
    this.#data = data;
    this.#instance = PolicyEngine.#instantiate(module, data);
  }

  static load(files: PolicyFiles = defaultPolicyFiles, data?: PolicyData): PolicyEngine {
    const module = new WasmModule(readFileSync(files.wasm));
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validators = new Map<Entrypoint, ValidateFunction>();
    for (const [entrypoint, schemaFile] of Object.entries(ENTRYPOINTS) as Array<[Entrypoint, string]>) {
      validators.set(entrypoint, ajv.compile(JSON.parse(readFileSync(join(files.schemaDir, schemaFile), 'utf8')) as object));
    }
    return new PolicyEngine(module, validators, data ?? readPolicyData(files.dataDir));
  }

  static #instantiate(module: WebAssembly.Module, data: PolicyData): LoadedPolicy {
    const instance = loadPolicySync(module);
    instance.setData(data);
    return instance;
  }

  get data(): PolicyData {
    return this.#data;
  }

  /** Replaces the policy data (negative lists, thresholds, holidays...) without recompiling; all or nothing. */
  replaceData(data: PolicyData): void {
    const next = PolicyEngine.#instantiate(this.#module, data);
    this.#instance = next;
    this.#data = data;
  }

  /** Validates the input against the entrypoint's schema; throws InputError naming each problem. */
  validate(entrypoint: Entrypoint, input: unknown): void {
    const validator = this.#validators.get(entrypoint);
    if (!validator) throw new InputError(`unknown entrypoint '${entrypoint}'`);
    if (!validator(input)) {
      const problems = (validator.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
      throw new InputError(`invalid ${entrypoint} input: ${problems.join('; ')}`, { problems });
    }
  }

  evaluate(entrypoint: Entrypoint, input: unknown): Decision {
    this.validate(entrypoint, input);
    return this.evaluateTrusted(entrypoint, input);
  }

  /** Evaluates input that this process built and already trusts to match the schema (the hot path). */
  evaluateTrusted(entrypoint: Entrypoint, input: unknown): Decision {
    const results = this.#instance.evaluate(input, entrypoint) as Array<{ result?: Decision }> | undefined;
    const decision = results?.[0]?.result;
    if (!decision || typeof decision.allow !== 'boolean') {
      throw new KouanError('INTERNAL', `policy ${entrypoint} returned no decision`);
    }
    if (!decision.allow && decision.reasons.length === 0) {
      throw new KouanError('INTERNAL', `policy ${entrypoint} refused without a reason`);
    }
    return decision;
  }
}
