/**
 * The operator's view of graded supervision (docs/registry/supervision.md): grades with the inputs that made them,
 * the parameters they were computed with, and the flows marked for spot checks. Computed from the ledger on each call.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { CreditParametersSchema } from '../credit.ts';
import type { RegistryDeps } from '../deps.ts';
import { scanEntries } from '../insights.ts';
import { CreditReportBody, IdParams, SpotCheckBody, SpotCheckQuery } from '../schemas.ts';
import { creditReports, spotChecks, spotChecksCsv, type SpotCheckQuery as Query } from '../supervision.ts';

export async function supervisionRoutes(app: FastifyInstance, { participants, stores, clock, credit, trust }: RegistryDeps): Promise<void> {
  const ledger = stores.ledger;

  app.get<{ Params: { id: string } }>('/participants/:id/credit', { schema: { params: IdParams, response: { 200: CreditReportBody } } }, async (request) => {
    const record = await participants.get(request.params.id);
    return creditReports(await scanEntries(ledger), [record], credit, clock.now(), trust.revocations)[0];
  });

  app.get('/credit', { schema: { response: { 200: Type.Object({ parameters: CreditParametersSchema, participants: Type.Array(CreditReportBody) }) } } }, async () => ({
    parameters: credit,
    participants: creditReports(await scanEntries(ledger), await participants.all(), credit, clock.now(), trust.revocations),
  }));

  app.get<{ Querystring: Query & { format?: 'json' | 'csv' } }>('/spot-checks', { schema: { querystring: SpotCheckQuery, response: { 200: Type.Object({ parameters: CreditParametersSchema, flows: Type.Integer({ description: 'Flows (usage records) the query covers.' }), spotChecks: Type.Array(SpotCheckBody) }) } } }, async (request, reply) => {
    const { format, ...query } = request.query;
    if (query.exporter !== undefined) await participants.get(query.exporter); // a mistyped exporter is a 404, not an empty sample
    const result = spotChecks(await scanEntries(ledger), await participants.all(), credit, query, trust.revocations);
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(spotChecksCsv(result.spotChecks));
    return reply.send({ parameters: credit, ...result });
  });
}
