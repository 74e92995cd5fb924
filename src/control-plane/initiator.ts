/**
 * What this participant starts on its own behalf (the management API's verbs): negotiations and transfers
 * as consumer, and signals on running transfers. The manager takes it from the persisted -ING state.
 */
import { randomUUID } from 'node:crypto';
import { KouanError, NotFoundError } from '../core/errors.ts';
import type { ControlPlaneDeps } from './deps.ts';
import { message } from './dsp/jsonld.ts';
import { fromDsp } from './dsp/odrl.ts';
import type { ContractNegotiation, Counterparty, Offer, TransferProcess, TransferState } from './model.ts';
import { expectRestart, transferTransitions, transition } from './states.ts';
import { PULL_FORMAT } from './catalog.ts';

export interface StartNegotiation {
  providerId: string;
  /** The provider's DSP base URL. */
  address: string;
  datasetId: string;
  offerId: string;
  purpose?: string;
  acceptedObligations?: string[];
}

/** A counterparty that cannot be reached is a 502 with a reason, not an internal error. */
async function reach<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KouanError) throw error;
    throw new KouanError('DSP_COUNTERPARTY_UNREACHABLE', `${what}: ${(error as Error).message}`);
  }
}

export class Initiator {
  readonly #deps: ControlPlaneDeps;
  constructor(deps: ControlPlaneDeps) {
    this.#deps = deps;
  }

  /** A remote connector's catalog, fetched over the protocol. */
  async remoteCatalog(providerId: string, address: string): Promise<unknown> {
    const r = await reach(`catalog of ${providerId}`, () => this.#deps.dispatcher.send({ participantId: providerId, address, country: null }, 'catalog/request', message('CatalogRequestMessage', { filter: [] })));
    if (r.status !== 200) throw new KouanError('DSP_COUNTERPARTY_REFUSED', `catalog request answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }

  async startNegotiation(start: StartNegotiation): Promise<ContractNegotiation> {
    const counterparty: Counterparty = { participantId: start.providerId, address: start.address, country: null };
    const r = await reach(`dataset ${start.datasetId} of ${start.providerId}`, () => this.#deps.dispatcher.get(counterparty, `catalog/datasets/${encodeURIComponent(start.datasetId)}`));
    if (r.status === 404) throw new NotFoundError(`the provider does not show dataset ${start.datasetId}`);
    if (r.status !== 200) throw new KouanError('DSP_COUNTERPARTY_REFUSED', `the provider does not show dataset ${start.datasetId} (HTTP ${r.status})`);
    const offers = ((r.body as Record<string, unknown>).hasPolicy ?? []) as Array<Record<string, unknown>>;
    const offer = (Array.isArray(offers) ? offers : [offers]).find((o) => o['@id'] === start.offerId);
    if (!offer) throw new NotFoundError(`dataset ${start.datasetId} has no offer ${start.offerId}`);
    const negotiation = await this.negotiate(counterparty, { id: start.offerId, assetId: start.datasetId, policy: fromDsp(offer) }, { purpose: start.purpose ?? null, acceptedObligations: start.acceptedObligations ?? [] });
    this.#deps.log.info({ negotiation: negotiation.id, provider: start.providerId, offer: start.offerId }, 'negotiation started');
    return negotiation;
  }

  /** Requests `offer` from the counterparty as it stands (the manager sends the request). */
  async negotiate(counterparty: Counterparty, offer: Omit<Offer, 'createdAt'>, terms: ContractNegotiation['terms']): Promise<ContractNegotiation> {
    const now = this.#deps.clock.now().toISOString();
    const id = `urn:uuid:${randomUUID()}`;
    const negotiation: ContractNegotiation = {
      id,
      role: 'consumer',
      consumerPid: id,
      providerPid: null,
      counterparty,
      state: 'REQUESTING',
      stateCount: 0,
      stateTimestamp: now,
      offer: { ...offer, createdAt: now },
      terms,
      agreementId: null,
      reasons: [],
      callbackAddress: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#deps.stores.negotiations.create(negotiation);
    return negotiation;
  }

  async startTransfer(agreementId: string): Promise<TransferProcess> {
    const agreement = await this.#deps.stores.agreements.get(agreementId);
    if (!agreement || agreement.consumerId !== this.#deps.self.participantId) throw new NotFoundError(`no agreement ${agreementId} where this participant is the consumer`);
    const negotiation = await this.#deps.stores.negotiations.get(agreement.negotiationId);
    if (!negotiation || negotiation.state !== 'FINALIZED') throw new KouanError('DSP_INVALID_STATE', 'the agreement is not finalized yet');
    return this.transfer(agreementId, negotiation.counterparty, PULL_FORMAT);
  }

  /** Requests a transfer under a concluded agreement of ours from the counterparty (the manager sends the request). */
  async transfer(agreementId: string, counterparty: Counterparty, format: string): Promise<TransferProcess> {
    const now = this.#deps.clock.now().toISOString();
    const id = `urn:uuid:${randomUUID()}`;
    const transfer: TransferProcess = {
      id,
      role: 'consumer',
      consumerPid: id,
      providerPid: null,
      counterparty,
      agreementId,
      format,
      state: 'REQUESTING',
      stateCount: 0,
      stateTimestamp: now,
      dataAddress: null,
      callbackAddress: null,
      reasons: [],
      createdAt: now,
      updatedAt: now,
    };
    await this.#deps.stores.transfers.create(transfer);
    return transfer;
  }

  /** Suspend, resume, complete or terminate a transfer of ours (either role). */
  async signalTransfer(id: string, to: Extract<TransferState, 'SUSPENDING' | 'RESUMING' | 'COMPLETING' | 'TERMINATING'>, reason?: string): Promise<TransferProcess> {
    const existing = await this.#deps.stores.transfers.get(id);
    if (!existing) throw new NotFoundError(`no transfer ${id}`);
    if (to === 'RESUMING') expectRestart(existing, existing.role);
    const target = to === 'RESUMING' && existing.role === 'provider' ? 'STARTING' : to;
    const reasons = reason ? [{ code: 'MANAGEMENT_REQUEST', message: reason, basis: 'participant', effect: 'deny' as const }] : existing.reasons;
    const next = { ...transition(existing, target, transferTransitions, this.#deps.clock), reasons };
    await this.#deps.stores.transfers.save(next, existing.updatedAt);
    return next;
  }
}
