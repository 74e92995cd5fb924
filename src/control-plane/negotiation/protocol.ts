/**
 * Incoming contract-negotiation messages, both roles. Each handler checks that the caller is the
 * counterparty of the process and that the message is one its state accepts (states.ts; anything else is a
 * 409 and changes nothing), records the change together with the step it calls for (plan.ts) and answers
 * with the state the message led to; the step itself (policy decision, sending the next message) is done by
 * the manager from the persisted state, so a crash between the two loses nothing.
 */
import { randomUUID } from 'node:crypto';
import { KouanError } from '../../core/errors.ts';
import { verifyDetached } from '../../trust/jws.ts';
import { allowedCallback } from '../callbacks.ts';
import type { Caller, ControlPlaneDeps } from '../deps.ts';
import { message, reasonsOf, type DspMessage } from '../dsp/jsonld.ts';
import { fromDsp } from '../dsp/odrl.ts';
import { IncomingProcesses } from '../incoming.ts';
import type { ContractAgreement, ContractNegotiation, NegotiationState } from '../model.ts';
import { Planner } from '../plan.ts';
import { negotiationMessageStates, negotiationTransitions } from '../states.ts';

type Json = Record<string, unknown>;

export const negotiationMessage = (n: ContractNegotiation): DspMessage =>
  message('ContractNegotiation', { providerPid: n.providerPid ?? '', consumerPid: n.consumerPid, state: dspState(n.state) });

/** DSP knows only the -ED states: an -ING state is reported as the one it leads to (requesting, offering, accepting, terminating) or comes from. */
function dspState(state: NegotiationState): string {
  const previous: Partial<Record<NegotiationState, string>> = {
    REQUESTING: 'REQUESTED', OFFERING: 'OFFERED', ACCEPTING: 'ACCEPTED', AGREEING: 'REQUESTED', VERIFYING: 'AGREED', FINALIZING: 'VERIFIED', TERMINATING: 'TERMINATED', INITIAL: 'REQUESTED',
  };
  return previous[state] ?? state;
}

export class NegotiationProtocol {
  readonly #deps: ControlPlaneDeps;
  readonly #planner: Planner;
  readonly #processes: IncomingProcesses<NegotiationState, ContractNegotiation>;
  constructor(deps: ControlPlaneDeps) {
    this.#deps = deps;
    this.#planner = new Planner(deps.script, deps.clock);
    this.#processes = new IncomingProcesses('negotiation', deps.stores.negotiations, negotiationMessageStates, negotiationTransitions, deps.clock);
  }

