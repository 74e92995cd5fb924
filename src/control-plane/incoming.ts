/**
 * What both protocols' handlers do with the process an incoming message names: find it (the caller's own only),
 * check that its state accepts the message (states.ts), move it, and save it against concurrent changes.
 */
import type { Clock } from '../core/clock.ts';
import { ConflictError, KouanError } from '../core/errors.ts';
import type { StatefulStore } from '../storage/ports.ts';
import type { Caller } from './deps.ts';
import type { ManagedEntity } from './manager.ts';
import type { Counterparty, NegotiationState, TransferState } from './model.ts';
import { expectMessage, transition, type MessageRules } from './states.ts';

type Process<S extends string> = ManagedEntity<S> & { counterparty: Counterparty };

export class IncomingProcesses<S extends NegotiationState | TransferState, T extends Process<S>> {
  constructor(
    private readonly noun: 'negotiation' | 'transfer',
    private readonly store: StatefulStore<T, S>,
    private readonly rules: MessageRules<S>,
    private readonly transitions: Record<S, readonly S[]>,
    private readonly clock: Clock,
  ) {}

  /** The caller's process with our pid, or DSP_UNKNOWN_PROCESS (also when it belongs to someone else). */
  async find(caller: Caller, pid: string): Promise<T> {
    const found = await this.store.get(pid);
    if (!found || found.counterparty.participantId !== caller.peer.participantId) throw new KouanError('DSP_UNKNOWN_PROCESS', `no ${this.noun} ${pid} with ${caller.peer.participantId}`);
    return found;
  }

  /** The caller's process, if its role and state accept this kind of message; DSP_INVALID_STATE (409) otherwise. */
  async expect(caller: Caller, pid: string, kind: string): Promise<T> {
    const found = await this.find(caller, pid);
    expectMessage(found, this.rules, kind);
    return found;
  }

  move(entity: T, to: S): T {
    return transition(entity, to, this.transitions, this.clock);
  }

  /** Saves what the message changed; if the manager changed the process meanwhile, a 409 the sender may retry. */
  async save(next: T, previous: T): Promise<void> {
    try {
      await this.store.save(next, previous.updatedAt);
    } catch (error) {
      if (error instanceof ConflictError) throw new KouanError('DSP_INVALID_STATE', `the ${this.noun} changed meanwhile; retry`);
      throw error;
    }
  }
}
