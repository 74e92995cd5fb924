/** JSON Schemas of the registry's two APIs: the mutual-TLS endpoint for connectors and the operator API. */
import { Type, type Static } from '@sinclair/typebox';
import { GRADES, REFUSAL_STAGES } from './credit.ts';

const ParticipantId = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: 'Participant id, as in the certificate SAN urn:kouan:participant:<id>.' });
const Hash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lower-case hex SHA-256.' });
const Timestamp = Type.String({ format: 'date-time' });
const Jws = Type.String({ description: 'Detached compact JWS (header..signature) over the RFC 8785 form of the document beside it.' });
const Seq = Type.Integer({ minimum: 1, description: 'Position in the chain, from 1.' });

const participantFields = {
  id: ParticipantId,
  legalName: Type.String({ minLength: 1, maxLength: 300, description: 'Registered legal name.' }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2; must be the C= of its certificate.' }),
  ciio: Type.Boolean({ description: 'Critical information infrastructure operator.' }),
  ftz: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: 'Free-trade zone (e.g. CN-SH-FTZ), or null.' }),
  creditGrade: Type.Union([...GRADES.map((g) => Type.Literal(g)), Type.Null()], { description: 'Credit grade set by the operator (A best, D worst), or null; the grade in effect is the stricter of it and the computed one (docs/registry/supervision.md).' }),
  stateOrgan: Type.Boolean({ description: 'A state organ or a body with public-affairs functions (PIPL arts. 36-37): its personal information goes abroad only after a security assessment.' }),
  foreignControlled: Type.Boolean({ description: 'Foreign-controlled (HGR Regs art. 7): may not provide human genetic resources information abroad.' }),
  gba: Type.Boolean({ description: 'Registered in the Guangdong-Hong Kong-Macao Greater Bay Area (may use the Mainland-Hong Kong standard contract).' }),
  dspUrl: Type.Union([Type.String({ pattern: '^https://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?(/[^\\s?#]*)?$', maxLength: 2048 }), Type.Null()], { description: 'The Dataspace Protocol base URL of its connector (https://), or null: counterparties send callbacks only there (docs/security.md).' }),
};

export const Registration = Type.Object(
  {
    ...participantFields,
    ciio: Type.Optional(participantFields.ciio),
    ftz: Type.Optional(participantFields.ftz),
    creditGrade: Type.Optional(participantFields.creditGrade),
    stateOrgan: Type.Optional(participantFields.stateOrgan),
    foreignControlled: Type.Optional(participantFields.foreignControlled),
    gba: Type.Optional(participantFields.gba),
    dspUrl: Type.Optional(participantFields.dspUrl),
    certificatePem: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'The certificate its connector presents (PEM); or give certThumbprint.' })),
    certThumbprint: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'base64url SHA-256 of the certificate (x5t#S256).' })),
  },
  { additionalProperties: false },
);

export const AttributeChange = Type.Object(
  {
    legalName: Type.Optional(participantFields.legalName),
    ciio: Type.Optional(participantFields.ciio),
    ftz: Type.Optional(participantFields.ftz),
    creditGrade: Type.Optional(participantFields.creditGrade),
    stateOrgan: Type.Optional(participantFields.stateOrgan),
    foreignControlled: Type.Optional(participantFields.foreignControlled),
    gba: Type.Optional(participantFields.gba),
    dspUrl: Type.Optional(participantFields.dspUrl),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const CertificateChange = Type.Object(
  { certificatePem: Registration.properties.certificatePem, certThumbprint: Registration.properties.certThumbprint },
  { additionalProperties: false, minProperties: 1 },
);

/** Where a participant's connector is, as any participant may ask (the callback check of docs/security.md). */
export const ParticipantEndpoints = Type.Object({ id: participantFields.id, dspUrl: participantFields.dspUrl });

export const ParticipantView = Type.Object({
  ...participantFields,
  // Absent in records registered before they were kept (read as false).
  stateOrgan: Type.Optional(participantFields.stateOrgan),
  foreignControlled: Type.Optional(participantFields.foreignControlled),
  gba: Type.Optional(participantFields.gba),
  dspUrl: Type.Optional(participantFields.dspUrl),
  certThumbprint: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  suspension: Type.Union([Type.Object({ reason: Type.String(), at: Timestamp }), Type.Null()]),
  registeredAt: Timestamp,
  updatedAt: Timestamp,
});
export const Participant = Type.Object({ ...ParticipantView.properties, certificatePem: Type.Union([Type.String(), Type.Null()]) });

export const Suspension = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000, description: 'Why, for the record and the participant.' }) }, { additionalProperties: false });

export const ReceiptBody = Type.Object(
  {
    receipt: Type.Object({ recordId: Type.String(), seq: Seq, entryHash: Hash, receivedAt: Timestamp }),
    signature: Jws,
  },
  { description: "The registry's signed receipt: the record is in the chain at seq with this entry hash." },
);

