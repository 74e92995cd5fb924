/** What a connector does in each transfer state (the manager's processor table). */
import { KouanError } from '../../core/errors.ts';
import { denials, type Reason } from '../../policy/decision.ts';
import { issueAccessToken } from '../../trust/access-tokens.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import type { DispatchResult } from '../dispatcher.ts';
import { message } from '../dsp/jsonld.ts';
import type { Processor } from '../manager.ts';
import type { TransferProcess, TransferState } from '../model.ts';
import { contractInput } from '../policy-inputs.ts';
import { transferTransitions, transition } from '../states.ts';

type Table = Partial<Record<'provider' | 'consumer', Partial<Record<TransferState, Processor<TransferProcess>>>>>;

const ok = (r: DispatchResult, what: string): void => {
  if (r.status >= 200 && r.status < 300) return;
  throw new KouanError('DSP_COUNTERPARTY_REFUSED', `${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
};

export interface TransferProcessorOptions {
  /** Public base URL of this connector's data-plane gateway, given to consumers in the data address. */
  gatewayUrl: string;
}

export function transferProcessors(deps: ControlPlaneDeps, options: TransferProcessorOptions): Table {
  const { stores, clock } = deps;
  const save = (next: TransferProcess, previous: TransferProcess, holder: string) => stores.transfers.save(next, previous.updatedAt, holder);
  const move = (t: TransferProcess, to: TransferState, extra: Partial<TransferProcess> = {}) => ({ ...transition(t, to, transferTransitions, clock), ...extra });
  const pids = (t: TransferProcess) => ({ consumerPid: t.consumerPid, providerPid: t.providerPid ?? '' });
  const peerOf = (t: TransferProcess) => ({ ...t.counterparty, address: t.callbackAddress ?? t.counterparty.address });
  const counterpartPid = (t: TransferProcess) => encodeURIComponent((t.role === 'provider' ? t.consumerPid : t.providerPid) ?? '');

  /** Provider: the agreement still holds for this consumer (kouan/contract with the usage so far). */
  const decide: Processor<TransferProcess> = async (t, holder) => {
    const agreement = await stores.agreements.get(t.agreementId);
    const now = clock.now();
    const reasons: Reason[] = [];
    if (!agreement || agreement.state !== 'ACTIVE') reasons.push({ code: 'DSP_AGREEMENT_NOT_ACTIVE', message: 'the agreement is not active', basis: 'agreement', effect: 'deny' });
    else {
      const peer = { participantId: t.counterparty.participantId, country: t.counterparty.country ?? '', certThumbprint: '', serial: '' };
      reasons.push(...denials(deps.policy.evaluate('kouan/contract/decision', contractInput(now, peer, agreement.terms, agreement.policy))));
    }
    await save(reasons.length ? move(t, 'TERMINATING', { reasons }) : move(t, 'STARTING'), t, holder);
  };

  const signal = (kind: 'suspension' | 'termination' | 'completion', type: 'TransferSuspensionMessage' | 'TransferTerminationMessage' | 'TransferCompletionMessage', to: TransferState): Processor<TransferProcess> =>
    async (t, holder) => {
      ok(await deps.dispatcher.send(peerOf(t), `transfers/${counterpartPid(t)}/${kind}`, message(type, { ...pids(t), ...(kind === 'completion' ? {} : { code: t.reasons[0]?.code ?? to, reason: t.reasons.map((r) => `${r.code}: ${r.message}`) }) })), kind);
      await save(move(t, to), t, holder);
    };

  return {
    consumer: {
      REQUESTING: async (t, holder) => {
        const r = await deps.dispatcher.send(t.counterparty, 'transfers/request', message('TransferRequestMessage', { consumerPid: t.consumerPid, agreementId: t.agreementId, format: t.format, callbackAddress: deps.callbackAddress }));
        ok(r, 'transfer request');
        await save(move(t, 'REQUESTED', { providerPid: String((r.body as Record<string, unknown>).providerPid ?? '') }), t, holder);
      },
      RESUMING: async (t, holder) => {
        ok(await deps.dispatcher.send(t.counterparty, `transfers/${counterpartPid(t)}/start`, message('TransferStartMessage', pids(t))), 'resume');
        await save(move(t, 'STARTING'), t, holder);
      },
      SUSPENDING: signal('suspension', 'TransferSuspensionMessage', 'SUSPENDED'),
      TERMINATING: signal('termination', 'TransferTerminationMessage', 'TERMINATED'),
      COMPLETING: signal('completion', 'TransferCompletionMessage', 'COMPLETED'),
    },
    provider: {
      REQUESTED: decide,
      STARTING: async (t, holder) => {
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
        ok(await deps.dispatcher.send(peerOf(t), `transfers/${counterpartPid(t)}/start`, message('TransferStartMessage', { ...pids(t), dataAddress })), 'transfer start');
        await save(move(t, 'STARTED'), t, holder);
      },
      SUSPENDING: signal('suspension', 'TransferSuspensionMessage', 'SUSPENDED'),
      TERMINATING: signal('termination', 'TransferTerminationMessage', 'TERMINATED'),
      COMPLETING: signal('completion', 'TransferCompletionMessage', 'COMPLETED'),
    },
  };
}
