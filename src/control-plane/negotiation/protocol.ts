/**
 * Incoming contract-negotiation messages, both roles. Each handler checks that the caller is the
 * counterparty of the process, that the message fits the state (the state table decides), records the
 * change and answers; the work that follows (policy decision, sending the next message) is done by the
 * manager from the persisted state, so a crash between the two loses nothing.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, KouanError } from '../../core/errors.ts';
import { verifyDetached } from '../../trust/jws.ts';
import type { Caller, ControlPlaneDeps } from '../deps.ts';
import { message, type DspMessage } from '../dsp/jsonld.ts';
import { fromDsp } from '../dsp/odrl.ts';
import type { ContractAgreement, ContractNegotiation, NegotiationState } from '../model.ts';
import { negotiationTransitions, transition } from '../states.ts';

type Json = Record<string, unknown>;

export const negotiationMessage = (n: ContractNegotiation): DspMessage =>
  message('ContractNegotiation', { providerPid: n.providerPid ?? '', consumerPid: n.consumerPid, state: dspState(n.state) });

/** DSP knows only the -ED states; an -ING state is reported as the state it comes from. */
function dspState(state: NegotiationState): string {
  const previous: Partial<Record<NegotiationState, string>> = {
    REQUESTING: 'REQUESTED', OFFERING: 'OFFERED', ACCEPTING: 'ACCEPTED', AGREEING: 'REQUESTED', VERIFYING: 'AGREED', FINALIZING: 'VERIFIED', TERMINATING: 'TERMINATED', INITIAL: 'REQUESTED',
  };
  return previous[state] ?? state;
}

export class NegotiationProtocol {
  readonly #deps: ControlPlaneDeps;
  constructor(deps: ControlPlaneDeps) {
    this.#deps = deps;
  }

  /** The caller's process with our pid, or DSP_UNKNOWN_PROCESS (also when it belongs to someone else). */
  async find(caller: Caller, pid: string): Promise<ContractNegotiation> {
    const n = await this.#deps.stores.negotiations.get(pid);
    if (!n || n.counterparty.participantId !== caller.peer.participantId) throw new KouanError('DSP_UNKNOWN_PROCESS', `no negotiation ${pid} with ${caller.peer.participantId}`);
    return n;
  }

  async get(caller: Caller, pid: string): Promise<DspMessage> {
    return negotiationMessage(await this.find(caller, pid));
  }

