/**
 * What a connector does in each -ING negotiation state (the manager's processor table): decide with the
 * policies, send the step's protocol message, record the state it leads to and start whatever follows
 * (plan.ts). Which step follows which event is decided where the event is recorded, so a state that waits for
 * the counterparty has no processor and costs nothing.
 */
import { InputError, KouanError } from '../../core/errors.ts';
import { denials, type Decision, type Reason } from '../../policy/decision.ts';
import { emitFiling, emitNegotiationDenial, filingFacts } from '../records.ts';
import { signDetached } from '../../trust/jws.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { accepted, deliveredOrAccepted, type DispatchResult } from '../dispatcher.ts';
import { message, reasonTexts } from '../dsp/jsonld.ts';
import { toDsp } from '../dsp/odrl.ts';
import type { Processor } from '../manager.ts';
import type { ContractNegotiation, NegotiationEvent, NegotiationState } from '../model.ts';
import { Planner } from '../plan.ts';
import { contractInput, exportInput } from '../policy-inputs.ts';
import { negotiationTransitions, nextVersion, transition } from '../states.ts';
import { concludeAgreement } from './agreement.ts';

type Table = Partial<Record<'provider' | 'consumer', Partial<Record<NegotiationState, Processor<ContractNegotiation>>>>>;

