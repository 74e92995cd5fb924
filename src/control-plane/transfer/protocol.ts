/** Incoming transfer-process messages, both roles (see negotiation/protocol.ts for the pattern). */
import { randomUUID } from 'node:crypto';
import { ConflictError, KouanError } from '../../core/errors.ts';
import { PULL_FORMAT } from '../catalog.ts';
import type { Caller, ControlPlaneDeps } from '../deps.ts';
import { message, type DspMessage } from '../dsp/jsonld.ts';
import type { TransferProcess, TransferState } from '../model.ts';
import { transferTransitions, transition } from '../states.ts';

type Json = Record<string, unknown>;

const DSP_STATE: Partial<Record<TransferState, string>> = { INITIAL: 'REQUESTED', REQUESTING: 'REQUESTED', STARTING: 'REQUESTED', SUSPENDING: 'STARTED', RESUMING: 'SUSPENDED', COMPLETING: 'STARTED', TERMINATING: 'TERMINATED' };

export const transferMessage = (t: TransferProcess): DspMessage =>
  message('TransferProcess', { providerPid: t.providerPid ?? '', consumerPid: t.consumerPid, state: DSP_STATE[t.state] ?? t.state });

const reasonsOf = (msg: Json) =>
  (Array.isArray(msg.reason) ? msg.reason : []).map((r) => ({ code: typeof msg.code === 'string' && msg.code ? msg.code : 'DSP_COUNTERPARTY_REFUSED', message: typeof r === 'string' ? r : JSON.stringify(r), basis: 'counterparty', effect: 'deny' as const }));

export class TransferProtocol {
  readonly #deps: ControlPlaneDeps;
  constructor(deps: ControlPlaneDeps) {
    this.#deps = deps;
  }

  async find(caller: Caller, pid: string): Promise<TransferProcess> {
    const t = await this.#deps.stores.transfers.get(pid);
    if (!t || t.counterparty.participantId !== caller.peer.participantId) throw new KouanError('DSP_UNKNOWN_PROCESS', `no transfer ${pid} with ${caller.peer.participantId}`);
    return t;
  }

  async get(caller: Caller, pid: string): Promise<DspMessage> {
    return transferMessage(await this.find(caller, pid));
  }

  /** Provider: a TransferRequestMessage under an agreement with this caller. */
  async request(caller: Caller, msg: Json): Promise<DspMessage> {
    const agreement = await this.#deps.stores.agreements.get(String(msg.agreementId));
    if (!agreement || agreement.consumerId !== caller.peer.participantId || agreement.providerId !== this.#deps.self.participantId) {
      throw new KouanError('DSP_UNKNOWN_AGREEMENT', `no agreement ${String(msg.agreementId)} with ${caller.peer.participantId}`);
    }
    if (agreement.state !== 'ACTIVE') throw new KouanError('DSP_AGREEMENT_NOT_ACTIVE');
    if (msg.format !== PULL_FORMAT) throw new KouanError('DSP_UNSUPPORTED_FORMAT', `format ${String(msg.format)} is not offered; use ${PULL_FORMAT}`);
    const now = this.#deps.clock.now().toISOString();
    const id = `urn:uuid:${randomUUID()}`;
    const transfer: TransferProcess = {
      id,
      role: 'provider',
      consumerPid: String(msg.consumerPid),
      providerPid: id,
      counterparty: { participantId: caller.peer.participantId, address: String(msg.callbackAddress), country: caller.peer.country, certThumbprint: caller.peer.certThumbprint },
      agreementId: agreement.id,
      format: String(msg.format),
      state: 'REQUESTED',
      stateCount: 0,
      stateTimestamp: now,
      dataAddress: null,
      callbackAddress: String(msg.callbackAddress),
      reasons: [],
      createdAt: now,
      updatedAt: now,
    };
    await this.#deps.stores.transfers.create(transfer);
    this.#deps.log.info({ transfer: id, agreement: agreement.id, consumer: caller.peer.participantId }, 'transfer requested');
    return transferMessage(transfer);
  }

  /** Consumer: the provider started the transfer (with the endpoint data reference). Provider: the consumer asks to resume. */
  async start(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.find(caller, pid);
    if (existing.role === 'consumer') {
      await this.#save({ ...transition(existing, 'STARTED', transferTransitions, this.#deps.clock), providerPid: String(msg.providerPid), dataAddress: (msg.dataAddress as Json | undefined) ?? existing.dataAddress }, existing);
      return;
    }
    if (existing.state !== 'SUSPENDED') throw new KouanError('DSP_INVALID_STATE', `a ${existing.state} transfer cannot be resumed`);
    await this.#save({ ...transition(existing, 'STARTING', transferTransitions, this.#deps.clock), counterparty: { ...existing.counterparty, certThumbprint: caller.peer.certThumbprint } }, existing);
  }

  async signal(caller: Caller, pid: string, signal: 'completion' | 'suspension' | 'termination', msg: Json): Promise<void> {
    const existing = await this.find(caller, pid);
    const to: TransferState = signal === 'completion' ? 'COMPLETED' : signal === 'suspension' ? 'SUSPENDED' : 'TERMINATED';
    if (existing.state === to) return;
    await this.#save({ ...transition(existing, to, transferTransitions, this.#deps.clock), reasons: reasonsOf(msg) }, existing);
  }

  async #save(next: TransferProcess, previous: TransferProcess): Promise<void> {
    try {
      await this.#deps.stores.transfers.save(next, previous.updatedAt);
    } catch (error) {
      if (error instanceof ConflictError) throw new KouanError('DSP_INVALID_STATE', 'the transfer changed meanwhile; retry');
      throw error;
    }
  }
}
