/**
 * The management API: the participant's own systems register assets, offers and approvals, query remote
 * catalogs, start negotiations and transfers, and read their state (with the reasons of every refusal).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { InputError, KouanError, NotFoundError } from '../../core/errors.ts';
import { defaultPolicyFiles } from '../../policy/engine.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import type { Initiator } from '../initiator.ts';
import type { Approval, ApprovalKind, Asset, Offer } from '../model.ts';
import { approvalLists, contractInput } from '../policy-inputs.ts';
import { emitFiling } from '../records.ts';
import * as S from './schemas.ts';

export interface ManagementOptions {
  deps: ControlPlaneDeps;
  initiator: Initiator;
  apiKey: string;
  nudge: () => void;
}

type Id = { Params: { id: string } };
type Page = { Querystring: { offset?: number; limit?: number } };

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Validators for approval entries, taken from the export policy's published input schema. */
function approvalValidators(): Record<ApprovalKind, ValidateFunction> {
  const schema = JSON.parse(readFileSync(`${defaultPolicyFiles.schemaDir}/export-input.schema.json`, 'utf8')) as { properties: { approvals: { properties: Record<string, { items: object }> } } };
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const lists = Object.keys(approvalLists([]));
  const kinds: ApprovalKind[] = ['security_assessment', 'standard_contract', 'certification', 'pipia', 'hgr_approval', 'export_licence'];
  return Object.fromEntries(kinds.map((kind, i) => [kind, ajv.compile(schema.properties.approvals.properties[lists[i]!]!.items)])) as Record<ApprovalKind, ValidateFunction>;
}

export async function managementRoutes(app: FastifyInstance, options: ManagementOptions): Promise<void> {
  const { deps, initiator, nudge } = options;
  const { stores, clock } = deps;
  const expected = digest(options.apiKey);
  const validators = approvalValidators();

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    const given = request.headers['x-api-key'];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) throw new KouanError('MANAGEMENT_UNAUTHORIZED');
  });

  const found = <T>(value: T | null, what: string): T => {
    if (value === null) throw new NotFoundError(`no ${what}`);
    return value;
  };
  const now = () => clock.now().toISOString();

  // 503 when the connector cannot take part (a revoked or expired certificate, a registry that takes no records).
  app.get('/health', { config: { public: true } }, async (_request, reply) => {
    const report = deps.health ? await deps.health() : { status: 'ok' as const, participantId: deps.self.participantId };
    return reply.code(report.status === 'ok' ? 200 : 503).send({ ...report, ...(deps.policyData ? { policyData: deps.policyData() } : {}) });
  });

  // assets
  app.post<{ Body: Omit<Asset, 'createdAt'> }>('/assets', { schema: { body: S.AssetInput } }, async (request, reply) => {
    const asset: Asset = { ...request.body, description: request.body.description ?? '', createdAt: now() };
    if (asset.classification.pi.sensitiveSubjects > asset.classification.pi.subjects) throw new InputError('pi.sensitiveSubjects cannot exceed pi.subjects');
    await stores.assets.put(asset);
    return reply.code(201).send(asset);
  });
  app.get<Page>('/assets', { schema: { querystring: S.Paging } }, async (request) => stores.assets.list(request.query));
  app.get<Id>('/assets/:id', { schema: { params: S.IdParams } }, async (request) => found(await stores.assets.get(request.params.id), `asset ${request.params.id}`));
  app.delete<Id>('/assets/:id', { schema: { params: S.IdParams } }, async (request, reply) => {
    found((await stores.assets.delete(request.params.id)) || null, `asset ${request.params.id}`);
    return reply.code(204).send();
  });

  // offers
  app.post<{ Body: Omit<Offer, 'createdAt'> }>('/offers', { schema: { body: S.OfferInput } }, async (request, reply) => {
    const offer: Offer = { ...request.body, createdAt: now() };
    checkOfferTerms(deps, offer);
    await stores.offers.put(offer);
    return reply.code(201).send(offer);
  });
  app.get<Page>('/offers', { schema: { querystring: S.Paging } }, async (request) => stores.offers.list(request.query));
  app.get<Id>('/offers/:id', { schema: { params: S.IdParams } }, async (request) => found(await stores.offers.get(request.params.id), `offer ${request.params.id}`));
  app.delete<Id>('/offers/:id', { schema: { params: S.IdParams } }, async (request, reply) => {
    found((await stores.offers.delete(request.params.id)) || null, `offer ${request.params.id}`);
    return reply.code(204).send();
  });

  // approvals on record
  app.post<{ Body: Omit<Approval, 'createdAt'> }>('/approvals', { schema: { body: S.ApprovalInput } }, async (request, reply) => {
    const validate = validators[request.body.kind];
    if (!validate(request.body.entry)) {
      throw new InputError(`entry: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ')}`);
    }
    const approval: Approval = { ...request.body, createdAt: now() };
    await stores.approvals.put(approval);
    return reply.code(201).send(approval);
  });
  app.get('/approvals', async () => stores.approvals.list());
  app.get<Id>('/approvals/:id', { schema: { params: S.IdParams } }, async (request) => found(await stores.approvals.get(request.params.id), `approval ${request.params.id}`));
  app.delete<Id>('/approvals/:id', { schema: { params: S.IdParams } }, async (request, reply) => {
    found((await stores.approvals.delete(request.params.id)) || null, `approval ${request.params.id}`);
    return reply.code(204).send();
  });

  // remote catalogs, negotiations, agreements
  app.post<{ Body: { providerId: string; address: string } }>('/catalog/query', { schema: { body: S.CatalogQuery } }, async (request) => initiator.remoteCatalog(request.body.providerId, request.body.address));
  app.post<{ Body: S.StartNegotiationBody }>('/negotiations', { schema: { body: S.NegotiationInput } }, async (request, reply) => {
    const negotiation = await initiator.startNegotiation(request.body);
    nudge();
    return reply.code(201).send(negotiation);
  });
  app.get<Page>('/negotiations', { schema: { querystring: S.Paging } }, async (request) => stores.negotiations.list(request.query));
  app.get<Id>('/negotiations/:id', { schema: { params: S.IdParams } }, async (request) => found(await stores.negotiations.get(request.params.id), `negotiation ${request.params.id}`));
  app.get<Page>('/agreements', { schema: { querystring: S.Paging } }, async (request) => stores.agreements.list(request.query));
  app.get<Id>('/agreements/:id', { schema: { params: S.IdParams } }, async (request) => found(await stores.agreements.get(request.params.id), `agreement ${request.params.id}`));
  app.post<Id & { Body: { reason?: string } }>('/agreements/:id/terminate', { schema: { params: S.IdParams, body: S.SignalInput } }, async (request) => {
    const agreement = found(await stores.agreements.get(request.params.id), `agreement ${request.params.id}`);
    if (agreement.state === 'TERMINATED') return agreement;
    const terminated = { ...agreement, state: 'TERMINATED' as const };
    await stores.agreements.save(terminated);
    if (agreement.providerId === deps.self.participantId) await emitFiling(deps, terminated, 'ended');
    deps.log.info({ agreement: agreement.id, reason: request.body?.reason ?? null }, 'agreement terminated');
    return terminated;
  });

  // transfers
  app.post<{ Body: { agreementId: string } }>('/transfers', { schema: { body: S.TransferInput } }, async (request, reply) => {
    const transfer = await initiator.startTransfer(request.body.agreementId);
    nudge();
    return reply.code(201).send(transfer);
  });
  app.get<Page>('/transfers', { schema: { querystring: S.Paging } }, async (request) => stores.transfers.list(request.query));
  app.get<Id>('/transfers/:id', { schema: { params: S.IdParams } }, async (request) => found(await stores.transfers.get(request.params.id), `transfer ${request.params.id}`));
  for (const [verb, state] of [['suspend', 'SUSPENDING'], ['resume', 'RESUMING'], ['complete', 'COMPLETING'], ['terminate', 'TERMINATING']] as const) {
    app.post<Id & { Body: { reason?: string } }>(`/transfers/:id/${verb}`, { schema: { params: S.IdParams, body: S.SignalInput } }, async (request) => {
      const transfer = await initiator.signalTransfer(request.params.id, state, request.body?.reason);
      nudge();
      return transfer;
    });
  }
}

