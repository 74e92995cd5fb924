/**
 * The decision's obligations, applied to one record: fields dropped, masked or replaced by a keyed pseudonym
 * (HMAC-SHA-256 under a key derived for the agreement, so pseudonyms are stable within an agreement and
 * differ across agreements), and the subject's keyed hash for counting (never the raw id).
 */
import { createHmac } from 'node:crypto';
import type { Obligation } from '../policy/decision.ts';
import { parseField, rewriteAt, type FieldPath } from './pointers.ts';

export type DataRecord = Record<string, unknown>;

export interface FieldRules {
  drop: string[];
  mask: string[];
  pseudonymise: string[];
}

export interface Limits {
  /** Records the stream may still forward (max_records), or Infinity. */
  records: number;
  /** New persons the exporter may still provide this year (max_subjects), or Infinity. */
  subjects: number;
  sensitiveSubjects: number;
  /** New persons the agreement may still reach (max_data_subjects), or Infinity. */
  agreementSubjects: number;
}

const fieldsOf = (obligations: Obligation[], type: string): string[] =>
  obligations.filter((o) => o.type === type).flatMap((o) => (Array.isArray(o.fields) ? (o.fields as string[]) : []));

const limit = (obligations: Obligation[], type: string, key: string): number => {
  const values = obligations.filter((o) => o.type === type && typeof o[key] === 'number').map((o) => o[key] as number);
  return values.length ? Math.max(0, Math.min(...values)) : Number.POSITIVE_INFINITY;
};

export function rulesFrom(obligations: Obligation[]): { fields: FieldRules; limits: Limits } {
  return {
    fields: { drop: fieldsOf(obligations, 'drop_fields'), mask: fieldsOf(obligations, 'mask_fields'), pseudonymise: fieldsOf(obligations, 'pseudonymise_fields') },
    limits: {
      records: limit(obligations, 'max_records', 'records'),
      subjects: limit(obligations, 'max_subjects', 'subjects'),
      sensitiveSubjects: limit(obligations, 'max_subjects', 'sensitive_subjects'),
      agreementSubjects: limit(obligations, 'max_data_subjects', 'subjects'),
    },
  };
}

/** Keys of one connector: one for counting subjects (the same person counts once per exporter), one root for pseudonyms. */
export class RecordKeys {
  readonly #counting: Buffer;
  readonly #pseudonymRoot: Buffer;

  constructor(secret: Buffer) {
    this.#counting = createHmac('sha256', secret).update('kouan subject counting v1').digest();
    this.#pseudonymRoot = createHmac('sha256', secret).update('kouan pseudonyms v1').digest();
  }

  subjectHash(id: unknown): string {
    return createHmac('sha256', this.#counting).update(String(id)).digest('base64url');
  }

  pseudonymKey(agreementId: string): Buffer {
    return createHmac('sha256', this.#pseudonymRoot).update(agreementId).digest();
  }
}

export const MASK = '***';

/** Keyed pseudonyms of one agreement, remembered up to a limit (the same value always gives the same pseudonym in an agreement). */
export class Pseudonyms {
  readonly #key: Buffer;
  readonly #seen = new Map<string, string>();
  readonly #limit: number;

  constructor(key: Buffer, limit = 100_000) {
    this.#key = key;
    this.#limit = limit;
  }

  of(value: unknown): string {
    const text = String(value);
    let pseudonym = this.#seen.get(text);
    if (pseudonym === undefined) {
      pseudonym = `ps_${createHmac('sha256', this.#key).update(text).digest('base64url').slice(0, 22)}`;
      if (this.#seen.size >= this.#limit) this.#seen.clear(); // bounded memory on very long streams
      this.#seen.set(text, pseudonym);
    }
    return pseudonym;
  }
}

interface CompiledRules {
  drop: Set<string>;
  mask: Set<string>;
  pseudonymise: Set<string>;
  nested: Array<{ path: FieldPath; rule: 'drop' | 'mask' | 'pseudonymise' }>;
}

const compiled = new WeakMap<FieldRules, CompiledRules>();

/** Top-level names (plain or as a one-segment pointer) in sets, nested pointers as paths; once per rules object. */
function compile(rules: FieldRules): CompiledRules {
  let c = compiled.get(rules);
  if (c === undefined) {
    c = { drop: new Set(), mask: new Set(), pseudonymise: new Set(), nested: [] };
    for (const rule of ['drop', 'mask', 'pseudonymise'] as const) {
      for (const field of rules[rule]) {
        const path = parseField(field);
        if (path.length === 1 && path[0] !== '*') c[rule].add(path[0]!);
        else c.nested.push({ path, rule });
      }
    }
    compiled.set(rules, c);
  }
  return c;
}

/**
 * Applies the field rules to a record, building the output in one pass (a new object; the input is not
 * changed): dropped fields are never copied, masked and pseudonymised ones are replaced on the way. Nested
 * fields (JSON Pointers, ./pointers.ts) are then rewritten on copies of the containers that lead to them.
 */
export function applyFieldRules(record: DataRecord, rules: FieldRules, pseudonyms: Pseudonyms): DataRecord {
  const c = compile(rules);
  const out: DataRecord = {};
  for (const key of Object.keys(record)) {
    if (c.drop.has(key)) continue;
    const value = record[key];
    out[key] = value === null ? null : c.mask.has(key) ? MASK : c.pseudonymise.has(key) ? pseudonyms.of(value) : value;
  }
  for (const { path, rule } of c.nested) {
    rewriteAt(out, path, (value) => (rule === 'drop' ? undefined : value === null ? null : rule === 'mask' ? MASK : pseudonyms.of(value)));
  }
  return out;
}
