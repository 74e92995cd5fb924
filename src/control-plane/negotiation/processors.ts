/**
 * What a connector does in each negotiation state (the manager's processor table): decide with the
 * policies, send the next protocol message, record the outcome.
 */
import { KouanError } from '../../core/errors.ts';
import { denials, type Reason } from '../../policy/decision.ts';
import { signDetached } from '../../trust/jws.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import type { DispatchResult } from '../dispatcher.ts';
import { message } from '../dsp/jsonld.ts';
import { toDsp } from '../dsp/odrl.ts';
import type { ContractNegotiation, NegotiationState } from '../model.ts';
import { contractInput, exportInput } from '../policy-inputs.ts';
import { negotiationTransitions, transition } from '../states.ts';
import type { Processor } from '../manager.ts';
import { concludeAgreement } from './agreement.ts';

type Table = Partial<Record<'provider' | 'consumer', Partial<Record<NegotiationState, Processor<ContractNegotiation>>>>>;

const ok = (r: DispatchResult, what: string): DispatchResult => {
  if (r.status >= 200 && r.status < 300) return r;
  const detail = typeof r.body === 'object' && r.body ? JSON.stringify(r.body).slice(0, 500) : String(r.body).slice(0, 200);
  throw new KouanError('DSP_COUNTERPARTY_REFUSED', `${what}: HTTP ${r.status} ${detail}`);
};

