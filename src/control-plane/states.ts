/**
 * Negotiation and transfer state machines as data (CONVENTIONS item 6): which state may follow which,
 * which are final. Entities change state only through `transition`, which refuses anything else.
 */
import type { Clock } from '../core/clock.ts';
import { KouanError } from '../core/errors.ts';
import type { NegotiationState, Role, TransferState } from './model.ts';

const STOP = ['TERMINATING', 'TERMINATED'] as const;

export const negotiationTransitions: Record<NegotiationState, readonly NegotiationState[]> = {
  INITIAL: ['REQUESTING', 'OFFERING', ...STOP],
  // A counterparty may answer before our own send is recorded, hence REQUESTING → OFFERED / AGREED and the like.
  REQUESTING: ['REQUESTED', 'OFFERED', 'AGREED', ...STOP],
  REQUESTED: ['OFFERING', 'OFFERED', 'AGREEING', 'AGREED', ...STOP],
  OFFERING: ['OFFERED', 'REQUESTED', 'ACCEPTED', ...STOP],
  OFFERED: ['REQUESTING', 'REQUESTED', 'ACCEPTING', 'ACCEPTED', 'AGREEING', 'AGREED', ...STOP],
  ACCEPTING: ['ACCEPTED', 'AGREED', ...STOP],
  ACCEPTED: ['AGREEING', 'AGREED', ...STOP],
  AGREEING: ['AGREED', 'VERIFIED', ...STOP],
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
  STARTING: ['STARTED', 'SUSPENDED', 'COMPLETED', ...STOP],
  STARTED: ['SUSPENDING', 'SUSPENDED', 'COMPLETING', 'COMPLETED', ...STOP],
  SUSPENDING: ['SUSPENDED', 'STARTING', ...STOP],
  SUSPENDED: ['RESUMING', 'STARTING', 'STARTED', ...STOP],
  RESUMING: ['STARTED', 'STARTING', 'SUSPENDED', 'COMPLETED', ...STOP],
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

/**
 * Moves an entity to `to` when the table allows it; a repeated state counts one more attempt (the manager's retries).
 * Incoming messages are first checked with expectMessage, so a repeated message is refused rather than counted.
 */
export function transition<S extends string, T extends Stateful<S>>(entity: T, to: S, table: Record<S, readonly S[]>, clock: Clock): T {
  const now = clock.now().toISOString();
  const updatedAt = nextVersion(entity.updatedAt, clock);
  if (entity.state === to) return { ...entity, stateCount: entity.stateCount + 1, stateTimestamp: now, updatedAt };
  if (!table[entity.state].includes(to)) throw new KouanError('DSP_INVALID_STATE', `cannot go from ${entity.state} to ${to}`);
  return { ...entity, state: to, stateCount: 0, stateTimestamp: now, updatedAt };
}

export type MessageRules<S extends string> = Record<Role, Partial<Record<string, readonly S[]>>>;

/**
 * The states in which each incoming message is accepted, per role (DSP 2025-1's state machines). An -ING state
 * counts as the state its step leads to: the counterparty may have answered our message and sent the next one
 * before we recorded the send. A termination is accepted in any state that is not final. Any other message is
 * refused (DSP_INVALID_STATE, 409) and changes nothing.
 */
export const negotiationMessageStates: MessageRules<NegotiationState> = {
  provider: {
    counterRequest: ['OFFERED', 'OFFERING'],
    accepted: ['OFFERED', 'OFFERING'],
    verification: ['AGREED', 'AGREEING'],
  },
  consumer: {
    offer: ['REQUESTED', 'REQUESTING'],
    agreement: ['REQUESTED', 'REQUESTING', 'ACCEPTED', 'ACCEPTING'],
    finalized: ['VERIFIED', 'VERIFYING'],
  },
};

const STARTED_OR_STARTING: TransferState[] = ['STARTED', 'STARTING', 'RESUMING'];

export const transferMessageStates: MessageRules<TransferState> = {
  provider: { start: ['SUSPENDED', 'SUSPENDING'], completion: STARTED_OR_STARTING, suspension: STARTED_OR_STARTING },
  consumer: { start: ['REQUESTED', 'REQUESTING', 'SUSPENDED', 'RESUMING', 'STARTING'], completion: STARTED_OR_STARTING, suspension: STARTED_OR_STARTING },
};

/** Refuses an incoming message (a `rules` key, or 'termination') that the entity's role and state do not accept. */
export function expectMessage<S extends NegotiationState | TransferState>(entity: { role: Role; state: S }, rules: MessageRules<S>, kind: string): void {
  const accepted = kind === 'termination' ? !isFinal(entity.state) : (rules[entity.role][kind] ?? []).includes(entity.state);
  if (!accepted) throw new KouanError('DSP_INVALID_STATE', `${kind} is not accepted by the ${entity.role} in state ${entity.state}`);
}
