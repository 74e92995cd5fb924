/** The registry's configuration: one schema, every key described and defaulted, validated at start. */
import { Type, type Static } from '@sinclair/typebox';
import { ListenSection, LogSection, TlsSection, TokenSection } from '../core/config.ts';
import { CreditParametersSchema } from '../registry/credit.ts';

const withDescription = <T extends object>(schema: T, description: string): T => ({ ...schema, description });

export const RegistryConfigSchema = Type.Object(
  {
    stateDir: Type.String({ description: 'Folder for the embedded database, the ledger signing key and the generated operator API key.', default: '.state/registry', 'x-path': true }),
    storage: Type.Object(
      {
        postgresUrl: Type.Union([Type.String({ pattern: '^postgres(ql)?://' }), Type.Null()], { description: 'PostgreSQL connection URL; null uses SQLite (stateDir/registry.db). Several registries may share one database.', default: null }),
        postgresSchema: Type.String({ description: "PostgreSQL schema for the registry's tables.", default: 'kouan_registry', pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
        poolSize: Type.Integer({ description: 'PostgreSQL connections per registry process.', default: 10, minimum: 1, maximum: 200 }),
      },
      { description: 'Where participants and the ledger are kept.', default: {}, additionalProperties: false },
    ),
    intake: Type.Object(
      {
        listen: withDescription(ListenSection(8450), 'Where the mutual-TLS endpoint for connectors listens (record intake, participant self-service).'),
        bodyLimitBytes: Type.Integer({ description: 'Largest request body the intake accepts, in bytes.', default: 262144, minimum: 1024 }),
        recordFutureSkewSeconds: Type.Integer({ description: "How many seconds a record's own time (at) may lie ahead of the registry's clock (connector clock skew); later is refused with REGISTRY_RECORD_TIME_IN_FUTURE.", default: 300, minimum: 0, maximum: 3600 }),
        recordMaxAgeDays: Type.Integer({ description: "How many days a record's own time may lie before the registry's clock (late delivery from a connector's durable outbox); older is refused with REGISTRY_RECORD_TOO_OLD.", default: 730, minimum: 1 }),
      },
      { description: 'The endpoint connectors send their signed records to (mutual TLS).', default: {}, additionalProperties: false },
    ),
    operator: Type.Object(
      {
        listen: withDescription(ListenSection(8451), 'Where the operator API listens (plain HTTP; keep it on loopback or behind a TLS proxy).'),
        apiKey: Type.Union([Type.String({ minLength: 16 }), Type.Null()], { description: 'API key for the operator API; null generates one into stateDir/operator-api-key (0600).', default: null }),
      },
      { description: "The data-port operator's API: participants and the ledger (loopback by default).", default: {}, additionalProperties: false },
    ),
    ledger: Type.Object(
      {
        checkpointEvery: Type.Integer({ description: 'A signed checkpoint of the chain head after every this many entries.', default: 1000, minimum: 1 }),
        checkpointSeconds: Type.Number({ description: 'A signed checkpoint of the chain head at least this often, in seconds, when the head moved since the last one (whichever of this and checkpointEvery comes first); bounds how long an entry stays unsigned.', default: 2, minimum: 0.1, maximum: 3600 }),
        maxBatch: Type.Integer({ description: 'The most records one append transaction carries (appends are group-committed); a connector\'s batch is never split, a larger one is appended alone.', default: 500, minimum: 1, maximum: 5000 }),
        signingKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
          'x-path': true,
          description: 'EC P-256 private key (PKCS#8 PEM) that signs receipts and checkpoints; null generates one into stateDir/ledger-signing.key (0600). Bound to the registry certificate at start.',
          default: null,
        }),
      },
      { description: 'The hash-chained ledger, its receipts and checkpoints.', default: {}, additionalProperties: false },
    ),
    credit: CreditParametersSchema,
    tls: TlsSection,
    tokens: TokenSection,
    log: LogSection,
  },
  { additionalProperties: false },
);

export type RegistryConfig = Static<typeof RegistryConfigSchema>;
