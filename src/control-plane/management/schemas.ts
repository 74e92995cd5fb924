/** Request and response schemas of the management API (plain JSON, not JSON-LD). */
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 200, pattern: '^(?!.*(?:^|/)\\.\\.?(?:/|$))[A-Za-z0-9][A-Za-z0-9:._~/-]*$', description: 'An identifier: letters, digits and : . _ ~ / - (no . or .. path segments)' });
/** An http(s) URL with a host. */
const HttpUrl = (description: string) => Type.String({ pattern: '^https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?(/[^\\s]*)?$', maxLength: 2048, description });
const Text = (maxLength: number, description: string) => Type.String({ maxLength, description });
/** A record field: a top-level key, or a JSON Pointer (RFC 6901, `~0`/`~1` escapes; `*` for every element) for a nested one. */
const FieldName = (description: string) => Type.String({ minLength: 1, maxLength: 200, pattern: '^(?:[^/].*|(?:/(?:[^~/]|~[01])*)+)$', description: `${description}: a top-level key or a JSON Pointer (/patient/name).` });
const Count = (description: string) => Type.Integer({ minimum: 0, maximum: 2_000_000_000, description });

export const AssetInput = Type.Object(
  {
    id: Id,
    title: Text(300, 'Human-readable title.'),
    description: Type.Optional(Text(4000, 'What the dataset holds.')),
    classification: Type.Object(
      {
        grade: Type.Union([Type.Literal('general'), Type.Literal('important'), Type.Literal('core')], { description: 'GB/T 43697-2024 grade.' }),
        domain: Type.String({ minLength: 1, maxLength: 100, description: 'Domain, e.g. pharmaceutical, automobile, ai_training.' }),
        categories: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Data categories, e.g. clinical_trial.' }),
        pi: Type.Object(
          {
            subjects: Count('Distinct persons whose personal information the dataset holds.'),
            sensitiveSubjects: Count('Of those, persons with sensitive personal information.'),
            sensitiveKinds: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20, description: 'Kinds of sensitive PI (PIPL art. 28), e.g. medical_health.' }),
            fields: Type.Array(FieldName('A record field holding personal information'), { maxItems: 200, description: 'Record fields holding personal information: top-level keys, or JSON Pointers (/patient/name) for nested ones.' }),
            subjectIdField: Type.Union([FieldName('The field identifying a data subject (counted as a keyed hash)'), Type.Null()], { description: 'The field identifying a data subject (counted as a keyed hash): a top-level key or a JSON Pointer.' }),
          },
          { additionalProperties: false },
        ),
        hgr: Type.Object({ present: Type.Boolean(), sequencingSubjects: Count('Persons with exome or genome sequencing data.') }, { additionalProperties: false }),
        exportControlled: Type.Boolean({ description: 'Export-controlled data (DSL art. 25).' }),
        scenario: Type.Union([Type.Literal('trade_no_pi'), Type.Literal('transit'), Type.Literal('contract_with_individual'), Type.Literal('hr_management'), Type.Literal('emergency'), Type.Null()], { description: 'Exempting scenario of Provisions arts. 3-5, or null.' }),
      },
      { additionalProperties: false },
    ),
    backend: Type.Object(
      {
        url: HttpUrl('Where the gateway fetches the data.'),
        format: Type.Union([Type.Literal('ndjson'), Type.Literal('json'), Type.Literal('csv')], { description: 'The representation the gateway asks the backend for and accepts from it (nothing else is forwarded).' }),
        query: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9._~-]{1,64}$' }), { maxItems: 20, uniqueItems: true, description: 'Query parameters a consumer may add to the backend request; any other refuses the request (GATEWAY_QUERY_NOT_ALLOWED). None by default.' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const ConstraintInput = Type.Object({ leftOperand: Type.String({ minLength: 1, maxLength: 100 }), operator: Type.String({ minLength: 1, maxLength: 50 }), rightOperand: Type.Unknown() }, { additionalProperties: false });
const DutyInput = Type.Object({ action: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: true });

export const OfferInput = Type.Object(
  {
    id: Id,
    assetId: Id,
    policy: Type.Object(
      {
        permissions: Type.Array(Type.Object({ action: Type.String({ minLength: 1 }), constraints: Type.Optional(Type.Array(ConstraintInput, { maxItems: 50 })), duties: Type.Optional(Type.Array(DutyInput, { maxItems: 50 })) }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }),
        prohibitions: Type.Optional(Type.Array(Type.Object({ action: Type.String({ minLength: 1 }), constraints: Type.Optional(Type.Array(ConstraintInput, { maxItems: 50 })) }, { additionalProperties: false }), { maxItems: 20 })),
        obligations: Type.Optional(Type.Array(DutyInput, { maxItems: 50 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const NegotiationInput = Type.Object(
  {
    providerId: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: 'The provider participant id.' }),
    address: HttpUrl("The provider's DSP base URL."),
    datasetId: Id,
    offerId: Id,
    purpose: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    acceptedObligations: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const CatalogQuery = Type.Object({ providerId: NegotiationInput.properties.providerId, address: NegotiationInput.properties.address }, { additionalProperties: false });

export const TransferInput = Type.Object({ agreementId: Id }, { additionalProperties: false });

export const SignalInput = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });

export const ApprovalInput = Type.Object(
  {
    id: Id,
    kind: Type.Union(['security_assessment', 'standard_contract', 'certification', 'pipia', 'hgr_approval', 'export_licence'].map((k) => Type.Literal(k))),
    entry: Type.Object({ ref: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: true, description: 'As the export policy input names it for this kind (policies/schemas/export-input.schema.json).' }),
  },
  { additionalProperties: false },
);

export const Paging = Type.Object({ offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });

export type StartNegotiationBody = Static<typeof NegotiationInput>;
