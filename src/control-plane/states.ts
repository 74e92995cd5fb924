/**
 * Negotiation and transfer state machines as data (CONVENTIONS item 6): which state may follow which,
 * which are final. Entities change state only through `transition`, which refuses anything else.
 */
import type { Clock } from '../core/clock.ts';
import { KouanError } from '../core/errors.ts';
import type { NegotiationState, TransferState } from './model.ts';

const STOP = ['TERMINATING', 'TERMINATED'] as const;

export const negotiationTransitions: Record<NegotiationState, readonly NegotiationState[]> = {
  INITIAL: ['REQUESTING', 'OFFERING', ...STOP],
  // A counterparty may answer before our own send is recorded, hence REQUESTING → OFFERED / AGREED.
  REQUESTING: ['REQUESTED', 'OFFERED', 'AGREED', ...STOP],
  REQUESTED: ['OFFERING', 'OFFERED', 'AGREEING', 'AGREED', ...STOP],
  OFFERING: ['OFFERED', ...STOP],
  OFFERED: ['REQUESTING', 'REQUESTED', 'ACCEPTING', 'ACCEPTED', 'AGREEING', 'AGREED', ...STOP],
  ACCEPTING: ['ACCEPTED', ...STOP],
  ACCEPTED: ['AGREEING', 'AGREED', ...STOP],
  AGREEING: ['AGREED', ...STOP],
  AGREED: ['VERIFYING', 'VERIFIED', 'FINALIZED', ...STOP],
  VERIFYING: ['VERIFIED', 'FINALIZED', ...STOP],
  VERIFIED: ['FINALIZING', 'FINALIZED', ...STOP],
  FINALIZING: ['FINALIZED', ...STOP],
  FINALIZED: [],
  TERMINATING: ['TERMINATED'],
  TERMINATED: [],
};

export const transferTransitions: Record<TransferState, readonly TransferState[]> = {
  INITIAL: ['REQUESTING', ...STOP],
  REQUESTING: ['REQUESTED', 'STARTED', ...STOP],
  REQUESTED: ['STARTING', 'STARTED', ...STOP],
  STARTING: ['STARTED', ...STOP],
  STARTED: ['SUSPENDING', 'SUSPENDED', 'COMPLETING', 'COMPLETED', ...STOP],
  SUSPENDING: ['SUSPENDED', ...STOP],
  SUSPENDED: ['RESUMING', 'STARTING', 'STARTED', ...STOP],
  RESUMING: ['STARTED', 'STARTING', ...STOP],
  COMPLETING: ['COMPLETED', ...STOP],
  COMPLETED: [],
  TERMINATING: ['TERMINATED'],
  TERMINATED: [],
};

export const isFinal = (state: NegotiationState | TransferState): boolean => state === 'FINALIZED' || state === 'TERMINATED' || state === 'COMPLETED';

interface Stateful<S extends string> {
  state: S;
  stateCount: number;
  stateTimestamp: string;
  updatedAt: string;
}

/** updatedAt is the version stores compare on save: always later than the one it replaces, even on a frozen clock. */
export function nextVersion(previous: string, clock: Clock): string {
  const now = clock.now().getTime();
  return new Date(Math.max(now, Date.parse(previous) + 1)).toISOString();
}

/** Moves an entity to `to` when the table allows it; a repeated state counts one more attempt. */
export function transition<S extends string, T extends Stateful<S>>(entity: T, to: S, table: Record<S, readonly S[]>, clock: Clock): T {
  const now = clock.now().toISOString();
  const updatedAt = nextVersion(entity.updatedAt, clock);
  if (entity.state === to) return { ...entity, stateCount: entity.stateCount + 1, stateTimestamp: now, updatedAt };
  if (!table[entity.state].includes(to)) throw new KouanError('DSP_INVALID_STATE', `cannot go from ${entity.state} to ${to}`);
  return { ...entity, state: to, stateCount: 0, stateTimestamp: now, updatedAt };
}
