import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock } from '../../src/core/clock.ts';
import { errorResponses } from '../../src/http/errors.ts';
import { mtlsServerOptions, mutualTls } from '../../src/http/mtls.ts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { AnyRecord } from '../../src/records/schemas.ts';
import { verifyDetached } from '../../src/trust/jws.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import { freePort } from './processes.ts';

export interface ReceivedRecord {
  id: string;
  kind: string;
  record: Record<string, unknown>;
  from: string;
}

/**
 * A stand-in for the registry's intake with its contract: mutual TLS with request tokens, the record's
 * signature verified with the presenting connector's certificate key, stored once per id, receipt returned.
 */
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validRecord = ajv.compile(AnyRecord);

export class TestReceiver {
  readonly received = new Map<string, ReceivedRecord>();
  /** Records that did not match the published record schemas (a connector bug: tests assert this stays empty). */
  readonly invalid: Array<{ record: unknown; errors: unknown }> = [];
  deliveries = 0;
  readonly #trust: TrustStore;
  #app: FastifyInstance | null = null;
  port = 0;

  constructor(trust: TrustStore) {
    this.#trust = trust;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const app = Fastify({ https: mtlsServerOptions(this.#trust), logger: false });
    await app.register(errorResponses);
    await app.register(mutualTls, { trust: this.#trust, clock: systemClock, requireTokens: true, skewSeconds: 5 });
    type Sent = { id: string; kind: string; record: Record<string, unknown>; signature: string };
    // As the registry's batch intake: every record checked before any is kept; a refusal names the record.
    app.post<{ Body: { records: Sent[] } }>('/intake/v1/batches', async (request, reply) => {
      const key = (request.raw.socket as TLSSocket).getPeerX509Certificate()!.publicKey;
      for (const [index, { record, signature }] of request.body.records.entries()) {
        try {
          await verifyDetached(record, signature, key);
        } catch {
          return reply.code(403).send({ code: 'REGISTRY_SIGNATURE_INVALID', message: `record ${index}: bad signature`, details: { index } });
        }
        if (record.participant !== request.peer.participantId) return reply.code(403).send({ code: 'REGISTRY_NOT_YOUR_RECORD', message: `record ${index} of another participant`, details: { index } });
        if (!validRecord(record)) {
          this.invalid.push({ record, errors: validRecord.errors });
          return reply.code(400).send({ code: 'REGISTRY_RECORD_INVALID', message: ajv.errorsText(validRecord.errors), details: { index } });
        }
      }
      const receivedAt = new Date().toISOString();
      for (const { id, kind, record } of request.body.records) {
        this.deliveries += 1;
        if (!this.received.has(id)) this.received.set(id, { id, kind, record, from: request.peer.participantId });
      }
      return reply.code(200).send({ receipts: request.body.records.map(({ id }) => ({ receipt: { id, receivedAt } })) });
    });
    await app.listen({ host: '127.0.0.1', port: this.port });
    this.#app = app;
  }

  async down(): Promise<void> {
    await this.#app?.close();
    this.#app = null;
  }

  of(kind: string): ReceivedRecord[] {
    return [...this.received.values()].filter((r) => r.kind === kind);
  }
}
