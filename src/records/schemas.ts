/**
 * The records a connector sends to the data-port registry (JSON Schema, shared by the emitting connector's
 * tests and the registry's intake). Every record is signed by its connector over its RFC 8785 form.
 */
import { Type, type Static } from '@sinclair/typebox';

const ParticipantId = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const Country = Type.String({ pattern: '^[A-Z]{2}$' });
const Count = Type.Integer({ minimum: 0 });
const Text = Type.String({ minLength: 1, maxLength: 512 });
const Reason = Type.Object({ code: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }), message: Type.String({ maxLength: 2000 }), basis: Type.String({ maxLength: 500 }), effect: Type.Optional(Type.Union([Type.Literal('deny'), Type.Literal('info')])) });
const ExportPath = Type.Union(['forbidden', 'security_assessment', 'standard_contract_or_certification', 'exempt'].map((p) => Type.Literal(p)));

const common = {
  id: Type.String({ minLength: 1, maxLength: 200 }),
  participant: ParticipantId,
  at: Type.String({ format: 'date-time' }),
};

export const FilingRecord = Type.Object(
  {
    ...common,
    kind: Type.Literal('filing'),
    event: Type.Union([Type.Literal('concluded'), Type.Literal('ended')]),
    agreement: Text,
    provider: ParticipantId,
    consumer: ParticipantId,
    destinationCountry: Country,
    datasets: Type.Array(Text, { minItems: 1 }),
    grade: Type.Union([Type.Literal('general'), Type.Literal('important'), Type.Literal('core')]),
    domain: Text,
    categories: Type.Array(Text),
    pi: Type.Object({ subjects: Count, sensitiveSubjects: Count, sensitiveKinds: Type.Array(Text) }, { additionalProperties: false }),
    exportPath: ExportPath,
    approvals: Type.Array(Type.Object({ kind: Text, ref: Text }, { additionalProperties: false })),
    deadlines: Type.Array(Type.Object({ type: Text, due: Type.String({ format: 'date' }), ref: Type.Optional(Type.Union([Text, Type.Null()])) }, { additionalProperties: false })),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const UsageRecord = Type.Object(
  {
    ...common,
    kind: Type.Literal('usage'),
    transfer: Text,
    agreement: Text,
    consumer: ParticipantId,
    destinationCountry: Country,
    bytes: Count,
    records: Count,
    newSubjects: Count,
    newSensitiveSubjects: Count,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    decision: Type.Object({ allow: Type.Boolean(), exportPath: ExportPath, stoppedBy: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const DenialRecord = Type.Object(
  {
    ...common,
    kind: Type.Literal('denial'),
    stage: Type.Union(['negotiation', 'transfer', 'data-plane', 'data-plane-stream'].map((s) => Type.Literal(s))),
    consumer: Type.Union([ParticipantId, Type.Null()]),
    destinationCountry: Type.Union([Country, Type.Null()]),
    reasons: Type.Array(Reason, { minItems: 1 }),
    transfer: Type.Optional(Text),
    agreement: Type.Optional(Text),
    negotiation: Type.Optional(Text),
    dataset: Type.Optional(Text),
    recordsForwarded: Type.Optional(Count),
  },
  { additionalProperties: false },
);

export const AnyRecord = Type.Union([FilingRecord, UsageRecord, DenialRecord]);
export type AnyRecord = Static<typeof AnyRecord>;

/** What a connector POSTs to the registry's intake (POST /intake/v1/records). */
export const IntakeBody = Type.Object(
  {
    id: common.id,
    kind: Type.Union([Type.Literal('filing'), Type.Literal('usage'), Type.Literal('denial')]),
    record: Type.Object({}, { additionalProperties: true }),
    signature: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
);

/** The most records one batch to the intake carries. */
export const MAX_INTAKE_BATCH = 500;

/** Several records in one request (POST /intake/v1/batches): checked all before any is appended. */
export const IntakeBatchBody = Type.Object(
  { records: Type.Array(IntakeBody, { minItems: 1, maxItems: MAX_INTAKE_BATCH }) },
  { additionalProperties: false },
);