  async get(caller: Caller, pid: string): Promise<DspMessage> {
    return negotiationMessage(await this.#processes.find(caller, pid));
  }

  /** Provider: a ContractRequestMessage, initial (no providerPid) or a counter-request after our offer. */
  async request(caller: Caller, msg: Json): Promise<{ created: boolean; body: DspMessage }> {
    const offerJson = msg.offer as Json;
    const terms = { purpose: (msg['kouan:purpose'] as string | undefined) ?? null, acceptedObligations: (msg['kouan:acceptedObligations'] as string[] | undefined) ?? [] };
    if (typeof msg.providerPid === 'string') {
      const existing = await this.#processes.expect(caller, msg.providerPid, 'counterRequest');
      const recorded = { ...this.#processes.move(existing, 'REQUESTED'), terms };
      await this.#processes.save(this.#planner.negotiationEvent(recorded, 'counterRequested'), existing);
      return { created: false, body: negotiationMessage(recorded) };
    }
    const callbackAddress = await this.#callback(caller, msg.callbackAddress);
    const offer = await this.#deps.stores.offers.get(String(offerJson['@id']));
    if (!offer || (typeof offerJson.target === 'string' && offerJson.target !== offer.assetId)) {
      throw new KouanError('DSP_UNKNOWN_OFFER', `offer ${String(offerJson['@id'])} is not offered${offerJson.target ? ` for dataset ${String(offerJson.target)}` : ''}`);
    }
    const now = this.#deps.clock.now().toISOString();
    const id = `urn:uuid:${randomUUID()}`;
    const negotiation: ContractNegotiation = {
      id,
      role: 'provider',
      consumerPid: String(msg.consumerPid),
      providerPid: id,
      counterparty: { participantId: caller.peer.participantId, address: callbackAddress ?? '', country: caller.peer.country },
      state: 'REQUESTED',
      stateCount: 0,
      stateTimestamp: now,
      offer,
      terms,
      agreementId: null,
      reasons: [],
      callbackAddress,
      createdAt: now,
      updatedAt: now,
    };
    await this.#deps.stores.negotiations.create(this.#planner.negotiationEvent(negotiation, 'requested'));
    this.#deps.log.info({ negotiation: id, consumer: caller.peer.participantId, offer: offer.id }, 'contract request received');
    return { created: true, body: negotiationMessage(negotiation) };
  }

  /** The initial request's callbackAddress, when it is one the caller may name (callbacks.ts; any, in the conformance profile). */
  async #callback(caller: Caller, address: unknown): Promise<string | null> {
    const directory = this.#deps.peerDirectory;
    if (!directory) return typeof address === 'string' ? address : null;
    if (typeof address !== 'string') throw new KouanError('DSP_CALLBACK_NOT_ALLOWED', 'an initial ContractRequestMessage names its callbackAddress');
    return allowedCallback(directory, caller.peer.participantId, address);
  }

  /** Consumer: the provider offers (or counter-offers). */
  async offer(caller: Caller, pid: string, msg: Json): Promise<DspMessage> {
    const existing = await this.#processes.expect(caller, pid, 'offer');
    const offerJson = msg.offer as Json;
    const recorded = {
      ...this.#processes.move(existing, 'OFFERED'),
      providerPid: String(msg.providerPid),
      offer: { ...existing.offer, id: String(offerJson['@id']), policy: fromDsp(offerJson) },
    };
    await this.#processes.save(this.#planner.negotiationEvent(recorded, 'offered'), existing);
    return negotiationMessage(recorded);
  }

  /** Consumer: the provider agreed and signed. */
  async agreement(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.#processes.expect(caller, pid, 'agreement');
    const document = msg.agreement as Json;
    const signature = msg['kouan:signature'];
    if (typeof signature === 'string' && caller.key) await verifyDetached(document, signature, caller.key);
    else if (this.#deps.requireSignatures) throw new KouanError('DSP_SIGNATURE_MISSING');
    const now = this.#deps.clock.now().toISOString();
    const policy = fromDsp(document);
    const agreement: ContractAgreement = {
      id: String(document['@id']),
      negotiationId: existing.id,
      providerId: caller.peer.participantId,
      consumerId: this.#deps.self.participantId,
      consumerCountry: this.#deps.self.country,
      assetId: String(document.target),
      policy,
      exportPath: ((msg['kouan:agreement'] as Json | undefined)?.exportPath as ContractAgreement['exportPath']) ?? 'exempt',
      start: String((msg['kouan:agreement'] as Json | undefined)?.start ?? document.timestamp ?? now),
      end: String((msg['kouan:agreement'] as Json | undefined)?.end ?? new Date(Date.parse(now) + 365 * 86_400_000).toISOString()),
      signedAt: now,
      document,
      signatures: { provider: typeof signature === 'string' ? signature : null, consumer: null },
      terms: existing.terms,
      state: 'ACTIVE',
    };
    const recorded = { ...this.#processes.move(existing, 'AGREED'), providerPid: String(msg.providerPid), agreementId: agreement.id };
    if (!(await this.#deps.stores.agreements.get(agreement.id))) await this.#deps.stores.agreements.create(agreement);
    await this.#processes.save(this.#planner.negotiationEvent(recorded, 'agreed'), existing);
  }

  /** Provider: ACCEPTED (the consumer takes our offer). Consumer: FINALIZED. */
  async event(caller: Caller, pid: string, msg: Json): Promise<void> {
    if (msg.eventType === 'FINALIZED') {
      const existing = await this.#processes.expect(caller, pid, 'finalized');
      await this.#processes.save(this.#processes.move(existing, 'FINALIZED'), existing);
      return;
    }
    const existing = await this.#processes.expect(caller, pid, 'accepted');
    await this.#processes.save(this.#planner.negotiationEvent(this.#processes.move(existing, 'ACCEPTED'), 'accepted'), existing);
  }

  /** Provider: the consumer verified (and countersigned) the agreement. */
  async verification(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.#processes.expect(caller, pid, 'verification');
    const agreement = existing.agreementId ? await this.#deps.stores.agreements.get(existing.agreementId) : null;
    if (!agreement) throw new KouanError('DSP_INVALID_STATE', 'there is no agreement to verify yet');
    const signature = msg['kouan:signature'];
    if (typeof signature === 'string' && caller.key) {
      await verifyDetached(agreement.document, signature, caller.key);
      await this.#deps.stores.agreements.save({ ...agreement, signatures: { ...agreement.signatures, consumer: signature } });
    } else if (this.#deps.requireSignatures) {
      throw new KouanError('DSP_SIGNATURE_MISSING');
    }
    await this.#processes.save(this.#planner.negotiationEvent(this.#processes.move(existing, 'VERIFIED'), 'verified'), existing);
  }

  /** Either role: the counterparty ends the negotiation, with its reasons. */
  async termination(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.#processes.expect(caller, pid, 'termination');
    const reasons = reasonsOf(msg.reason);
    await this.#processes.save({ ...this.#processes.move(existing, 'TERMINATED'), reasons }, existing);
  }
}
