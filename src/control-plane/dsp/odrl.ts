/**
 * ODRL as the Dataspace Protocol carries it (unprefixed terms, rightOperand a string, object or array)
 * and Kouan's UsagePolicy, which the contract policy evaluates. Unknown terms are carried through so that
 * the policy can refuse them with a reason; nothing is silently dropped.
 */
import type { Constraint, Duty, UsagePolicy } from '../model.ts';

const COUNT_OPERANDS = new Set(['maxRequests', 'maxRecords', 'maxDataSubjects']);

type Json = Record<string, unknown>;

const actionOf = (action: unknown): string => {
  if (typeof action === 'string') return action.replace(/^(odrl:|http:\/\/www\.w3\.org\/ns\/odrl\/2\/)/, '');
  if (action && typeof action === 'object') return actionOf((action as Json)['@id'] ?? (action as Json).action);
  return String(action);
};

const asList = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : value && typeof value === 'object' ? [value as Json] : []);

function constraintFromDsp(c: Json): Constraint {
  const { leftOperand, operator, rightOperand, ...rest } = c;
  const left = typeof leftOperand === 'string' ? leftOperand.replace(/^(odrl:|kouan:)/, '') : (leftOperand as string);
  const right = COUNT_OPERANDS.has(left) && typeof rightOperand === 'string' && /^\d+$/.test(rightOperand) ? Number(rightOperand) : rightOperand;
  return { ...rest, leftOperand: left, operator: typeof operator === 'string' ? operator.replace(/^odrl:/, '') : (operator as string), rightOperand: right } as Constraint;
}

function dutyFromDsp(d: Json): Duty {
  const { action, constraint: _c, ...rest } = d;
  return { ...rest, action: actionOf(action) };
}

/** DSP Offer/Agreement → UsagePolicy. */
export function fromDsp(policy: Json): UsagePolicy {
  return {
    permissions: asList(policy.permission).map((p) => ({
      action: actionOf(p.action),
      constraints: asList(p.constraint).map(constraintFromDsp),
      duties: asList(p.duty).map(dutyFromDsp),
    })),
    ...(policy.prohibition ? { prohibitions: asList(policy.prohibition).map((p) => ({ action: actionOf(p.action), constraints: asList(p.constraint).map(constraintFromDsp) })) } : {}),
    ...(policy.obligation ? { obligations: asList(policy.obligation).map(dutyFromDsp) } : {}),
  };
}

const rightToDsp = (value: unknown): unknown => (typeof value === 'number' ? String(value) : value);

/** UsagePolicy → the permission / prohibition / obligation terms of a DSP Offer or Agreement. */
export function toDsp(policy: UsagePolicy): Json {
  const constraints = (list: Constraint[] = []) => list.map((c) => ({ ...c, rightOperand: rightToDsp(c.rightOperand) }));
  return {
    permission: policy.permissions.map((p) => ({
      action: p.action,
      ...(p.constraints?.length ? { constraint: constraints(p.constraints) } : {}),
      ...(p.duties?.length ? { duty: p.duties } : {}),
    })),
    ...(policy.prohibitions?.length ? { prohibition: policy.prohibitions.map((p) => ({ action: p.action, ...(p.constraints?.length ? { constraint: constraints(p.constraints) } : {}) })) } : {}),
    ...(policy.obligations?.length ? { obligation: policy.obligations } : {}),
  };
}

/** A DSP policy needs at least one permission or prohibition; an empty one is given a bare use permission. */
export const permissive = (): UsagePolicy => ({ permissions: [{ action: 'use', constraints: [], duties: [] }] });
