/** What a connector does in each -ING transfer state (the manager's processor table; see negotiation/processors.ts). */
import { denials, type Reason } from '../../policy/decision.ts';
import { issueAccessToken } from '../../trust/access-tokens.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { accepted, deliveredOrAccepted, type DispatchResult } from '../dispatcher.ts';
import { message, reasonTexts } from '../dsp/jsonld.ts';
import type { Processor } from '../manager.ts';
import type { TransferEvent, TransferProcess, TransferState } from '../model.ts';
import { Planner } from '../plan.ts';
import { contractInput } from '../policy-inputs.ts';
import { transferTransitions, transition } from '../states.ts';

type Table = Partial<Record<'provider' | 'consumer', Partial<Record<TransferState, Processor<TransferProcess>>>>>;

export interface TransferProcessorOptions {
  /** Public base URL of this connector's data-plane gateway, given to consumers in the data address. */
  gatewayUrl: string;
}

export function transferProcessors(deps: ControlPlaneDeps, options: TransferProcessorOptions): Table {
  const { stores, clock } = deps;
  const planner = new Planner(deps.script, clock);
  const save = (next: TransferProcess, previous: TransferProcess, holder: string) => stores.transfers.save(next, previous.updatedAt, holder);
  const move = (t: TransferProcess, to: TransferState, extra: Partial<TransferProcess> = {}) => ({ ...transition(t, to, transferTransitions, clock), ...extra });
  /** Our step's message was delivered: the state it leads to, then the plan's next step (or what `event` calls for). */
  const delivered = (t: TransferProcess, to: TransferState, extra: Partial<TransferProcess> = {}, event?: TransferEvent) => planner.transferDelivered(move(t, to, extra), event);
  const pids = (t: TransferProcess) => ({ consumerPid: t.consumerPid, providerPid: t.providerPid ?? '' });
  const peerOf = (t: TransferProcess) => ({ ...t.counterparty, address: t.callbackAddress ?? t.counterparty.address });
  const counterpartPid = (t: TransferProcess) => encodeURIComponent((t.role === 'provider' ? t.consumerPid : t.providerPid) ?? '');
  /** deliveredOrAccepted (dispatcher.ts) on this transfer's counterparty, logged when the counterparty's state decided. */
  const confirmed = async (r: DispatchResult, t: TransferProcess, reached: readonly string[], what: string): Promise<void> => {
    const state = await deliveredOrAccepted(deps.dispatcher, r, peerOf(t), `transfers/${counterpartPid(t)}`, reached, what);
    if (state !== null) deps.log.info({ transfer: t.id, counterpartyState: state }, `${what} had already been delivered`);
  };

  /** Provider: why the agreement no longer holds for this consumer (kouan/contract with the usage so far), if it does not. */
  const refusals = async (t: TransferProcess): Promise<Reason[]> => {
    const agreement = await stores.agreements.get(t.agreementId);
    if (!agreement || agreement.state !== 'ACTIVE') return [{ code: 'DSP_AGREEMENT_NOT_ACTIVE', message: 'the agreement is not active', basis: 'agreement', effect: 'deny' }];
    const peer = { participantId: t.counterparty.participantId, country: t.counterparty.country ?? '', certThumbprint: '', serial: '' };
    return denials(deps.policy.evaluate('kouan/contract/decision', contractInput(clock.now(), peer, agreement.terms, agreement.policy)));
  };

  const signal = (kind: 'suspension' | 'termination' | 'completion', type: 'TransferSuspensionMessage' | 'TransferTerminationMessage' | 'TransferCompletionMessage', to: 'SUSPENDED' | 'TERMINATED' | 'COMPLETED'): Processor<TransferProcess> =>
    async (t, holder) => {
      const body = kind === 'completion' ? pids(t) : { ...pids(t), code: t.reasons[0]?.code ?? to, ...reasonTexts(t.reasons) };
      await confirmed(await deps.dispatcher.send(peerOf(t), `transfers/${counterpartPid(t)}/${kind}`, message(type, body)), t, [to], kind);
      await save(to === 'SUSPENDED' ? delivered(t, to, { suspendedBy: t.role }) : move(t, to), t, holder);
    };
  const signals = {
    SUSPENDING: signal('suspension', 'TransferSuspensionMessage', 'SUSPENDED'),
    TERMINATING: signal('termination', 'TransferTerminationMessage', 'TERMINATED'),
    COMPLETING: signal('completion', 'TransferCompletionMessage', 'COMPLETED'),
  };

  return {
    consumer: {
      REQUESTING: async (t, holder) => {
        const r = accepted(await deps.dispatcher.send(t.counterparty, 'transfers/request', message('TransferRequestMessage', { consumerPid: t.consumerPid, agreementId: t.agreementId, format: t.format, callbackAddress: deps.callbackAddress })), 'transfer request');
        await save(delivered(t, 'REQUESTED', { providerPid: String((r.body as Record<string, unknown>).providerPid ?? '') }, 'requested'), t, holder);
      },
      // Resumed once the provider's start (with a fresh data address) arrives; the plan goes on from there.
      RESUMING: async (t, holder) => {
        accepted(await deps.dispatcher.send(t.counterparty, `transfers/${counterpartPid(t)}/start`, message('TransferStartMessage', pids(t))), 'resume');
        await save(move(t, 'STARTING'), t, holder);
      },
      ...signals,
    },
    provider: {
      // Starts (or restarts after a suspension) if the agreement still holds, with a fresh endpoint data reference.
      STARTING: async (t, holder) => {
        const reasons = await refusals(t);
        if (reasons.length > 0) {
          await save(move(t, 'TERMINATING', { reasons, plan: undefined }), t, holder);
          return;
        }
        const { token, expiresAt } = await issueAccessToken(deps.self, clock, {
          consumerId: t.counterparty.participantId,
          consumerThumbprint: t.counterparty.certThumbprint ?? '',
          transferId: t.id,
          agreementId: t.agreementId,
        });
        const dataAddress = {
          '@type': 'DataAddress',
          endpointType: 'https://w3id.org/idsa/v4.1/HTTP',
          endpoint: `${options.gatewayUrl.replace(/\/+$/, '')}/transfers/${encodeURIComponent(t.id)}`,
          endpointProperties: [
            { '@type': 'EndpointProperty', name: 'authorization', value: token },
            { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
            { '@type': 'EndpointProperty', name: 'expiresAt', value: expiresAt },
          ],
        };
        await confirmed(await deps.dispatcher.send(peerOf(t), `transfers/${counterpartPid(t)}/start`, message('TransferStartMessage', { ...pids(t), dataAddress })), t, ['STARTED'], 'transfer start');
        await save(delivered(t, 'STARTED'), t, holder);
      },
      ...signals,
    },
  };
}