export const Head = Type.Object({ seq: Type.Integer({ minimum: 0 }), hash: Hash });

export const CheckpointBody = Type.Object({ checkpoint: Type.Object({ seq: Seq, headHash: Hash, at: Timestamp }), signature: Jws });

export const LedgerKeyBody = Type.Object({
  kid: Type.String({ description: 'RFC 7638 thumbprint; the kid of the receipts and checkpoints it signs.' }),
  jwk: Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), y: Type.String() }),
  certificatePem: Type.String({ description: "The registry certificate whose key signed the binding." }),
  binding: Jws,
  createdAt: Timestamp,
});

export const EntryBody = Type.Object({
  seq: Seq,
  recordId: Type.String(),
  kind: Type.String(),
  participant: ParticipantId,
  record: Type.Object({}, { additionalProperties: true }),
  signature: Jws,
  receivedAt: Timestamp,
  hash: Hash,
  receipt: ReceiptBody,
});

export const Cursor = Type.Object(
  {
    after: Type.Integer({ minimum: 0, default: 0, description: 'Return what comes after this seq.' }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type Cursor = Static<typeof Cursor>;

export const Paging = Type.Object(
  { offset: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const SeqParams = Type.Object({ seq: Seq });

export const DateOrTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$', description: 'A date (start of that UTC day) or a date-time.' });
export const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv: RFC 4180 with a header row.' }));

const Grade = Type.Union(GRADES.map((g) => Type.Literal(g)));
const assessment = {
  score: Type.Number({ description: '100 minus the points of every counted input, at least 0.' }),
  computedGrade: Grade,
  operatorGrade: Type.Union([Grade, Type.Null()], { description: 'The grade the operator had set at that time, or null.' }),
  grade: { ...Grade, description: 'The grade in effect: the stricter of computedGrade and operatorGrade.' },
  rate: Type.Number({ description: "Spot-check sampling rate of the grade in effect." }),
};

export const CreditReportBody = Type.Object({
  participant: ParticipantId,
  at: Timestamp,
  ...assessment,
  inputs: Type.Object({
    refusals: Type.Object(Object.fromEntries(REFUSAL_STAGES.map((s) => [s, Type.Integer()]))),
    thresholdAttempts: Type.Integer(),
    overdueFilings: Type.Integer(),
    suspensions: Type.Integer(),
    revocations: Type.Integer(),
  }),
  contributions: Type.Array(Type.Object({ input: Type.String(), count: Type.Integer(), weight: Type.Number(), points: Type.Number() }), { description: 'Each input: how often it was counted, its weight, the points it took off.' }),
  operatorGrades: Type.Array(Type.Object({ grade: Type.Union([Grade, Type.Null()]), at: Timestamp }), { description: "The operator's grade history, oldest first." }),
  suspensions: Type.Array(Type.Object({ reason: Type.String(), at: Timestamp }), { description: 'Every suspension, oldest first.' }),
  revocations: Type.Array(Type.Object({ serial: Type.String(), revokedAt: Timestamp }), { description: "Its certificates (as seen presented) on the CA's CRL, with the revocation time the CRL gives." }),
});

export const SpotCheckBody = Type.Object({
  recordId: Type.String(),
  seq: Seq,
  entryHash: Hash,
  exporter: ParticipantId,
  at: Timestamp,
  receivedAt: Timestamp,
  ...assessment,
  draw: Type.Number({ description: 'First 8 bytes of SHA-256(entryHash ‖ "kouan-sample-v1"), top 53 bits / 2^53; marked when below rate.' }),
});

export const SpotCheckQuery = Type.Object(
  { exporter: Type.Optional(ParticipantId), from: Type.Optional(DateOrTime), to: Type.Optional(DateOrTime), format: Format },
  { additionalProperties: false },
);

const PolicyData = Type.Object({}, {
  additionalProperties: true,
  minProperties: 1,
  description: 'Policy data documents by top-level key (policies/schemas/data.schema.json); keys not given keep the built-in documents.',
});

/** What the operator publishes: the data documents; the registry assigns the version and signs. */
export const PolicyDataBody = PolicyData;

export const PolicyBundleBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'Strictly increasing; connectors refuse a version not newer than the one in force.' }),
    issued: Timestamp,
    data: PolicyData,
    signature: { ...Jws, description: 'Detached compact JWS over the RFC 8785 form of {version, issued, data}, by the key of certificatePem.' },
    certificatePem: Type.String({ description: "The registry's certificate (PEM), issued by the data-space CA." }),
  },
  { additionalProperties: false },
);

/** As text: the connectors' endpoint coerces nothing (its app validates only). */
export const VersionParams = Type.Object({ version: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'A bundle version.' }) }, { additionalProperties: false });
