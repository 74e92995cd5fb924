/**
 * Negotiation and transfer state machines as data: which state may follow which,
 * which are final. Entities change state only through `transition`, which refuses anything else.
 */
import type { Clock } from '../core/clock.ts';
import { KouanError } from '../core/errors.ts';
import type { NegotiationState, Role, TransferProcess, TransferState } from './model.ts';

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

/**
 * Who may send which incoming message (DSP 2025-1), keyed by the sender's role, and the states of the receiving
 * process (the other role's) that accept it. An -ING state counts as the state its step leads to: the counterparty
 * may have answered our message and sent the next one before we recorded the send. A termination is accepted in
 * any state that is not final. A message the sender's role never sends is refused as DSP_TRANSITION_NOT_ALLOWED
 * (403), one its role sends but not in this state as DSP_INVALID_STATE (409); either way nothing changes.
 */
export type MessageRules<S extends string> = Record<Role, Partial<Record<string, readonly S[]>>>;

const open = <S extends NegotiationState | TransferState>(table: Record<S, readonly S[]>): S[] => (Object.keys(table) as S[]).filter((s) => !isFinal(s));

export const negotiationMessageStates: MessageRules<NegotiationState> = {
  consumer: {
    counterRequest: ['OFFERED', 'OFFERING'],
    accepted: ['OFFERED', 'OFFERING'],
    verification: ['AGREED', 'AGREEING'],
    termination: open(negotiationTransitions),
  },
  provider: {
    offer: ['REQUESTED', 'REQUESTING'],
    agreement: ['REQUESTED', 'REQUESTING', 'ACCEPTED', 'ACCEPTING'],
    finalized: ['VERIFIED', 'VERIFYING'],
    termination: open(negotiationTransitions),
  },
};

const STARTED_OR_STARTING: TransferState[] = ['STARTED', 'STARTING', 'RESUMING'];

export const transferMessageStates: MessageRules<TransferState> = {
  // The provider starts a requested transfer, or restarts a suspended one (any suspension: see suspensionLiftedBy).
  provider: { start: ['REQUESTED', 'REQUESTING', 'SUSPENDED', 'RESUMING', 'STARTING'], completion: STARTED_OR_STARTING, suspension: STARTED_OR_STARTING, termination: open(transferTransitions) },
  // The consumer only asks to resume a suspended transfer, and only a suspension of its own.
  consumer: { start: ['SUSPENDED', 'SUSPENDING'], completion: STARTED_OR_STARTING, suspension: STARTED_OR_STARTING, termination: open(transferTransitions) },
};

export const counterpartOf = (role: Role): Role => (role === 'provider' ? 'consumer' : 'provider');

/** Refuses an incoming message (a `rules` key) that the counterparty's role may not send, or the entity's state does not accept. */
export function expectMessage<S extends NegotiationState | TransferState>(entity: { role: Role; state: S }, rules: MessageRules<S>, kind: string): void {
  const sender = counterpartOf(entity.role);
  const accepted = rules[sender][kind];
  if (!accepted) throw new KouanError('DSP_TRANSITION_NOT_ALLOWED', `a ${kind} message is not the ${sender}'s to send`);
  if (!accepted.includes(entity.state)) throw new KouanError('DSP_INVALID_STATE', `${kind} is not accepted by the ${entity.role} in state ${entity.state}`);
}

/**
 * Who may lift a suspension, by who suspended (DSP 2025-1): a transfer the provider suspended is restarted by the
 * provider only; one the consumer suspended, by either party.
 */
export const suspensionLiftedBy: Record<Role, readonly Role[]> = { provider: ['provider'], consumer: ['consumer', 'provider'] };

/**
 * Who suspended a transfer: ourselves while our suspension is under way (SUSPENDING), else as recorded. A
 * suspension recorded before `suspendedBy` was kept counts as the provider's, the stricter reading.
 */
export const suspenderOf = (t: Pick<TransferProcess, 'role' | 'state' | 'suspendedBy'>): Role => (t.state === 'SUSPENDING' ? t.role : (t.suspendedBy ?? 'provider'));

/** Refuses a restart by `by` of a suspended (or suspending) transfer that `by` may not lift (DSP_TRANSITION_NOT_ALLOWED). */
export function expectRestart(t: Pick<TransferProcess, 'role' | 'state' | 'suspendedBy'>, by: Role): void {
  if (t.state !== 'SUSPENDED' && t.state !== 'SUSPENDING') return;
  const suspender = suspenderOf(t);
  if (!suspensionLiftedBy[suspender].includes(by)) throw new KouanError('DSP_TRANSITION_NOT_ALLOWED', `the ${suspender} suspended this transfer; only the ${suspensionLiftedBy[suspender].join(' or ')} may restart it`);
}
