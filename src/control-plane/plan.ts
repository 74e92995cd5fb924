/**
 * What a connector does on its own after a protocol event (decisions as data). An event is
 * the counterparty's message recorded (an offer, an agreement, a verification...) or our own request delivered;
 * it leads to a list of steps. The first step starts its -ING state at once (the manager's processor for that
 * state does the work), the rest wait in the entity's `plan` and follow one another as each step's message is
 * delivered. An empty list waits for the counterparty.
 *
 * Production follows fixed rules: a provider agrees to a request or an accepted offer (the policies decide in
 * AGREEING and may terminate instead) and finalizes a verified agreement, a consumer verifies an agreement, a
 * provider starts a requested transfer. The conformance profile replaces them with the kit's per-id scripts.
 */
import type { Clock } from '../core/clock.ts';
import type { ManagedEntity } from './manager.ts';
import type { ContractNegotiation, NegotiationEvent, NegotiationState, NegotiationStep, Role, TransferEvent, TransferProcess, TransferState, TransferStep } from './model.ts';
import { negotiationTransitions, transferTransitions, transition } from './states.ts';

/** Who decides the steps: null in deps means production's rules. */
export interface ProtocolScript {
  negotiation(n: ContractNegotiation, event: NegotiationEvent): NegotiationStep[];
  transfer(t: TransferProcess, event: TransferEvent): TransferStep[];
  /** How long a step waits before its message is sent: after a counterparty's message, after our own previous step. */
  pauseMs: { answer: number; followUp: number };
}

type Rules<E extends string, S> = Record<Role, Partial<Record<E, S[]>>>;

const PRODUCTION_NEGOTIATION: Rules<NegotiationEvent, NegotiationStep> = {
  provider: { requested: ['agree'], counterRequested: ['agree'], accepted: ['agree'], verified: ['finalize'] },
  consumer: { agreed: ['verify'] },
};
const PRODUCTION_TRANSFER: Rules<TransferEvent, TransferStep> = { provider: { requested: ['start'] }, consumer: {} };

export const productionRules: ProtocolScript = {
  negotiation: (n, event) => PRODUCTION_NEGOTIATION[n.role][event] ?? [],
  transfer: (t, event) => PRODUCTION_TRANSFER[t.role][event] ?? [],
  pauseMs: { answer: 0, followUp: 0 },
};

const NEGOTIATION_STEP_STATE: Record<NegotiationStep, NegotiationState> = {
  offer: 'OFFERING', agree: 'AGREEING', finalize: 'FINALIZING', accept: 'ACCEPTING', counterRequest: 'REQUESTING', verify: 'VERIFYING', terminate: 'TERMINATING',
};
/** A provider (re)starts a transfer by sending the start message; a consumer resumes one. */
const transferStepState = (role: Role, step: TransferStep): TransferState =>
  ({ start: role === 'provider' ? 'STARTING' : 'RESUMING', suspend: 'SUSPENDING', complete: 'COMPLETING', terminate: 'TERMINATING' } as const)[step];

type Pause = keyof ProtocolScript['pauseMs'];

type Planned<S extends string, Step> = ManagedEntity<S> & { plan?: Step[] };

/** Starts the first of `steps` (its -ING state, not before the pause) and keeps the rest as the plan; no steps: no plan. */
function take<S extends string, Step, T extends Planned<S, Step>>(entity: T, steps: Step[], stateOf: (step: Step) => S, table: Record<S, readonly S[]>, clock: Clock, pauseMs: number): T {
  const [first, ...rest] = steps;
  if (first === undefined) return entity.plan?.length ? { ...entity, plan: undefined } : entity;
  const next = { ...transition(entity, stateOf(first), table, clock), plan: rest.length ? rest : undefined };
  return pauseMs > 0 ? { ...next, notBefore: new Date(clock.now().getTime() + pauseMs).toISOString() } : { ...next, notBefore: undefined };
}

export class Planner {
  readonly #script: ProtocolScript;
  readonly #clock: Clock;
  constructor(script: ProtocolScript | null, clock: Clock) {
    this.#script = script ?? productionRules;
    this.#clock = clock;
  }

  /** The counterparty's message was just recorded: the steps `event` calls for, the first one started. */
  negotiationEvent(n: ContractNegotiation, event: NegotiationEvent): ContractNegotiation {
    return this.#negotiation(n, this.#script.negotiation(n, event), 'answer');
  }

  /** After our step's message was delivered: the plan's next step, or else what `event` (if any) calls for. */
  negotiationDelivered(n: ContractNegotiation, event?: NegotiationEvent): ContractNegotiation {
    const steps = n.plan?.length ? n.plan : event ? this.#script.negotiation(n, event) : [];
    return this.#negotiation(n, steps, 'followUp');
  }

  transferEvent(t: TransferProcess, event: TransferEvent): TransferProcess {
    return this.#transfer(t, this.#script.transfer(t, event), 'answer');
  }

  transferDelivered(t: TransferProcess, event?: TransferEvent): TransferProcess {
    const steps = t.plan?.length ? t.plan : event ? this.#script.transfer(t, event) : [];
    return this.#transfer(t, steps, 'followUp');
  }

  #negotiation(n: ContractNegotiation, steps: NegotiationStep[], pause: Pause): ContractNegotiation {
    return take(n, steps, (step) => NEGOTIATION_STEP_STATE[step], negotiationTransitions, this.#clock, this.#script.pauseMs[pause]);
  }

  #transfer(t: TransferProcess, steps: TransferStep[], pause: Pause): TransferProcess {
    return take(t, steps, (step) => transferStepState(t.role, step), transferTransitions, this.#clock, this.#script.pauseMs[pause]);
  }
}
