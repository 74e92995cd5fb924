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

type Reasons = Array<{ code: string; message: string }>;

/** DSP's `reason` list from Kouan's reasons ("CODE: message"), left out when there is none (DSP wants at least one when present). */
export const reasonTexts = (reasons: Reasons): { reason?: string[] } => (reasons.length ? { reason: reasons.map((r) => `${r.code}: ${r.message}`) } : {});

/** A DSP error body: the protocol's code (an HTTP status text) and Kouan's reason codes with their messages. */
export function errorBody(type: 'ContractNegotiationError' | 'TransferError' | 'CatalogError', code: string, reasons: Reasons, pids: { consumerPid?: string | null; providerPid?: string | null } = {}): DspMessage {
  return message(type, {
    ...(pids.consumerPid ? { consumerPid: pids.consumerPid } : {}),
    ...(pids.providerPid ? { providerPid: pids.providerPid } : {}),
    code,
    ...reasonTexts(reasons),
  });
}
