import type { Asset, ContractAgreement, TransferProcess } from '../control-plane/model.ts';
import type { AgreementUsage } from '../storage/ports.ts';
import type { AccessClaims } from '../trust/access-tokens.ts';
import type { PeerIdentity } from '../trust/identity.ts';

/** The calendar year in Beijing time (UTC+8, no daylight saving), in which export counts add up. */
export const beijingYear = (now: Date): number => new Date(now.getTime() + 8 * 3_600_000).getUTCFullYear();

export interface GatewayFacts {
  now: Date;
  peer: PeerIdentity;
  claims: AccessClaims;
  providerId: string;
  agreement: ContractAgreement;
  transfer: TransferProcess;
  asset: Asset;
  usage: AgreementUsage;
  exporter: { id: string; ciio: boolean };
  cumulative: { subjects: number; sensitiveSubjects: number };
}

/** kouan/gateway input: the consumer's country is the attested one, never anything it sent. */
export function gatewayInput(f: GatewayFacts) {
  const pi = f.asset.classification.pi;
  return {
    now: f.now.toISOString(),
    peer: { participant_id: f.peer.participantId, country: f.peer.country },
    token: { sub: f.claims.consumerId, aud: f.providerId, exp: f.claims.exp, transfer_id: f.claims.transferId, agreement_id: f.claims.agreementId },
    agreement: {
      id: f.agreement.id,
      state: f.agreement.state === 'ACTIVE' ? 'FINALIZED' : 'TERMINATED',
      provider: f.agreement.providerId,
      consumer: f.agreement.consumerId,
      start: f.agreement.start,
      end: f.agreement.end,
      export_path: f.agreement.exportPath,
      // Flows whose path an exempting scenario decided (Provisions arts. 3-5) are not counted towards the thresholds;
      // a scenario merely claimed for the asset is not enough (the export decision said which one decided).
      counted: f.agreement.counted ?? true,
      ...(f.agreement.terms.purpose ? { purpose: f.agreement.terms.purpose } : {}),
      obligations_accepted: [...new Set(f.agreement.terms.acceptedObligations)],
      policy: f.agreement.policy,
    },
    transfer: { id: f.transfer.id, agreement_id: f.transfer.agreementId, state: f.transfer.state },
    usage: f.usage,
    exporter: f.exporter,
    cumulative: { subjects: f.cumulative.subjects, sensitive_subjects: f.cumulative.sensitiveSubjects },
    asset: { pi: pi.subjects > 0, sensitive: pi.sensitiveSubjects > 0 },
  };
}
