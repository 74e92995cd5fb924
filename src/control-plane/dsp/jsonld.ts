/** Dataspace Protocol 2025-1 vocabulary: contexts, paths and message envelopes. */
export const DSP_VERSION = '2025-1';
export const DSP_PATH = `/dsp/${DSP_VERSION}`;
export const DSP_CONTEXT = 'https://w3id.org/dspace/2025/1/context.jsonld';
/**
 * The only context sent: the specification's schemas accept an array of context URLs and peers resolve no
 * remote contexts. Kouan's extension terms (kouan:purpose, kouan:signature...) travel as compact IRIs in the
 * kouan: scheme; peers that do not know them ignore them.
 */
export const CONTEXT: string[] = [DSP_CONTEXT];

export type DspType =
  | 'CatalogRequestMessage'
  | 'DatasetRequestMessage'
  | 'Catalog'
  | 'Dataset'
  | 'CatalogError'
  | 'ContractRequestMessage'
  | 'ContractOfferMessage'
  | 'ContractAgreementMessage'
  | 'ContractAgreementVerificationMessage'
  | 'ContractNegotiationEventMessage'
  | 'ContractNegotiationTerminationMessage'
  | 'ContractNegotiation'
  | 'ContractNegotiationError'
  | 'TransferRequestMessage'
  | 'TransferStartMessage'
  | 'TransferCompletionMessage'
  | 'TransferSuspensionMessage'
  | 'TransferTerminationMessage'
  | 'TransferProcess'
  | 'TransferError';

export type DspMessage = { '@context': unknown[]; '@type': DspType; [key: string]: unknown };

export const message = (type: DspType, body: Record<string, unknown>): DspMessage => ({ '@context': CONTEXT, '@type': type, ...body });

/** True when the @context is an array holding the DSP 2025-1 context (nothing is fetched). */
export const hasDspContext = (value: unknown): boolean => Array.isArray(value) && value.includes(DSP_CONTEXT);

type Reasons = Array<{ code: string; message: string; basis?: string }>;

/** DSP's `reason` list from Kouan's reasons ("CODE: message"), left out when there is none (DSP wants at least one when present). */
/**
 * Reasons as the DSP `reason` strings a peer of any make can show: `CODE: message [basis: …]`, so that the
 * counterparty sees the article a refusal rests on, not only its code (reasonsOf reads them back).
 */
export const reasonTexts = (reasons: Reasons): { reason?: string[] } =>
  (reasons.length ? { reason: reasons.map((r) => `${r.code}: ${r.message}${r.basis ? ` [basis: ${r.basis}]` : ''}`) } : {});

/** A counterparty's DSP `reason` entries as reasons: Kouan's `CODE: message [basis: …]` form, or any other text. */
export function reasonsOf(entries: unknown): Array<{ code: string; message: string; basis: string; effect: 'deny' }> {
  return (Array.isArray(entries) ? entries : []).slice(0, 100).map((entry) => {
    const text = (typeof entry === 'string' ? entry : JSON.stringify(entry)).slice(0, 2000);
    const match = /^([A-Z][A-Z0-9_]+): ([\s\S]*?)(?: \[basis: ([^\]]*)\])?$/.exec(text);
    return match
      ? { code: match[1]!, message: match[2]!, basis: match[3] ? `counterparty: ${match[3]}` : 'counterparty', effect: 'deny' as const }
      : { code: 'DSP_COUNTERPARTY_REFUSED', message: text, basis: 'counterparty', effect: 'deny' as const };
  });
}

/** A DSP error body: the protocol's code (an HTTP status text) and Kouan's reason codes with their messages. */
export function errorBody(type: 'ContractNegotiationError' | 'TransferError' | 'CatalogError', code: string, reasons: Reasons, pids: { consumerPid?: string | null; providerPid?: string | null } = {}): DspMessage {
  return message(type, {
    ...(pids.consumerPid ? { consumerPid: pids.consumerPid } : {}),
    ...(pids.providerPid ? { providerPid: pids.providerPid } : {}),
    code,
    ...reasonTexts(reasons),
  });
}