/** Contract-policy codes that say an offer's terms are not understood, whoever would ask for it. */
const TERM_CODES = new Set(['CONTRACT_INPUT_INVALID', 'CONTRACT_UNKNOWN_CONSTRAINT', 'CONTRACT_UNKNOWN_OPERATOR', 'CONTRACT_INVALID_CONSTRAINT', 'CONTRACT_UNKNOWN_COUNTRY_GROUP', 'CONTRACT_UNKNOWN_ACTION', 'CONTRACT_UNKNOWN_TERM', 'CONTRACT_INVALID_DUTY']);

/**
 * A dry run of kouan/contract over the offer's policy before it is published: a term the policy does not know
 * (a misspelt constraint, an unknown operator or duty) is refused now, naming it, rather than when a partner
 * negotiates. The dry run's consumer accepts every duty, so only the terms themselves can refuse it.
 */
function checkOfferTerms(deps: ControlPlaneDeps, offer: Offer): void {
  const duties = [...offer.policy.permissions.flatMap((p) => p.duties ?? []), ...(offer.policy.obligations ?? [])].map((d) => d.action);
  const decision = deps.policy.evaluate('kouan/contract/decision', contractInput(deps.clock.now(), { participantId: 'offer-dry-run', country: 'DE', certThumbprint: '', serial: '' }, { purpose: null, acceptedObligations: duties }, offer.policy));
  const unknown = decision.reasons.filter((r) => TERM_CODES.has(r.code));
  if (unknown.length > 0) {
    throw new KouanError('OFFER_TERMS_INVALID', `the offer's policy has terms the contract policy does not take: ${unknown.map((r) => `${r.message} [${r.code}]`).join('; ')}`, { reasons: unknown });
  }
}
