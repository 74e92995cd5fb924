/**
 * Builds the inputs of kouan/contract and kouan/export from what the connector holds. The consumer's
 * identity and country always come from its certificate (the attested peer), never from a message.
 */
import type { PeerIdentity } from '../trust/identity.ts';
import type { Approval, ApprovalKind, Asset, Cumulative, UsagePolicy } from './model.ts';

export interface ExporterProfile {
  id: string;
  ciio: boolean;
  ftz: string | null;
  /** A state organ or body with public-affairs functions (PIPL arts. 36-37). */
  stateOrgan?: boolean;
  /** Foreign-controlled (HGR Regs art. 7). */
  foreignControlled?: boolean;
  /** Registered in the Greater Bay Area (Mainland-Hong Kong standard contract). */
  gba?: boolean;
}

export interface RequestTerms {
  purpose: string | null;
  acceptedObligations: string[];
}

export function contractInput(now: Date, peer: PeerIdentity, terms: RequestTerms, policy: UsagePolicy, usage = { requests: 0, records: 0, subjects: 0 }) {
  return {
    now: now.toISOString(),
    consumer: { id: peer.participantId, country: peer.country },
    request: { ...(terms.purpose ? { purpose: terms.purpose } : {}), obligations_accepted: [...new Set(terms.acceptedObligations)] },
    policy,
    usage,
  };
}

const APPROVAL_LISTS: Record<ApprovalKind, string> = {
  security_assessment: 'security_assessments',
  standard_contract: 'standard_contracts',
  certification: 'certifications',
  pipia: 'pipias',
  hgr_approval: 'hgr_approvals',
  export_licence: 'export_licences',
};

export function approvalLists(approvals: Approval[]): Record<string, Array<Record<string, unknown>>> {
  const lists: Record<string, Array<Record<string, unknown>>> = Object.fromEntries(Object.values(APPROVAL_LISTS).map((k) => [k, []]));
  for (const approval of approvals) lists[APPROVAL_LISTS[approval.kind]]!.push(approval.entry);
  return lists;
}

export function exportInput(now: Date, exporter: ExporterProfile, peer: PeerIdentity, asset: Asset, purpose: string | null, cumulative: Cumulative, approvals: Approval[]) {
  const c = asset.classification;
  return {
    now: now.toISOString(),
    exporter: { id: exporter.id, ciio: exporter.ciio, ftz: exporter.ftz, state_organ: exporter.stateOrgan ?? false, foreign_controlled: exporter.foreignControlled ?? false, gba: exporter.gba ?? false },
    recipient: { id: peer.participantId, country: peer.country, kind: 'organization', prc_approval: null },
    data: {
      grade: c.grade,
      domain: c.domain,
      categories: c.categories,
      pi: { subjects: c.pi.subjects, sensitive_subjects: c.pi.sensitiveSubjects, sensitive_kinds: c.pi.sensitiveKinds },
      hgr: { present: c.hgr.present, sequencing_subjects: c.hgr.sequencingSubjects },
      export_controlled: c.exportControlled,
      scenario: c.scenario,
      purpose: purpose ?? 'unspecified',
    },
    cumulative: { subjects: cumulative.subjects, sensitive_subjects: cumulative.sensitiveSubjects },
    approvals: approvalLists(approvals),
  };
}
