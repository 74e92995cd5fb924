import { randomUUID } from 'node:crypto';
import type { ExportPath } from '../../policy/decision.ts';
import { toDsp } from '../dsp/odrl.ts';
import type { ContractAgreement, ContractNegotiation } from '../model.ts';

const YEAR_MS = 365 * 86_400_000;

/** The end of validity the offer's dateTime constraints set, or a year from now. */
function validUntil(negotiation: ContractNegotiation, now: Date): string {
  const ends = negotiation.offer.policy.permissions
    .flatMap((p) => p.constraints ?? [])
    .filter((c) => c.leftOperand === 'dateTime' && (c.operator === 'lt' || c.operator === 'lteq') && typeof c.rightOperand === 'string')
    .map((c) => new Date(c.rightOperand as string).getTime())
    .filter((t) => Number.isFinite(t));
  return new Date(ends.length ? Math.min(...ends) : now.getTime() + YEAR_MS).toISOString();
}

/** The agreement a provider concludes: the DSP Agreement document both sides sign, and our record of it. */
export function concludeAgreement(negotiation: ContractNegotiation, providerId: string, exportPath: ExportPath, now: Date): ContractAgreement {
  const id = `urn:uuid:${randomUUID()}`;
  const document = {
    '@id': id,
    '@type': 'Agreement',
    target: negotiation.offer.assetId,
    assigner: providerId,
    assignee: negotiation.counterparty.participantId,
    timestamp: now.toISOString(),
    ...toDsp(negotiation.offer.policy),
  };
  return {
    id,
    negotiationId: negotiation.id,
    providerId,
    consumerId: negotiation.counterparty.participantId,
    consumerCountry: negotiation.counterparty.country ?? '',
    assetId: negotiation.offer.assetId,
    policy: negotiation.offer.policy,
    exportPath,
    start: now.toISOString(),
    end: validUntil(negotiation, now),
    signedAt: now.toISOString(),
    document,
    signatures: { provider: null, consumer: null },
    terms: negotiation.terms,
    state: 'ACTIVE',
  };
}