export function negotiationProcessors(deps: ControlPlaneDeps): Table {
  const { stores, clock } = deps;
  const save = (next: ContractNegotiation, previous: ContractNegotiation, holder: string) => stores.negotiations.save(next, previous.updatedAt, holder);
  const move = (n: ContractNegotiation, to: NegotiationState, extra: Partial<ContractNegotiation> = {}) => ({ ...transition(n, to, negotiationTransitions, clock), ...extra });
  const pids = (n: ContractNegotiation) => ({ consumerPid: n.consumerPid, providerPid: n.providerPid ?? '' });

  /** Provider: may this request become an agreement? kouan/contract, then kouan/export. */
  const decide: Processor<ContractNegotiation> = async (n, holder) => {
    const now = clock.now();
    const peer = { participantId: n.counterparty.participantId, country: n.counterparty.country ?? '', certThumbprint: '', serial: '' };
    const asset = await stores.assets.get(n.offer.assetId);
    const reasons: Reason[] = [];
    let path = null;
    if (!asset) {
      reasons.push({ code: 'DSP_UNKNOWN_OFFER', message: `dataset ${n.offer.assetId} is no longer offered`, basis: 'catalog', effect: 'deny' });
    } else {
      const contract = deps.policy.evaluate('kouan/contract/decision', contractInput(now, peer, n.terms, n.offer.policy));
      reasons.push(...denials(contract));
      const exported = deps.policy.evaluate('kouan/export/decision', exportInput(now, await deps.exporter(), peer, asset, n.terms.purpose, await deps.cumulative(), await stores.approvals.list()));
      reasons.push(...denials(exported));
      path = exported.path ?? null;
    }
    if (reasons.length > 0 || !path) {
      deps.log.info({ negotiation: n.id, codes: reasons.map((r) => r.code) }, 'negotiation refused by policy');
      await save(move(n, 'TERMINATING', { reasons }), n, holder);
      return;
    }
    const agreement = concludeAgreement(n, deps.self.participantId, path, now);
    agreement.signatures.provider = await signDetached(agreement.document, deps.self);
    await stores.agreements.create(agreement);
    await save(move(n, 'AGREEING', { agreementId: agreement.id }), n, holder);
  };

  return {
    consumer: {
      REQUESTING: async (n, holder) => {
        const path = n.providerPid ? `negotiations/${encodeURIComponent(n.providerPid)}/request` : 'negotiations/request';
        const r = ok(
          await deps.dispatcher.send(n.counterparty, path, message('ContractRequestMessage', {
            consumerPid: n.consumerPid,
            ...(n.providerPid ? { providerPid: n.providerPid } : {}),
            offer: { '@id': n.offer.id, '@type': 'Offer', target: n.offer.assetId, ...toDsp(n.offer.policy) },
            // The initial request names where to call back; a counter-request names the provider's process instead.
            ...(n.providerPid ? {} : { callbackAddress: deps.callbackAddress }),
            ...(n.terms.purpose ? { 'kouan:purpose': n.terms.purpose } : {}),
            'kouan:acceptedObligations': n.terms.acceptedObligations,
          })),
          'contract request',
        );
        const providerPid = String((r.body as Record<string, unknown>).providerPid ?? n.providerPid ?? '');
        await save(move(n, 'REQUESTED', { providerPid }), n, holder);
      },
      ACCEPTING: async (n, holder) => {
        ok(await deps.dispatcher.send(n.counterparty, `negotiations/${encodeURIComponent(n.providerPid ?? '')}/events`, message('ContractNegotiationEventMessage', { ...pids(n), eventType: 'ACCEPTED' })), 'accept');
        await save(move(n, 'ACCEPTED'), n, holder);
      },
      VERIFYING: async (n, holder) => {
        const agreement = n.agreementId ? await stores.agreements.get(n.agreementId) : null;
        if (!agreement) throw new KouanError('DSP_INVALID_STATE', 'no agreement to verify');
        const signature = agreement.signatures.consumer ?? (await signDetached(agreement.document, deps.self));
        if (!agreement.signatures.consumer) await stores.agreements.save({ ...agreement, signatures: { ...agreement.signatures, consumer: signature } });
        ok(await deps.dispatcher.send(n.counterparty, `negotiations/${encodeURIComponent(n.providerPid ?? '')}/agreement/verification`, message('ContractAgreementVerificationMessage', { ...pids(n), 'kouan:signature': signature })), 'verification');
        await save(move(n, 'VERIFIED'), n, holder);
      },
      AGREED: async (n, holder) => save(move(n, 'VERIFYING'), n, holder),
      TERMINATING: async (n, holder) => terminate(n, holder, `negotiations/${encodeURIComponent(n.providerPid ?? '')}/termination`),
    },
    provider: {
      REQUESTED: decide,
      ACCEPTED: decide,
      AGREEING: async (n, holder) => {
        const agreement = await stores.agreements.get(n.agreementId ?? '');
        if (!agreement) throw new KouanError('DSP_INVALID_STATE', 'the agreement was not recorded');
        ok(
          await deps.dispatcher.send(callback(n), `negotiations/${encodeURIComponent(n.consumerPid)}/agreement`, message('ContractAgreementMessage', {
            ...pids(n),
            agreement: agreement.document,
            callbackAddress: deps.callbackAddress,
            'kouan:signature': agreement.signatures.provider,
            'kouan:agreement': { exportPath: agreement.exportPath, start: agreement.start, end: agreement.end },
          })),
          'agreement',
        );
        await save(move(n, 'AGREED'), n, holder);
      },
      VERIFIED: async (n, holder) => save(move(n, 'FINALIZING'), n, holder),
      FINALIZING: async (n, holder) => {
        ok(await deps.dispatcher.send(callback(n), `negotiations/${encodeURIComponent(n.consumerPid)}/events`, message('ContractNegotiationEventMessage', { ...pids(n), eventType: 'FINALIZED' })), 'finalize');
        await save(move(n, 'FINALIZED'), n, holder);
        deps.log.info({ negotiation: n.id, agreement: n.agreementId }, 'agreement finalized');
      },
      TERMINATING: async (n, holder) => terminate(n, holder, `negotiations/${encodeURIComponent(n.consumerPid)}/termination`),
    },
  };

  function callback(n: ContractNegotiation) {
    return { ...n.counterparty, address: n.callbackAddress ?? n.counterparty.address };
  }

  async function terminate(n: ContractNegotiation, holder: string, path: string): Promise<void> {
    const target = n.role === 'provider' ? callback(n) : n.counterparty;
    if (target.address) {
      ok(await deps.dispatcher.send(target, path, message('ContractNegotiationTerminationMessage', {
        ...pids(n),
        code: n.reasons[0]?.code ?? 'TERMINATED',
        reason: n.reasons.map((r) => `${r.code}: ${r.message}`),
      })), 'termination');
    }
    await save(move(n, 'TERMINATED'), n, holder);
  }
}