  /** Provider: a ContractRequestMessage, initial (no providerPid) or after our offer. */
  async request(caller: Caller, msg: Json): Promise<{ created: boolean; body: DspMessage }> {
    const offerJson = msg.offer as Json;
    const terms = { purpose: (msg['kouan:purpose'] as string | undefined) ?? null, acceptedObligations: (msg['kouan:acceptedObligations'] as string[] | undefined) ?? [] };
    if (typeof msg.providerPid === 'string') {
      const existing = await this.find(caller, msg.providerPid);
      const next = { ...transition(existing, 'REQUESTED', negotiationTransitions, this.#deps.clock), terms };
      await this.#save(next, existing);
      return { created: false, body: negotiationMessage(next) };
    }
    const offer = await this.#deps.stores.offers.get(String(offerJson['@id']));
    if (!offer || (typeof offerJson.target === 'string' && offerJson.target !== offer.assetId)) {
      throw new KouanError('DSP_UNKNOWN_OFFER', `offer ${String(offerJson['@id'])} is not offered${offerJson.target ? ` for dataset ${String(offerJson.target)}` : ''}`);
    }
    const now = this.#deps.clock.now().toISOString();
    const negotiation: ContractNegotiation = {
      id: `urn:uuid:${randomUUID()}`,
      role: 'provider',
      consumerPid: String(msg.consumerPid),
      providerPid: '',
      counterparty: { participantId: caller.peer.participantId, address: String(msg.callbackAddress ?? ''), country: caller.peer.country },
      state: 'REQUESTED',
      stateCount: 0,
      stateTimestamp: now,
      offer,
      terms,
      agreementId: null,
      reasons: [],
      callbackAddress: (msg.callbackAddress as string | undefined) ?? null,
      createdAt: now,
      updatedAt: now,
    };
    negotiation.providerPid = negotiation.id;
    await this.#deps.stores.negotiations.create(negotiation);
    this.#deps.log.info({ negotiation: negotiation.id, consumer: caller.peer.participantId, offer: offer.id }, 'contract request received');
    return { created: true, body: negotiationMessage(negotiation) };
  }

  /** Consumer: the provider offers (or counter-offers). */
  async offer(caller: Caller, pid: string, msg: Json): Promise<DspMessage> {
    const existing = await this.find(caller, pid);
    const offerJson = msg.offer as Json;
    const next = {
      ...transition(existing, 'OFFERED', negotiationTransitions, this.#deps.clock),
      providerPid: String(msg.providerPid),
      offer: { ...existing.offer, id: String(offerJson['@id']), policy: fromDsp(offerJson) },
    };
    await this.#save(next, existing);
    return negotiationMessage(next);
  }

  /** Consumer: the provider agreed and signed. */
  async agreement(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.find(caller, pid);
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
    const next = { ...transition(existing, 'AGREED', negotiationTransitions, this.#deps.clock), providerPid: String(msg.providerPid), agreementId: agreement.id };
    if (!(await this.#deps.stores.agreements.get(agreement.id))) await this.#deps.stores.agreements.create(agreement);
    await this.#save(next, existing);
  }

  /** Provider: ACCEPTED (the consumer takes our offer). Consumer: FINALIZED. */
  async event(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.find(caller, pid);
    const to: NegotiationState = msg.eventType === 'FINALIZED' ? 'FINALIZED' : 'ACCEPTED';
    if (existing.state === to) return;
    await this.#save(transition(existing, to, negotiationTransitions, this.#deps.clock), existing);
  }

  /** Provider: the consumer verified (and countersigned) the agreement. */
  async verification(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.find(caller, pid);
    const agreement = existing.agreementId ? await this.#deps.stores.agreements.get(existing.agreementId) : null;
    if (!agreement) throw new KouanError('DSP_INVALID_STATE', 'there is no agreement to verify yet');
    const signature = msg['kouan:signature'];
    if (typeof signature === 'string' && caller.key) {
      await verifyDetached(agreement.document, signature, caller.key);
      await this.#deps.stores.agreements.save({ ...agreement, signatures: { ...agreement.signatures, consumer: signature } });
    } else if (this.#deps.requireSignatures) {
      throw new KouanError('DSP_SIGNATURE_MISSING');
    }
    if (existing.state === 'VERIFIED') return;
    await this.#save(transition(existing, 'VERIFIED', negotiationTransitions, this.#deps.clock), existing);
  }

  /** Either role: the counterparty ends the negotiation, with its reasons. */
  async termination(caller: Caller, pid: string, msg: Json): Promise<void> {
    const existing = await this.find(caller, pid);
    if (existing.state === 'TERMINATED') return;
    const reasons = (Array.isArray(msg.reason) ? msg.reason : []).map((r) => {
      const text = typeof r === 'string' ? r : JSON.stringify(r);
      const [code, ...rest] = text.split(': ');
      return /^[A-Z][A-Z0-9_]+$/.test(code ?? '') ? { code: code!, message: rest.join(': '), basis: 'counterparty', effect: 'deny' as const } : { code: 'DSP_COUNTERPARTY_REFUSED', message: text, basis: 'counterparty', effect: 'deny' as const };
    });
    await this.#save({ ...transition(existing, 'TERMINATED', negotiationTransitions, this.#deps.clock), reasons }, existing);
  }

  async #save(next: ContractNegotiation, previous: ContractNegotiation): Promise<void> {
    try {
      await this.#deps.stores.negotiations.save(next, previous.updatedAt);
    } catch (error) {
      if (error instanceof ConflictError) throw new KouanError('DSP_INVALID_STATE', 'the negotiation changed meanwhile; retry');
      throw error;
    }
  }
}
