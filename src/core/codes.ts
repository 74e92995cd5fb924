/**
 * The one catalogue of stable error and reason codes. A code is never reused for another meaning:
 * retire a code by leaving it here marked as retired, never by repurposing it.
 */
export const codes = {
  // input and configuration
  INPUT_INVALID: { status: 400, summary: 'The input does not match its schema.' },
  INPUT_TOO_DEEP: { status: 400, summary: 'The JSON body nests arrays and objects deeper than the limit; refused before anything reads it.' },
  INPUT_TOO_LARGE: { status: 413, summary: 'The request body is larger than the limit.' },
  CONFIG_INVALID: { status: 500, summary: 'The configuration does not match its schema.' },
  NOT_FOUND: { status: 404, summary: 'No such resource.' },
  CONFLICT: { status: 409, summary: 'The resource exists or is in a state that forbids the change.' },
  INTERNAL: { status: 500, summary: 'An unexpected failure; the details are in the server log.' },

  // management API
  MANAGEMENT_UNAUTHORIZED: { status: 401, summary: 'The management API needs the participant\'s API key (x-api-key).' },
  OFFER_TERMS_INVALID: { status: 400, summary: 'The offer\'s usage policy has a term the contract policy does not take (a misspelt constraint, an unknown operator, action or duty); the reasons name it.' },

  // PKI administration
  PKI_CA_EXISTS: { status: 409, summary: 'A CA already exists in that directory; it is never overwritten.' },
  PKI_CA_MISSING: { status: 400, summary: 'No CA in that directory.' },
  PKI_UNKNOWN_PARTICIPANT: { status: 404, summary: 'No certificate was issued to that participant.' },
  PKI_UNKNOWN_SERIAL: { status: 404, summary: 'No certificate with that serial was issued by this CA.' },
  PKI_BAD_COUNTRY: { status: 400, summary: 'A country is an ISO 3166-1 alpha-2 code.' },
  PKI_BAD_PARTICIPANT_ID: { status: 400, summary: 'A participant id is 1-64 characters of a-z, 0-9, dot, dash, underscore.' },
  PKI_BAD_CERTIFICATE: { status: 400, summary: 'The file is not a readable PEM certificate.' },

  // mutual TLS: the peer certificate
  TLS_NO_CLIENT_CERT: { status: 401, summary: 'No client certificate was presented.' },
  TLS_UNKNOWN_CA: { status: 401, summary: 'The certificate does not chain to the data-space CA.' },
  TLS_SELF_SIGNED: { status: 401, summary: 'The certificate is self-signed.' },
  TLS_CERT_EXPIRED: { status: 401, summary: 'The certificate has expired.' },
  TLS_CERT_NOT_YET_VALID: { status: 401, summary: 'The certificate is not yet valid.' },
  TLS_CERT_REVOKED: { status: 401, summary: 'The certificate is revoked by the data-space CA.' },
  TLS_CRL_UNAVAILABLE: { status: 401, summary: 'Revocation could not be checked (no valid CRL); hard fail.' },
  // a new CRL refused (logged, never sent to a peer); the CRL in force stays
  TLS_CRL_INVALID: { status: 400, summary: 'The CRL is unreadable or not signed by the data-space CA.' },
  TLS_CRL_ROLLBACK: { status: 409, summary: 'The CRL is not newer than the one in force: a lower or reused CRL number, no number where the one in force has one, or an older thisUpdate.' },
  TLS_CERT_INVALID: { status: 401, summary: 'The certificate failed verification for another reason.' },
  TLS_NO_PARTICIPANT_ID: { status: 401, summary: 'The certificate carries no urn:kouan:participant SAN.' },
  TLS_WRONG_PEER: { status: 502, summary: 'The server is not the participant the client meant to reach.' },
  TLS_CERT_EXPIRING: { status: 200, summary: 'Health warning: this connector\'s certificate expires within 14 days.' },

  // request and access tokens
  TOKEN_MISSING: { status: 401, summary: 'No bearer token was presented.' },
  TOKEN_MALFORMED: { status: 401, summary: 'The token is not a well-formed JWS compact JWT.' },
  TOKEN_ALG_NOT_ALLOWED: { status: 401, summary: 'The token algorithm is not allowed (none, HMAC, or not the key type).' },
  TOKEN_SIGNATURE_INVALID: { status: 401, summary: 'The signature does not verify with the presented certificate key.' },
  TOKEN_BINDING_MISMATCH: { status: 401, summary: 'cnf.x5t#S256 does not match the presented TLS certificate.' },
  TOKEN_ISSUER_MISMATCH: { status: 401, summary: 'iss/sub are not the participant of the presented certificate.' },
  TOKEN_AUDIENCE_MISMATCH: { status: 401, summary: 'The token is meant for another participant.' },
  TOKEN_EXPIRED: { status: 401, summary: 'The token has expired.' },
  TOKEN_NOT_YET_VALID: { status: 401, summary: 'The token is not valid yet (nbf/iat in the future).' },
  TOKEN_LIFETIME_TOO_LONG: { status: 401, summary: 'The token lives longer than the allowed maximum.' },
  TOKEN_CLAIM_MISSING: { status: 401, summary: 'A required claim is missing or has the wrong type.' },
  TOKEN_REPLAYED: { status: 401, summary: 'The jti was already used within its lifetime.' },

  // Dataspace Protocol
  DSP_UNKNOWN_OFFER: { status: 400, summary: 'The offer is not in this connector\'s catalog, or not for that dataset.' },
  DSP_UNKNOWN_PROCESS: { status: 404, summary: 'No negotiation or transfer with that process id for this caller.' },
  DSP_UNKNOWN_AGREEMENT: { status: 404, summary: 'No agreement with that id between these parties.' },
  DSP_AGREEMENT_NOT_ACTIVE: { status: 409, summary: 'The agreement is terminated or outside its validity.' },
  DSP_SIGNATURE_MISSING: { status: 400, summary: 'The agreement must carry the sender\'s signature (kouan:signature).' },
  DSP_INVALID_STATE: { status: 409, summary: 'The message is not allowed in the process\'s current state.' },
  DSP_TRANSITION_NOT_ALLOWED: { status: 403, summary: 'The sender\'s role may not make this change: a message only the other party sends, or a resume of a transfer the provider suspended.' },
  DSP_CALLBACK_NOT_ALLOWED: { status: 400, summary: 'The callbackAddress is not an https:// endpoint registered for the calling participant (registry directory or the connector\'s configured peers).' },
  DSP_ADDRESS_NOT_HTTPS: { status: 400, summary: 'A counterparty address is not https://: DSP messages and their tokens go over mutual TLS only.' },
  DSP_UNSUPPORTED_FORMAT: { status: 400, summary: 'The transfer format is not offered for this dataset.' },
  DSP_COUNTERPARTY_UNREACHABLE: { status: 502, summary: 'The counterparty\'s protocol endpoint could not be reached.' },
  DSP_DELIVERY_FAILED: { status: 502, summary: 'The counterparty could not be reached after every retry.' },
  DSP_COUNTERPARTY_REFUSED: { status: 502, summary: 'The counterparty answered the protocol message with an error.' },

  // data-plane gateway (policy refusals carry the policy's own GATEWAY_* / CONTRACT_* codes)
  GATEWAY_UNKNOWN_TRANSFER: { status: 403, summary: 'No transfer of this provider matches the access token.' },
  GATEWAY_BACKEND_FAILED: { status: 502, summary: 'The dataset backend did not answer with the data.' },
  GATEWAY_BACKEND_INVALID: { status: 502, summary: 'The dataset backend sent something that is not a record of the asset\'s declared format; the stream stops at it.' },
  GATEWAY_BACKEND_CONTENT_TYPE: { status: 502, summary: 'The dataset backend answered a content type other than the asset\'s declared format; nothing of it is forwarded.' },
  GATEWAY_BACKEND_ENCODING: { status: 502, summary: 'The dataset backend answered with a content encoding; the gateway asks for and accepts only identity.' },
  GATEWAY_QUERY_NOT_ALLOWED: { status: 400, summary: 'The request carries a query parameter the asset does not allow.' },
  GATEWAY_PATH_NOT_ALLOWED: { status: 404, summary: 'A transfer is pulled at /transfers/{id} only; no path below it reaches the backend.' },
  GATEWAY_SUBJECTS_UNCOUNTABLE: { status: 403, summary: 'The agreement or the export path caps persons, but the asset declares personal information without a subject field to count them by; nothing is forwarded.' },
  // in band: the stream ends with an error marker after the last record that was allowed
  GATEWAY_MAX_RECORDS_REACHED: { status: 403, summary: 'The agreement\'s record budget is spent; the stream stops after the last granted record.' },
  GATEWAY_MAX_DATA_SUBJECTS_REACHED: { status: 403, summary: 'The agreement\'s budget of distinct persons is spent; the stream stops before the first record of a person beyond it.' },
  GATEWAY_STATE_UNAVAILABLE: { status: 503, summary: 'The transfer\'s terms could not be read again while its stream ran; the stream is cut rather than run unchecked.' },
  CONSUMER_ABORTED: { status: 499, summary: 'The consumer closed the connection before the stream ended (recorded in the usage record, never sent).' },

  // signed documents (JWS over canonical JSON)
  JWS_INVALID: { status: 400, summary: 'The detached JWS does not verify over the canonical document.' },

  // data-port registry: operator API, participants and record intake
  REGISTRY_OPERATOR_UNAUTHORIZED: { status: 401, summary: 'The operator API needs the operator\'s API key (x-api-key).' },
  REGISTRY_CERTIFICATE_INVALID: { status: 400, summary: 'The certificate is unreadable, not issued by the data-space CA, or names another participant or country.' },
  REGISTRY_PARTICIPANT_EXISTS: { status: 409, summary: 'A participant with that id is already registered.' },
  REGISTRY_NOT_REGISTERED: { status: 403, summary: 'The connector\'s participant is not registered with this registry.' },
  REGISTRY_CERTIFICATE_NOT_REGISTERED: { status: 403, summary: 'The connector presented a certificate other than the one registered for its participant.' },
  REGISTRY_PARTICIPANT_SUSPENDED: { status: 403, summary: 'The participant is suspended; its records are refused.' },
  REGISTRY_ENVELOPE_MISMATCH: { status: 400, summary: 'The body\'s id or kind differs from the record\'s own.' },
  REGISTRY_RECORD_INVALID: { status: 400, summary: 'The record does not match the schema of its kind.' },
  REGISTRY_NOT_YOUR_RECORD: { status: 403, summary: 'The record names another participant than the connector that sent it.' },
  REGISTRY_SIGNATURE_INVALID: { status: 403, summary: 'The record\'s signature does not verify with the key of the certificate presented on this connection.' },
  REGISTRY_RECORD_CONFLICT: { status: 409, summary: 'A different record with that id is already in the ledger.' },
  REGISTRY_RECORD_TIME_IN_FUTURE: { status: 400, summary: 'The record is dated later than the registry\'s clock plus the tolerated skew.' },
  REGISTRY_RECORD_TOO_OLD: { status: 400, summary: 'The record is dated earlier than the oldest time the intake takes (the registry\'s clock minus the maximum record age).' },
  REGISTRY_FILING_NOT_EXPORTER: { status: 403, summary: 'A filing record is only taken from the agreement\'s exporter: its provider must be the participant of the certificate presented.' },

  // a broken ledger: what `kouan ledger verify` names with the first bad seq (exit 1; never an HTTP answer)
  LEDGER_CHAIN_BROKEN: { status: 500, summary: 'An entry\'s hash does not recompute from the previous hash and the entry, or a seq is missing or out of place.' },
  LEDGER_HEAD_ROW_MISMATCH: { status: 500, summary: 'The head row names a hash the chain does not have at its seq.' },
  LEDGER_TRUNCATED: { status: 500, summary: 'The chain ends before the head row or a checkpoint says it runs: entries were removed from the end.' },
  LEDGER_RECEIPT_INVALID: { status: 500, summary: 'The entry\'s receipt does not verify over it with a key the registry\'s certificate vouches for: the entry or its receipt was rewritten, or the entry was never the registry\'s.' },
  LEDGER_CHECKPOINT_MISMATCH: { status: 500, summary: 'A signed checkpoint names a hash the chain does not have at its seq (the chain was recomputed after a rewrite), or stands where no entry is.' },
  LEDGER_CHECKPOINT_SIGNATURE_INVALID: { status: 500, summary: 'A checkpoint\'s signature does not verify with a ledger key the registry\'s certificate vouches for.' },
  LEDGER_CHECKPOINT_MISSING: { status: 500, summary: 'Entries went without a checkpoint longer than allowed, or none stands at a multiple of checkpointEvery: a checkpoint was deleted.' },
  LEDGER_HEAD_NOT_CHECKPOINTED: { status: 500, summary: 'Entries after the last checkpoint are older than the unsigned age allowed: appended behind the registry, or their checkpoint deleted.' },
  LEDGER_RECORD_SIGNATURE_INVALID: { status: 500, summary: 'A record\'s signature does not verify with the certificate registered for its participant when it was appended (kouan ledger verify --signatures).' },
  REGISTRY_RECORD_ID_NOT_YOURS: { status: 400, summary: 'A record id is urn:uuid:<random UUID> or in the sender\'s namespace urn:kouan:record:<participant>:, so that no participant can take another\'s id first.' },
  REGISTRY_UNREACHABLE: { status: 503, summary: 'Health: the registry has taken none of this connector\'s records for several delivery passes; they wait in the outbox.' },

  // policy-data bundles: published by the registry, verified and swapped in by connectors (docs/policy/bundles.md)
  POLICY_BUNDLE_INVALID: { status: 400, summary: 'The policy-data bundle is malformed, carries an unknown data key, or its data fails the data schema or a trial evaluation.' },
  POLICY_BUNDLE_SIGNATURE_INVALID: { status: 400, summary: 'The bundle\'s signature does not verify, or its certificate is not the configured registry\'s, not issued by the data-space CA, revoked or outside its validity.' },
  POLICY_BUNDLE_STALE: { status: 409, summary: 'The bundle\'s version is not newer than the one in force (a replay or a rollback).' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type Code = keyof typeof codes;
export type TlsReason = Extract<Code, `TLS_${string}`>;
export type TokenReason = Extract<Code, `TOKEN_${string}`>;
