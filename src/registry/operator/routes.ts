/**
 * The operator API (plain JSON behind an API key, loopback by default): register, change, suspend and list participants,
 * read the ledger (head, entries, records by id, checkpoints, keys), views and alerts computed from it (insights.ts),
 * and publish signed policy-data bundles (policy-data.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../core/errors.ts';
import type { RegistryDeps } from '../deps.ts';
import type { AttributeChange as AttributeChangeInput, Registration as RegistrationInput } from '../participants.ts';
import type { PolicyData } from '../../policy/engine.ts';
import { AttributeChange, CertificateChange, CheckpointBody, Cursor, DateOrTime, EntryBody, Format, Head, IdParams, LedgerKeyBody, Participant, Paging, PolicyBundleBody, PolicyDataBody, Registration, SeqParams, Suspension } from '../schemas.ts';
import { alerts, alertsCsv, FLOW_GROUPS, flows, refusals, scanRecords, type FlowQuery } from '../insights.ts';
import { checkpointView, entryView, keyView } from '../views.ts';

const found = <T>(value: T | null, what: string): T => {
  if (value === null) throw new NotFoundError(`no ${what}`);
  return value;
};

export async function operatorRoutes(app: FastifyInstance, { participants, stores, clock, policyData }: RegistryDeps): Promise<void> {
  const ledger = stores.ledger;
  type Id = { Params: { id: string } };

  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok', head: await ledger.head() }));

  app.post<{ Body: RegistrationInput }>('/participants', { schema: { body: Registration, response: { 201: Participant } } }, async (request, reply) =>
    reply.code(201).send(await participants.register(request.body)),
  );
  app.get<{ Querystring: { offset?: number; limit?: number } }>('/participants', { schema: { querystring: Paging, response: { 200: Type.Array(Participant) } } }, async (request) =>
    participants.list(request.query),
  );
  app.get<Id>('/participants/:id', { schema: { params: IdParams, response: { 200: Participant } } }, async (request) => participants.get(request.params.id));
  app.post<Id & { Body: { reason: string } }>('/participants/:id/suspend', { schema: { params: IdParams, body: Suspension, response: { 200: Participant } } }, async (request) =>
    participants.suspend(request.params.id, request.body.reason),
  );
  app.patch<Id & { Body: AttributeChangeInput }>('/participants/:id', { schema: { params: IdParams, body: AttributeChange, response: { 200: Participant } } }, async (request) =>
    participants.change(request.params.id, request.body),
  );
  app.put<Id & { Body: { certificatePem?: string; certThumbprint?: string } }>('/participants/:id/certificate', { schema: { params: IdParams, body: CertificateChange, response: { 200: Participant } } }, async (request) =>
    participants.replaceCertificate(request.params.id, request.body),
  );
  app.post<Id>('/participants/:id/reinstate', { schema: { params: IdParams, response: { 200: Participant } } }, async (request) => participants.reinstate(request.params.id));

  app.get('/ledger/head', { schema: { response: { 200: Head } } }, async () => ledger.head());
  app.get<{ Querystring: Cursor }>('/ledger/entries', { schema: { querystring: Cursor, response: { 200: Type.Array(EntryBody) } } }, async (request) =>
    (await ledger.entries(request.query.after, request.query.limit)).map(entryView),
  );
  app.get<{ Params: { seq: number } }>('/ledger/entries/:seq', { schema: { params: SeqParams, response: { 200: EntryBody } } }, async (request) =>
    entryView(found(await ledger.entry(request.params.seq), `entry at seq ${request.params.seq}`)),
  );
  app.get<Id>('/records/:id', { schema: { params: IdParams, response: { 200: EntryBody } } }, async (request) =>
    entryView(found(await ledger.entryByRecordId(request.params.id), `record ${request.params.id} in the ledger`)),
  );
  app.get<{ Querystring: Cursor }>('/ledger/checkpoints', { schema: { querystring: Cursor, response: { 200: Type.Array(CheckpointBody) } } }, async (request) =>
    (await ledger.checkpoints(request.query.after, request.query.limit)).map(checkpointView),
  );
  app.get('/ledger/keys', { schema: { response: { 200: Type.Array(LedgerKeyBody) } } }, async () =>
    (await ledger.keys()).map(keyView),
  );

  app.post<{ Body: PolicyData }>('/policy-data', { schema: { body: PolicyDataBody, response: { 201: PolicyBundleBody } } }, async (request, reply) => {
    const bundle = await policyData.publish(request.body);
    request.log.info({ version: bundle.version, keys: Object.keys(bundle.data) }, 'policy data published');
    return reply.code(201).send(bundle);
  });
  app.get('/policy-data/latest', { schema: { response: { 200: PolicyBundleBody } } }, async () => found(await stores.policyBundles.latest(), 'policy data published yet'));

  // Views, alerts and supervision are computed from all records at every call; the records are read incrementally (insights.ts).
  const FlowsQuery = Type.Object(
    {
      by: Type.Union(FLOW_GROUPS.map((g) => Type.Literal(g)), { default: 'destinationCountry' }),
      from: Type.Optional(DateOrTime),
      to: Type.Optional(DateOrTime),
      interval: Type.Optional(Type.Literal('day', { description: 'Also group by Beijing calendar day.' })),
    },
    { additionalProperties: false },
  );
  app.get<{ Querystring: FlowQuery }>('/views/flows', { schema: { querystring: FlowsQuery } }, async (request) => ({
    by: request.query.by,
    groups: flows(await scanRecords(ledger), request.query),
  }));
  app.get('/views/refusals', async () => refusals(await scanRecords(ledger)));
  app.get<{ Querystring: { format?: 'json' | 'csv' } }>(
    '/alerts',
    { schema: { querystring: Type.Object({ format: Format }, { additionalProperties: false }) } },
    async (request, reply) => {
      const { thresholds, calendar } = await policyData.inForce();
      const list = alerts(await scanRecords(ledger), clock, thresholds, calendar);
      if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(alertsCsv(list));
      return { alerts: list };
    },
  );
}
