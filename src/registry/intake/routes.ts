/**
 * What connectors reach over mutual TLS: the record intake, their own participant record, what they need to
 * check the registry's word (the ledger keys and the latest checkpoint), and the signed policy-data bundles.
 */
import type { TLSSocket } from 'node:tls';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KouanError, NotFoundError } from '../../core/errors.ts';
import { peerKey } from '../../http/mtls.ts';
import { ifNoneMatch, policyDataTag } from '../../policy/bundle.ts';
import { IntakeBatchBody, IntakeBody } from '../../records/schemas.ts';
import type { RegistryDeps } from '../deps.ts';
import { viewOf } from '../participants.ts';
import { CheckpointBody, LedgerKeyBody, ParticipantEndpoints, ParticipantView, PolicyBundleBody, ReceiptBody, VersionParams } from '../schemas.ts';
import { checkpointView, keyView } from '../views.ts';
import { checkRecord, DEFAULT_RECORD_TIME_BOUNDS, type IntakeBatchRequest, type IntakeContext, type IntakeRequest, type RecordTimeBounds } from './records.ts';

export interface IntakeOptions extends RegistryDeps {
  /** How far a record's own time may stand from the registry's clock. */
  recordTime?: RecordTimeBounds;
}

export async function intakeRoutes(app: FastifyInstance, { participants, ledger, stores, clock, recordTime = DEFAULT_RECORD_TIME_BOUNDS }: IntakeOptions): Promise<void> {
  const context = (request: FastifyRequest): IntakeContext => ({
    sender: request.peer.participantId,
    senderKey: peerKey(request.raw.socket as TLSSocket),
    now: clock.now(),
    time: recordTime,
  });

  // The record's own signature, by the key of the certificate on this connection, binds sender and content more
  // tightly than a request token could; a replay is answered with the original receipt. So no token is checked here
  // (docs/decisions/2026-11-27-ledger-hash-chain.md); connectors may still send one.
  app.post<{ Body: IntakeRequest }>(
    '/intake/v1/records',
    { schema: { body: IntakeBody, response: { 200: ReceiptBody, 201: ReceiptBody } }, config: { tokenless: true } },
    async (request, reply) => {
      await participants.admitted(request.peer);
      const checked = await checkRecord(request.body, context(request));
      const { entry, receipt, duplicate } = await ledger.append(checked);
      request.log.debug({ record: entry.recordId, seq: entry.seq, duplicate }, duplicate ? 'record already in the ledger' : 'record appended');
      return reply.code(duplicate ? 200 : 201).send(receipt);
    },
  );

  // A connector's outbox in one request, all or nothing: every record is checked before any is appended, and the
  // records are appended together in one transaction or not at all (a different record under a known id refuses the
  // whole batch). A refusal stores nothing and names the record (details.index); the append joins the ledger's
  // group commits.
  app.post<{ Body: IntakeBatchRequest }>(
    '/intake/v1/batches',
    { schema: { body: IntakeBatchBody, response: { 200: Type.Object({ receipts: Type.Array(ReceiptBody) }) } }, config: { tokenless: true } },
    async (request) => {
      await participants.admitted(request.peer);
      const checks = context(request);
      // Checked side by side (the signatures on the thread pool); the first refusal in batch order is the answer.
      const results = await Promise.allSettled(request.body.records.map((body) => checkRecord(body, checks)));
      const checked = results.map((result, index) => {
        if (result.status === 'fulfilled') return result.value;
        const error: unknown = result.reason;
        if (!(error instanceof KouanError)) throw error;
        throw new KouanError(error.code, `record ${index} (${request.body.records[index]!.id}): ${error.message}`, { ...error.details, index });
      });
      const appended = await ledger.appendAll(checked);
      return { receipts: appended.map((a) => a.receipt) };
    },
  );

  app.get('/registry/v1/participants/me', { schema: { response: { 200: ParticipantView } } }, async (request) => viewOf(await participants.attested(request.peer)));

  // Where an active participant's connector is: a connector checks a counterparty's callbackAddress against it.
  app.get<{ Params: { id: string } }>('/registry/v1/participants/:id/endpoints', { schema: { params: Type.Object({ id: ParticipantEndpoints.properties.id }), response: { 200: ParticipantEndpoints } } }, async (request) => {
    await participants.attested(request.peer);
    const participant = await participants.get(request.params.id);
    if (participant.status !== 'active') throw new NotFoundError(`participant ${request.params.id} is not active`);
    return { id: participant.id, dspUrl: participant.dspUrl ?? null };
  });

  app.get('/registry/v1/ledger/keys', { schema: { response: { 200: Type.Array(LedgerKeyBody) } } }, async () =>
    (await stores.ledger.keys()).map(keyView),
  );

  app.get('/registry/v1/ledger/checkpoints/latest', { schema: { response: { 200: CheckpointBody } } }, async () => {
    const checkpoint = await stores.ledger.latestCheckpoint();
    if (checkpoint === null) throw new NotFoundError('no checkpoint yet');
    return checkpointView(checkpoint);
  });

  // Registered participants only, suspended ones included: they still decide and must do so with current data.
  // A bundle is never changed once published: a connector polling with the tag of the one it has in force is answered
  // 304 without it.
  app.get('/registry/v1/policy-data/latest', { schema: { response: { 200: PolicyBundleBody, 304: Type.Null({ description: 'The bundle named in If-None-Match is the latest' }) } } }, async (request, reply) => {
    await participants.attested(request.peer);
    const bundle = await stores.policyBundles.latest();
    if (bundle === null) throw new NotFoundError('no policy data published yet');
    const etag = policyDataTag(bundle);
    reply.header('etag', etag);
    if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
    return bundle;
  });
  app.get<{ Params: { version: string } }>('/registry/v1/policy-data/:version', { schema: { params: VersionParams, response: { 200: PolicyBundleBody } } }, async (request) => {
    await participants.attested(request.peer);
    const bundle = await stores.policyBundles.get(Number(request.params.version));
    if (bundle === null) throw new NotFoundError(`no policy-data version ${request.params.version}`);
    return bundle;
  });
}
