/** Incoming transfer-process messages, both roles (see negotiation/protocol.ts for the pattern and states.ts for the rules). */
import { randomUUID } from 'node:crypto';
import { KouanError } from '../../core/errors.ts';
import { PULL_FORMAT, PULL_FORMATS } from '../catalog.ts';
import { allowedCallback } from '../callbacks.ts';
import type { Caller, ControlPlaneDeps } from '../deps.ts';
import { message, reasonsOf, type DspMessage } from '../dsp/jsonld.ts';
import { IncomingProcesses } from '../incoming.ts';
import type { TransferProcess, TransferState } from '../model.ts';
import { Planner } from '../plan.ts';
import { counterpartOf, expectRestart, transferMessageStates, transferTransitions } from '../states.ts';

type Json = Record<string, unknown>;

const DSP_STATE: Partial<Record<TransferState, string>> = { INITIAL: 'REQUESTED', REQUESTING: 'REQUESTED', STARTING: 'REQUESTED', SUSPENDING: 'STARTED', RESUMING: 'SUSPENDED', COMPLETING: 'STARTED', TERMINATING: 'TERMINATED' };

export const transferMessage = (t: TransferProcess): DspMessage =>
  message('TransferProcess', { providerPid: t.providerPid ?? '', consumerPid: t.consumerPid, state: DSP_STATE[t.state] ?? t.state });

/** The counterparty's reasons; a text not in Kouan's `CODE: message` form takes the message's code, when it has one. */
const reasonsFrom = (msg: Json) =>
  reasonsOf(msg.reason).map((r) => (r.code === 'DSP_COUNTERPARTY_REFUSED' && typeof msg.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(msg.code) ? { ...r, code: msg.code } : r));

export class TransferProtocol {
  readonly #deps: ControlPlaneDeps;
  readonly #planner: Planner;
  readonly #processes: IncomingProcesses<TransferState, TransferProcess>;
  constructor(deps: ControlPlaneDeps) {
    this.#deps = deps;
    this.#planner = new Planner(deps.script, deps.clock);
    this.#processes = new IncomingProcesses('transfer', deps.stores.transfers, transferMessageStates, transferTransitions, deps.clock);
  }

  async get(caller: Caller, pid: string): Promise<DspMessage> {
    return transferMessage(await this.#processes.find(caller, pid));
  }

  /** Provider: a TransferRequestMessage under an agreement with this caller. */
  async request(caller: Caller, msg: Json): Promise<DspMessage> {
    const directory = this.#deps.peerDirectory;
    const callbackAddress = directory ? await allowedCallback(directory, caller.peer.participantId, String(msg.callbackAddress)) : String(msg.callbackAddress);
    const agreement = await this.#deps.stores.agreements.get(String(msg.agreementId));
    if (!agreement || agreement.consumerId !== caller.peer.participantId || agreement.providerId !== this.#deps.self.participantId) {
      throw new KouanError('DSP_UNKNOWN_AGREEMENT', `no agreement ${String(msg.agreementId)} with ${caller.peer.participantId}`);
    }
    if (agreement.state !== 'ACTIVE') throw new KouanError('DSP_AGREEMENT_NOT_ACTIVE');
    if (!PULL_FORMATS.includes(String(msg.format))) throw new KouanError('DSP_UNSUPPORTED_FORMAT', `format ${String(msg.format)} is not offered; use ${PULL_FORMAT}`);
    const now = this.#deps.clock.now().toISOString();
    const id = `urn:uuid:${randomUUID()}`;
    const transfer: TransferProcess = {
      id,
      role: 'provider',
      consumerPid: String(msg.consumerPid),
      providerPid: id,
      counterparty: { participantId: caller.peer.participantId, address: callbackAddress, country: caller.peer.country, certThumbprint: caller.peer.certThumbprint },
      agreementId: agreement.id,
      format: String(msg.format),
      state: 'REQUESTED',
      stateCount: 0,
      stateTimestamp: now,
      dataAddress: null,
      callbackAddress,
      reasons: [],
      createdAt: now,
      updatedAt: now,
    };
    await this.#deps.stores.transfers.create(this.#planner.transferEvent(transfer, 'requested'));
    this.#deps.log.info({ transfer: id, agreement: agreement.id, consumer: caller.peer.participantId }, 'transfer requested');
    return transferMessage(transfer);
  }

  /**
   * Consumer: the provider started the transfer (with the endpoint data reference). Provider: the consumer asks to
   * resume, which it may only for a suspension of its own (states.ts expectRestart); refused, nothing changes and
   * no access token is issued.
   */
  async start(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.#processes.expect(caller, pid, 'start');
    expectRestart(existing, counterpartOf(existing.role));
    if (existing.role === 'provider') {
      await this.#processes.save({ ...this.#processes.move(existing, 'STARTING'), counterparty: { ...existing.counterparty, certThumbprint: caller.peer.certThumbprint } }, existing);
      return;
    }
    const recorded = { ...this.#processes.move(existing, 'STARTED'), providerPid: String(msg.providerPid), dataAddress: (msg.dataAddress as Json | undefined) ?? existing.dataAddress };
    // The provider's answer to our resume completes that step of ours; any other start is the 'started' event.
    const next = existing.state === 'STARTING' ? this.#planner.transferDelivered(recorded) : this.#planner.transferEvent(recorded, 'started');
    await this.#processes.save(next, existing);
  }

  async signal(caller: Caller, pid: string, signal: 'completion' | 'suspension' | 'termination', msg: Json): Promise<void> {
    const existing = await this.#processes.expect(caller, pid, signal);
    const to: TransferState = signal === 'completion' ? 'COMPLETED' : signal === 'suspension' ? 'SUSPENDED' : 'TERMINATED';
    const suspendedBy = signal === 'suspension' ? { suspendedBy: counterpartOf(existing.role) } : {};
    await this.#processes.save({ ...this.#processes.move(existing, to), reasons: reasonsFrom(msg), ...suspendedBy }, existing);
  }
}
