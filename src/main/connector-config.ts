/** The connector's configuration: one schema, every key described and defaulted, validated at start. */
import { Type, type Static } from '@sinclair/typebox';
import { ListenSection, LogSection, TlsSection, TokenSection } from '../core/config.ts';

const Url = (description: string) => Type.Union([Type.String({ pattern: '^https?://', description }), Type.Null()], { description, default: null });

export const ConnectorConfigSchema = Type.Object(
  {
    stateDir: Type.String({ description: 'Folder for the embedded database and generated secrets.', default: '.state/connector', 'x-path': true }),
    storage: Type.Object(
      {
        postgresUrl: Type.Union([Type.String({ pattern: '^postgres(ql)?://' }), Type.Null()], { description: 'PostgreSQL connection URL; null uses SQLite under stateDir.', default: null }),
        postgresSchema: Type.String({ description: 'PostgreSQL schema for this connector\'s tables.', default: 'kouan', pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
      },
      { description: 'Where negotiations, agreements and transfers are kept.', default: {}, additionalProperties: false },
    ),
    exporter: Type.Object(
      {
        ciio: Type.Boolean({ description: 'Whether this participant is a critical information infrastructure operator.', default: false }),
        ftz: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'Free-trade zone the participant is registered in (e.g. CN-BJ-FTZ), or null.', default: null }),
        stateOrgan: Type.Boolean({ description: 'A state organ or a body with public-affairs functions (PIPL arts. 36-37).', default: false }),
        foreignControlled: Type.Boolean({ description: 'Foreign-controlled (HGR Regs art. 7).', default: false }),
        gba: Type.Boolean({ description: 'Registered in the Greater Bay Area (Mainland-Hong Kong standard contract).', default: false }),
      },
      { description: 'Regulatory attributes of this participant as data exporter (until the registry provides them).', default: {}, additionalProperties: false },
    ),
    dsp: Type.Object(
      {
        listen: ListenSection(8443),
        publicUrl: Url('The DSP base URL counterparties use (default https://<listen host>:<port>/dsp/2025-1).'),
      },
      { description: 'The Dataspace Protocol endpoint (mutual TLS).', default: {}, additionalProperties: false },
    ),
    management: Type.Object(
      {
        listen: ListenSection(8444),
        apiKey: Type.Union([Type.String({ minLength: 16 }), Type.Null()], { description: 'API key for the management API; null generates one into stateDir/management-api-key (0600).', default: null }),
      },
      { description: "The management API for the participant's own systems (loopback by default).", default: {}, additionalProperties: false },
    ),
    gateway: Type.Object(
      {
        listen: ListenSection(8445),
        publicUrl: Url('Public base URL of the data-plane gateway given to consumers (default https://<listen host>:<port>).'),
      },
      { description: 'The data-plane gateway (mutual TLS; every request checked against the gateway policy).', default: {}, additionalProperties: false },
    ),
    metrics: Type.Object(
      {
        enabled: Type.Boolean({ description: 'Serve Prometheus metrics at /metrics on their own port.', default: true }),
        listen: ListenSection(9464),
      },
      { description: 'Prometheus metrics (plain HTTP, loopback by default).', default: {}, additionalProperties: false },
    ),
    registry: Type.Object(
      {
        participantId: Type.Union([Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }), Type.Null()], { description: "The registry's participant id (its certificate must name it).", default: null }),
        url: Url('Base URL of the registry (https://host:port); null keeps records in the outbox until one is set.'),
        deliveryIntervalMs: Type.Integer({ description: 'How often the outbox is sent when the registry is reachable, in milliseconds.', default: 500, minimum: 10 }),
        backoffMaxMs: Type.Integer({ description: 'Longest wait between attempts while the registry is unreachable, in milliseconds.', default: 30000, minimum: 10 }),
        policyDataPollMs: Type.Integer({
          description: "How often the registry's latest signed policy-data bundle is fetched, in milliseconds; a verified, newer bundle replaces the data in force (docs/policy/bundles.md).",
          default: 60000,
          minimum: 100,
        }),
      },
      { description: 'The data-port registry that receives filing, usage and denial records and publishes policy data.', default: {}, additionalProperties: false },
    ),
    peers: Type.Array(
      Type.Object(
        {
          participantId: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: 'The participant id its certificate names.' }),
          dspUrl: Type.String({ pattern: '^https://', maxLength: 2048, description: 'Its DSP base URL (https://host:port/dsp/2025-1); its callbackAddress must be this URL or beneath it.' }),
        },
        { additionalProperties: false },
      ),
      {
        description: "Static peers: the DSP endpoints where this connector, as provider, calls counterparties back. A request naming any other callbackAddress is refused (DSP_CALLBACK_NOT_ALLOWED). Ignored in the conformance profile.",
        default: [],
        maxItems: 1000,
      },
    ),
    manager: Type.Object(
      {
        intervalMs: Type.Integer({ description: 'How often the state machines look for work, in milliseconds.', default: 200, minimum: 10 }),
        leaseMs: Type.Integer({ description: 'How long a process holds an entity it works on; after a crash, work resumes when this expires.', default: 10000, minimum: 100 }),
        maxAttempts: Type.Integer({ description: 'Attempts per protocol step before a process is given up (exponential backoff between).', default: 8, minimum: 1 }),
      },
      { description: 'Negotiation and transfer state machines.', default: {}, additionalProperties: false },
    ),
    profile: Type.Union([Type.Literal('production'), Type.Literal('conformance')], {
      description: "production: mutual TLS and tokens on every DSP call. conformance: plain HTTP with one static Authorization header, for the DSP conformance kit only.",
      default: 'production',
    }),
    conformance: Type.Object(
      {
        authorization: Type.String({ description: 'The Authorization header value the conformance kit sends.', default: 'Bearer kouan-tck-TCK_PARTICIPANT' }),
        participantId: Type.String({
          description: "The participant id the kit is known by. The kit calls itself TCK_PARTICIPANT, which is not a Kouan participant id (the policies' inputs require ^[a-z0-9][a-z0-9._-]{0,63}$).",
          default: 'tck_participant',
          pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
        }),
        country: Type.String({ description: "The kit's country for policy decisions.", default: 'DE', pattern: '^[A-Z]{2}$' }),
        selfId: Type.String({ description: 'This connector\'s participant id in the conformance profile.', default: 'KOUAN_TCK' }),
      },
      { description: 'Conformance profile settings (ignored in production).', default: {}, additionalProperties: false },
    ),
    tls: TlsSection,
    tokens: TokenSection,
    log: LogSection,
  },
  { additionalProperties: false },
);

export type ConnectorConfig = Static<typeof ConnectorConfigSchema>;
