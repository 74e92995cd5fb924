/**
 * Credit-and-risk grading (docs/registry/supervision.md): a score per participant from what its record says, mapped
 * to a grade A–D, each grade with a sampling rate for spot checks. Pure: the caller counts the inputs (supervision.ts
 * walks the ledger for them) and passes the parameters, which the operator publishes with the grades.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../core/errors.ts';

export const GRADES = ['A', 'B', 'C', 'D'] as const;
/** A is the best record, D the worst; a later letter is stricter. */
export type Grade = (typeof GRADES)[number];

export const REFUSAL_STAGES = ['negotiation', 'transfer', 'data-plane', 'data-plane-stream'] as const;
export type RefusalStage = (typeof REFUSAL_STAGES)[number];

const Weight = (description: string, value: number) => Type.Number({ minimum: 0, maximum: 100, default: value, description });
const Rate = (grade: Grade, value: number) => Type.Number({ minimum: 0, maximum: 1, default: value, description: `Share of grade ${grade}'s flows marked for a spot check (0 to 1).` });
const Floor = (grade: Grade, value: number) => Type.Number({ minimum: 0, maximum: 100, default: value, description: `Lowest score still graded ${grade}.` });

/** The published parameters: weights, grade floors, sampling rates, look-back window (registry config `credit`). */
export const CreditParametersSchema = Type.Object(
  {
    windowDays: Type.Integer({ minimum: 1, maximum: 3660, default: 365, description: 'Look-back window: refusals, threshold attempts, suspensions and revocations older than this many days no longer count.' }),
    weights: Type.Object(
      {
        refusal: Type.Object(
          {
            negotiation: Weight('Points off per refusal at negotiation (an offer that could not become an agreement).', 1),
            transfer: Weight('Points off per refusal at transfer start.', 2),
            'data-plane': Weight('Points off per refusal of a data-plane request (data was asked for and did not move).', 4),
            'data-plane-stream': Weight('Points off per stream stopped part-way (records may already have left).', 6),
          },
          { default: {}, additionalProperties: false, description: "Refusals recorded by the participant's connector as exporter, by stage." },
        ),
        thresholdAttempt: Weight('Points off per refusal carrying a threshold code (counted instead of its stage weight).', 15),
        overdueFiling: Weight('Points off per standard-contract filing overdue at the time of grading.', 10),
        suspension: Weight('Points off per suspension by the operator within the window.', 25),
        revocation: Weight("Points off per certificate of the participant the data-space CA revoked within the window (its CRL).", 20),
      },
      { default: {}, additionalProperties: false, description: 'Points taken off the score of 100 per counted event.' },
    ),
    thresholdCodes: Type.Array(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }), {
      default: ['GATEWAY_THRESHOLD_REACHED'],
      description: "Reason codes that mark a denial as an attempt to cross a regulatory subject-count threshold (the gateway's cumulative cap, at request or mid-stream).",
    }),
    floors: Type.Object({ A: Floor('A', 90), B: Floor('B', 75), C: Floor('C', 50) }, { default: {}, additionalProperties: false, description: 'Score floors of the grades; below the C floor is D.' }),
    rates: Type.Object({ A: Rate('A', 0.01), B: Rate('B', 0.05), C: Rate('C', 0.25), D: Rate('D', 1) }, { default: {}, additionalProperties: false, description: 'Spot-check sampling rate per grade.' }),
  },
  { default: {}, additionalProperties: false, description: 'Credit-and-risk grading and spot-check sampling (docs/registry/supervision.md).' },
);
export type CreditParameters = Static<typeof CreditParametersSchema>;

/** What is counted of one participant at one instant (docs/registry/supervision.md, "Inputs"). */
export interface CreditInputs {
  /** Denial records it sent as exporter within the window, without a threshold code, by stage. */
  refusals: Record<RefusalStage, number>;
  /** Denial records within the window carrying a threshold code. */
  thresholdAttempts: number;
  /** Standard-contract filing deadlines of its agreements that are past due and still open. */
  overdueFilings: number;
  /** Suspensions by the operator that began within the window. */
  suspensions: number;
  /** Its certificates the CA's CRL revokes, revoked within the window. */
  revocations: number;
}

export const noInputs = (): CreditInputs => ({ refusals: { negotiation: 0, transfer: 0, 'data-plane': 0, 'data-plane-stream': 0 }, thresholdAttempts: 0, overdueFilings: 0, suspensions: 0, revocations: 0 });

export interface Contribution {
  input: string;
  count: number;
  weight: number;
  points: number;
}

export interface Grading {
  score: number;
  grade: Grade;
  contributions: Contribution[];
}

/** Score = max(0, 100 − Σ count × weight); the grade is the best one whose floor the score reaches. */
export function grade(inputs: CreditInputs, p: CreditParameters): Grading {
  const counted: Array<[string, number, number]> = [
    ...REFUSAL_STAGES.map((stage): [string, number, number] => [`refusals.${stage}`, inputs.refusals[stage], p.weights.refusal[stage]]),
    ['thresholdAttempts', inputs.thresholdAttempts, p.weights.thresholdAttempt],
    ['overdueFilings', inputs.overdueFilings, p.weights.overdueFiling],
    ['suspensions', inputs.suspensions, p.weights.suspension],
    ['revocations', inputs.revocations, p.weights.revocation],
  ];
  const contributions = counted.map(([input, count, weight]) => ({ input, count, weight, points: count * weight }));
  const score = Math.max(0, 100 - contributions.reduce((sum, c) => sum + c.points, 0));
  return { score, grade: gradeOfScore(score, p), contributions };
}

export const gradeOfScore = (score: number, p: CreditParameters): Grade => (score >= p.floors.A ? 'A' : score >= p.floors.B ? 'B' : score >= p.floors.C ? 'C' : 'D');

/** The stricter of a computed grade and the operator's, when it set one. */
export const stricter = (computed: Grade, operator: Grade | null): Grade =>
  operator !== null && GRADES.indexOf(operator) > GRADES.indexOf(computed) ? operator : computed;

export const rateOf = (g: Grade, p: CreditParameters): number => p.rates[g];

/** Floors must fall from A to C and rates must not fall from A to D: a stricter grade is never sampled less. */
export function checkCreditParameters(p: CreditParameters): CreditParameters {
  if (!(p.floors.A >= p.floors.B && p.floors.B >= p.floors.C)) throw new ConfigError('credit.floors: A >= B >= C is required', { floors: p.floors });
  if (!(p.rates.A <= p.rates.B && p.rates.B <= p.rates.C && p.rates.C <= p.rates.D)) throw new ConfigError('credit.rates: A <= B <= C <= D is required', { rates: p.rates });
  return p;
}
