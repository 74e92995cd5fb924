/**
 * The records the control plane sends the registry: a filing record when an agreement is concluded or ends,
 * a denial record when a negotiation is refused. Ids are derived from what they record, so a step that runs
 * again after a crash enqueues the same record, which the outbox and the registry keep once.
 */
import { derivedRecordId } from '../records/ids.ts';
import type { Decision, Reason } from '../policy/decision.ts';
import type { ControlPlaneDeps } from './deps.ts';
import type { Approval, Asset, ContractAgreement, ContractNegotiation } from './model.ts';

const mentions = (approval: Approval, participantId: string) => {
  const e = approval.entry as { recipient?: unknown; recipients?: unknown };
  return e.recipient === participantId || (Array.isArray(e.recipients) && e.recipients.includes(participantId));
};

/** What the filing record will report, taken when the provider decides. */
export function filingFacts(approvals: Approval[], consumerId: string, exported: Decision): NonNullable<ContractAgreement['filing']> {
  return {
    approvals: approvals.filter((a) => mentions(a, consumerId)).map((a) => ({ kind: a.kind, ref: a.entry.ref })),
    deadlines: exported.obligations
      .filter((o) => typeof o.due === 'string')
      .map((o) => ({ type: String(o.type), due: String(o.due), ref: typeof o.ref === 'string' ? o.ref : null })),
  };
}

export async function emitFiling(deps: ControlPlaneDeps, agreement: ContractAgreement, event: 'concluded' | 'ended'): Promise<void> {
  if (!deps.records) return;
  const asset: Asset | null = await deps.stores.assets.get(agreement.assetId);
  const c = asset?.classification;
  await deps.records.emit(
    'filing',
    {
      event,
      agreement: agreement.id,
      provider: agreement.providerId,
      consumer: agreement.consumerId,
      destinationCountry: agreement.consumerCountry,
      datasets: [agreement.assetId],
      grade: c?.grade ?? 'general',
      domain: c?.domain ?? 'unknown',
      categories: c?.categories ?? [],
      pi: { subjects: c?.pi.subjects ?? 0, sensitiveSubjects: c?.pi.sensitiveSubjects ?? 0, sensitiveKinds: c?.pi.sensitiveKinds ?? [] },
      exportPath: agreement.exportPath,
      approvals: agreement.filing?.approvals ?? [],
      deadlines: agreement.filing?.deadlines ?? [],
      start: agreement.start,
      end: agreement.end,
    },
    derivedRecordId(deps.self.participantId, 'filing', event, agreement.id),
  );
}

export async function emitNegotiationDenial(deps: ControlPlaneDeps, n: ContractNegotiation, reasons: Reason[]): Promise<void> {
  if (!deps.records) return;
  await deps.records.emit(
    'denial',
    { stage: 'negotiation', consumer: n.counterparty.participantId, destinationCountry: n.counterparty.country, reasons, negotiation: n.id, dataset: n.offer.assetId },
    derivedRecordId(deps.self.participantId, 'denial', 'negotiation', n.id),
  );
}
