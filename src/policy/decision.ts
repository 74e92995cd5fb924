/** What every Kouan policy answers. */
export interface Reason {
  /** Stable code, declared in the policy's METADATA custom.code. */
  code: string;
  message: string;
  /** The rule's legal or contractual basis, e.g. "Provisions art. 7(2)". */
  basis: string;
  /** "deny" refuses the flow; "info" explains the path. Absent means deny. */
  effect?: 'deny' | 'info';
  /** On a bad-input reason (INPUT_CHECKS), each problem the policy found, naming the offending member. */
  problems?: string[];
}

export type ExportPath = 'forbidden' | 'security_assessment' | 'standard_contract_or_certification' | 'exempt';

export interface Obligation {
  type: string;
  [key: string]: unknown;
}

export interface Decision {
  allow: boolean;
  path?: ExportPath;
  reasons: Reason[];
  warnings: Reason[];
  obligations: Obligation[];
}

/** The entrypoints compiled into policies/build/policy.wasm, each with the schema of its input. */
export const ENTRYPOINTS = {
  'kouan/export/decision': 'export-input.schema.json',
  'kouan/contract/decision': 'contract-input.schema.json',
  'kouan/gateway/decision': 'gateway-input.schema.json',
} as const;

export type Entrypoint = keyof typeof ENTRYPOINTS;

/**
 * The policy's own input checks: what JSON Schema cannot say (one member against another, codes against a list in
 * policy data). A decision whose deciding reason carries this code describes no lawful flow: it is bad input (an
 * InputError, exit 2 on the command line), never a refusal. The checks themselves live in the Rego, one source.
 */
export const INPUT_CHECKS: Partial<Record<Entrypoint, string>> = {
  'kouan/export/decision': 'EXPORT_INPUT_INVALID',
};

/**
 * Decisions compiled in two stages as well (docs/policy/gateway.md): `standing` reads the input without the
 * `perRequest` members and gives what stays the same from one request to the next; `decide` finishes the decision
 * from `{standing, <perRequest members>}`. The entrypoint itself runs both in one evaluation.
 */
export const STAGES = {
  'kouan/gateway/decision': { standing: 'kouan/gateway/standing', decide: 'kouan/gateway/per_request/decision', perRequest: ['now', 'usage', 'cumulative'] },
} as const;

export type StagedEntrypoint = keyof typeof STAGES;

export const isEntrypoint = (name: string): name is Entrypoint => Object.hasOwn(ENTRYPOINTS, name);

/** The reasons that refuse (deny), as opposed to those that explain the path. */
export const denials = (decision: Decision): Reason[] => decision.reasons.filter((r) => r.effect !== 'info');

/** One row of the export decision table as an input met it (kouan/export/explain). */
export interface ExplainedRow {
  row: number;
  title: string;
  code: string;
  basis: string;
  /** The path the row names (for a free-trade-zone row that did not match, a placeholder). */
  path: ExportPath;
  /** Every condition held. */
  matched: boolean;
  /** This row decided the path: the lowest matched row. */
  deciding: boolean;
  conditions: Array<{ text: string; holds: boolean }>;
}

/** The export decision with every row of its decision table, in table order, from the same rules that decided. */
export interface Explanation {
  decision: Decision;
  deciding_row: number | null;
  rows: ExplainedRow[];
}

/** The entrypoint that explains kouan/export/decision. */
export const EXPLAIN_ENTRYPOINT = 'kouan/export/explain';
