/**
 * JSON Schemas of the DSP 2025-1 messages a connector receives, written from the specification.
 * Fastify validates each route's body against them; a message that fails is answered with a DSP error
 * body and a 4xx, and nothing is stored.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { DSP_CONTEXT, type DspType } from './jsonld.ts';

const Pid = Type.String({ minLength: 1, maxLength: 256 });
const Reasons = Type.Array(Type.Unknown(), { maxItems: 100 });
const Url = Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://' });

const Constraint: TSchema = Type.Object({}, { additionalProperties: true, description: 'ODRL atomic or logical constraint' });
const Rule = Type.Object(
  {
    action: Type.Union([Type.String({ minLength: 1 }), Type.Object({}, { additionalProperties: true })]),
    constraint: Type.Optional(Type.Array(Constraint)),
    duty: Type.Optional(Type.Union([Type.Array(Type.Object({}, { additionalProperties: true })), Type.Object({}, { additionalProperties: true })])),
  },
  { additionalProperties: true },
);

export const OfferSchema = Type.Object(
  {
    '@id': Type.String({ minLength: 1, maxLength: 512 }),
    '@type': Type.Optional(Type.Literal('Offer')),
    target: Type.Optional(Type.String({ minLength: 1 })),
    permission: Type.Optional(Type.Array(Rule)),
    prohibition: Type.Optional(Type.Array(Rule)),
    obligation: Type.Optional(Type.Array(Rule)),
  },
  { additionalProperties: true },
);

export const AgreementSchema = Type.Object(
  {
    '@id': Type.String({ minLength: 1, maxLength: 512 }),
    '@type': Type.Literal('Agreement'),
    target: Type.String({ minLength: 1 }),
    assigner: Type.String({ minLength: 1 }),
    assignee: Type.String({ minLength: 1 }),
    timestamp: Type.Optional(Type.String()),
    permission: Type.Optional(Type.Array(Rule)),
    prohibition: Type.Optional(Type.Array(Rule)),
    obligation: Type.Optional(Type.Array(Rule)),
  },
  { additionalProperties: true },
);

const envelope = <T extends Record<string, TSchema>>(type: DspType, properties: T) =>
  Type.Object(
    {
      '@context': Type.Array(Type.Unknown(), { contains: Type.Literal(DSP_CONTEXT), minItems: 1 }),
      '@type': Type.Literal(type),
      ...properties,
    },
    { additionalProperties: true },
  );

export const CatalogRequestSchema = envelope('CatalogRequestMessage', { filter: Type.Optional(Type.Array(Type.Unknown())) });

export const ContractRequestSchema = envelope('ContractRequestMessage', {
  consumerPid: Pid,
  providerPid: Type.Optional(Pid),
  offer: OfferSchema,
  callbackAddress: Type.Optional(Url),
  'kouan:purpose': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  'kouan:acceptedObligations': Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
});

export const ContractOfferSchema = envelope('ContractOfferMessage', {
  providerPid: Pid,
  consumerPid: Type.Optional(Pid),
  offer: OfferSchema,
  callbackAddress: Type.Optional(Url),
});

export const ContractAgreementSchema = envelope('ContractAgreementMessage', {
  providerPid: Pid,
  consumerPid: Pid,
  agreement: AgreementSchema,
  callbackAddress: Type.Optional(Url),
  'kouan:signature': Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  'kouan:agreement': Type.Optional(Type.Object({}, { additionalProperties: true })),
});

export const AgreementVerificationSchema = envelope('ContractAgreementVerificationMessage', {
  providerPid: Pid,
  consumerPid: Pid,
  'kouan:signature': Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
});

export const NegotiationEventSchema = envelope('ContractNegotiationEventMessage', {
  providerPid: Pid,
  consumerPid: Pid,
  eventType: Type.Union([Type.Literal('ACCEPTED'), Type.Literal('FINALIZED')]),
});

export const NegotiationTerminationSchema = envelope('ContractNegotiationTerminationMessage', {
  providerPid: Pid,
  consumerPid: Pid,
  code: Type.Optional(Type.String({ maxLength: 256 })),
  reason: Type.Optional(Reasons),
});

export const TransferRequestSchema = envelope('TransferRequestMessage', {
  consumerPid: Pid,
  agreementId: Pid,
  format: Type.String({ minLength: 1, maxLength: 128 }),
  dataAddress: Type.Optional(Type.Object({}, { additionalProperties: true })),
  callbackAddress: Url,
});

export const TransferStartSchema = envelope('TransferStartMessage', {
  providerPid: Pid,
  consumerPid: Pid,
  dataAddress: Type.Optional(Type.Object({}, { additionalProperties: true })),
});

const transferSignal = (type: DspType) =>
  envelope(type, { providerPid: Pid, consumerPid: Pid, code: Type.Optional(Type.String({ maxLength: 256 })), reason: Type.Optional(Reasons) });

export const TransferCompletionSchema = transferSignal('TransferCompletionMessage');
export const TransferSuspensionSchema = transferSignal('TransferSuspensionMessage');
export const TransferTerminationSchema = transferSignal('TransferTerminationMessage');