export function negotiationProcessors(deps: ControlPlaneDeps): Table {
  const { stores, clock } = deps;
  const planner = new Planner(deps.script, clock);
  const save = (next: ContractNegotiation, previous: ContractNegotiation, holder: string) => stores.negotiations.save(next, previous.updatedAt, holder);
  const move = (n: ContractNegotiation, to: NegotiationState, extra: Partial<ContractNegotiation> = {}) => ({ ...transition(n, to, negotiationTransitions, clock), ...extra });
  /** Our step's message was delivered: the state it leads to, then the plan's next step (or what `event` calls for). */
  const delivered = (n: ContractNegotiation, to: NegotiationState, extra: Partial<ContractNegotiation> = {}, event?: NegotiationEvent) => planner.negotiationDelivered(move(n, to, extra), event);
  const pids = (n: ContractNegotiation) => ({ consumerPid: n.consumerPid, providerPid: n.providerPid ?? '' });
  const toProvider = (n: ContractNegotiation, path: string) => `negotiations/${encodeURIComponent(n.providerPid ?? '')}/${path}`;
  const toConsumer = (n: ContractNegotiation, path: string) => `negotiations/${encodeURIComponent(n.consumerPid)}/${path}`;

  /** deliveredOrAccepted (dispatcher.ts) on this negotiation's counterparty, logged when the counterparty's state decided. */
  const confirmed = async (r: DispatchResult, n: ContractNegotiation, reached: readonly string[], what: string): Promise<string | null> => {
    const provider = n.role === 'provider';
    const state = await deliveredOrAccepted(deps.dispatcher, r, provider ? callback(n) : n.counterparty, `negotiations/${encodeURIComponent(provider ? n.consumerPid : (n.providerPid ?? ''))}`, reached, what);
    if (state !== null) deps.log.info({ negotiation: n.id, counterpartyState: state }, `${what} had already been delivered`);
    return state;
  };


  /** Provider, first part of AGREEING: may this request become an agreement? kouan/contract, then kouan/export. */
  const decide: Processor<ContractNegotiation> = async (n, holder) => {
    const now = clock.now();
    const peer = { participantId: n.counterparty.participantId, country: n.counterparty.country ?? '', certThumbprint: '', serial: '' };
    const asset = await stores.assets.get(n.offer.assetId);
    const reasons: Reason[] = [];
    let path = null;
    let exported: Decision | null = null;
    const approvals = await stores.approvals.list();
    if (!asset) {
      reasons.push({ code: 'DSP_UNKNOWN_OFFER', message: `dataset ${n.offer.assetId} is no longer offered`, basis: 'catalog', effect: 'deny' });
    } else {
      const contract = deps.policy.evaluate('kouan/contract/decision', contractInput(now, peer, n.terms, n.offer.policy));
      reasons.push(...denials(contract));
      try {
        exported = deps.policy.evaluate('kouan/export/decision', exportInput(now, await deps.exporter(), peer, asset, n.terms.purpose, await deps.cumulative(), approvals));
        reasons.push(...denials(exported));
        path = exported.path ?? null;
      } catch (error) {
        // Facts the export decision cannot take (a recipient in mainland China is no export; contradictory asset
        // counts): refused, never retried into the same answer.
        if (!(error instanceof InputError)) throw error;
        reasons.push({ code: 'EXPORT_INPUT_INVALID', message: `the export decision cannot take this flow: ${error.message}`, basis: 'kouan/export input', effect: 'deny' });
      }
    }
    if (reasons.length > 0 || !path) {
      deps.log.info({ negotiation: n.id, codes: reasons.map((r) => r.code) }, 'negotiation refused by policy');
      await emitNegotiationDenial(deps, n, reasons);
      await save(move(n, 'TERMINATING', { reasons, plan: undefined }), n, holder);
      return;
    }
    // Flows count towards the thresholds unless an exempting scenario decided the path (its info reason says so).
    const counted = !exported!.reasons.some((r) => r.effect === 'info' && r.code.startsWith('EXPORT_SCENARIO_'));
    const agreement = { ...concludeAgreement(n, deps.self.participantId, path, now), counted, filing: filingFacts(approvals, n.counterparty.participantId, exported!) };
    agreement.signatures.provider = await signDetached(agreement.document, deps.self);
    await stores.agreements.create(agreement);
    // Recorded before it is sent, so that a crash never concludes a second agreement; the next pass sends it.
    await save({ ...n, agreementId: agreement.id, updatedAt: nextVersion(n.updatedAt, clock) }, n, holder);
  };

  return {
    consumer: {
      REQUESTING: async (n, holder) => {
        // The initial request names where to call back; a counter-request goes to the provider's process instead.
        const path = n.providerPid ? toProvider(n, 'request') : 'negotiations/request';
        const r = accepted(
          await deps.dispatcher.send(n.counterparty, path, message('ContractRequestMessage', {
            consumerPid: n.consumerPid,
            ...(n.providerPid ? { providerPid: n.providerPid } : { callbackAddress: deps.callbackAddress }),
            offer: { '@id': n.offer.id, '@type': 'Offer', target: n.offer.assetId, ...toDsp(n.offer.policy) },
            ...(n.terms.purpose ? { 'kouan:purpose': n.terms.purpose } : {}),
            'kouan:acceptedObligations': n.terms.acceptedObligations,
          })),
          'contract request',
        );
        const providerPid = String((r.body as Record<string, unknown>).providerPid ?? n.providerPid ?? '');
        await save(delivered(n, 'REQUESTED', { providerPid }, 'requested'), n, holder);
      },
      ACCEPTING: async (n, holder) => {
        accepted(await deps.dispatcher.send(n.counterparty, toProvider(n, 'events'), message('ContractNegotiationEventMessage', { ...pids(n), eventType: 'ACCEPTED' })), 'accept');
        await save(delivered(n, 'ACCEPTED'), n, holder);
      },
      VERIFYING: async (n, holder) => {
        const agreement = n.agreementId ? await stores.agreements.get(n.agreementId) : null;
        if (!agreement) throw new KouanError('DSP_INVALID_STATE', 'no agreement to verify');
        const signature = agreement.signatures.consumer ?? (await signDetached(agreement.document, deps.self));
        if (!agreement.signatures.consumer) await stores.agreements.save({ ...agreement, signatures: { ...agreement.signatures, consumer: signature } });
        const r = await deps.dispatcher.send(n.counterparty, toProvider(n, 'agreement/verification'), message('ContractAgreementVerificationMessage', { ...pids(n), 'kouan:signature': signature }));
        // A provider already FINALIZED had its FINALIZED event accepted by us once: the crash lost that record too.
        const seen = await confirmed(r, n, ['VERIFIED', 'FINALIZED'], 'verification');
        await save(seen === 'FINALIZED' ? move(n, 'FINALIZED') : delivered(n, 'VERIFIED'), n, holder);
      },
      TERMINATING: async (n, holder) => terminate(n, holder, toProvider(n, 'termination')),
    },
    provider: {
      OFFERING: async (n, holder) => {
        // DSP: an offer in an existing negotiation names the consumer's process and no callback address.
        accepted(await deps.dispatcher.send(callback(n), toConsumer(n, 'offers'), message('ContractOfferMessage', {
          ...pids(n),
          offer: { '@id': n.offer.id, '@type': 'Offer', target: n.offer.assetId, assigner: deps.self.participantId, ...toDsp(n.offer.policy) },
        })), 'offer');
        await save(delivered(n, 'OFFERED'), n, holder);
      },
      AGREEING: async (n, holder) => {
        if (!n.agreementId) return decide(n, holder);
        const agreement = await stores.agreements.get(n.agreementId);
        if (!agreement) throw new KouanError('DSP_INVALID_STATE', 'the agreement was not recorded');
        const r = await deps.dispatcher.send(callback(n), toConsumer(n, 'agreement'), message('ContractAgreementMessage', {
          ...pids(n),
          agreement: agreement.document,
          callbackAddress: deps.callbackAddress,
          'kouan:signature': agreement.signatures.provider,
          'kouan:agreement': { exportPath: agreement.exportPath, start: agreement.start, end: agreement.end },
        }));
        await confirmed(r, n, ['AGREED', 'VERIFIED', 'FINALIZED'], 'agreement');
        await save(delivered(n, 'AGREED'), n, holder);
      },
      FINALIZING: async (n, holder) => {
        await confirmed(await deps.dispatcher.send(callback(n), toConsumer(n, 'events'), message('ContractNegotiationEventMessage', { ...pids(n), eventType: 'FINALIZED' })), n, ['FINALIZED'], 'finalize');
        const agreement = n.agreementId ? await stores.agreements.get(n.agreementId) : null;
        if (agreement) await emitFiling(deps, agreement, 'concluded');
        await save(move(n, 'FINALIZED'), n, holder);
        deps.log.info({ negotiation: n.id, agreement: n.agreementId }, 'agreement finalized');
      },
      TERMINATING: async (n, holder) => terminate(n, holder, toConsumer(n, 'termination')),
    },
  };

  function callback(n: ContractNegotiation) {
    return { ...n.counterparty, address: n.callbackAddress ?? n.counterparty.address };
  }

  async function terminate(n: ContractNegotiation, holder: string, path: string): Promise<void> {
    const target = n.role === 'provider' ? callback(n) : n.counterparty;
    if (target.address) {
      const r = await deps.dispatcher.send(target, path, message('ContractNegotiationTerminationMessage', {
        ...pids(n),
        code: n.reasons[0]?.code ?? 'TERMINATED',
        ...reasonTexts(n.reasons),
      }));
      await confirmed(r, n, ['TERMINATED'], 'termination');
    }
    await save(move(n, 'TERMINATED'), n, holder);
  }
}
