/**
 * Everything that must hold before one byte is asked of the backend: the request names a transfer and nothing
 * below it, the access token verifies and is bound to the presented certificate, the transfer and agreement as
 * stored now (no cache: a termination or suspension holds on the very next request), kouan/gateway with the
 * consumer's attested country, and a query string of parameters the asset allows. The grant carries what the
 * stream needs: the decision, the budgets it sets, the backend query.
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import { KouanError, TokenRejectedError } from '../../core/errors.ts';
import type { Asset, ContractAgreement, TransferProcess } from '../../control-plane/model.ts';
import { denials, type Decision, type Reason } from '../../policy/decision.ts';
import type { PolicyEngine } from '../../policy/engine.ts';
import type { ControlPlaneStores, DataPlaneStores } from '../../storage/ports.ts';
import type { AccessClaims, AccessTokenVerifier } from '../../trust/access-tokens.ts';
import { StreamBudget, totalsOf } from '../budget.ts';
import { beijingYear, gatewayInput } from '../inputs.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { rulesFrom } from '../obligations.ts';
import { backendQuery } from './backend.ts';

export interface Grant {
  claims: AccessClaims;
  transfer: TransferProcess;
  agreement: ContractAgreement;
  asset: Asset;
  decision: Decision;
  /** The exporter and the year (Beijing time) the stream's persons count in. */
  exporterId: string;
  year: number;
  budget: StreamBudget;
  /** The backend request's query string (without `?`). */
  query: string;
}

export interface Refusal {
  status: number;
  reasons: Reason[];
  context: Record<string, unknown>;
}

export interface AuthorizeDeps {
  providerId: string;
  clock: Clock;
  policy: PolicyEngine;
  stores: ControlPlaneStores & DataPlaneStores;
  tokens: AccessTokenVerifier;
  exporter: () => Promise<{ id: string; ciio: boolean }>;
  metrics: GatewayMetrics;
}

const bearer = (header: string | undefined) => (header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);

const refusal = (status: number, code: string, message: string, basis: string, context: Record<string, unknown>): Refusal =>
  ({ status, reasons: [{ code, message, basis, effect: 'deny' }], context });

/** Whether the request's path is exactly /transfers/{id} (a trailing slash allowed), nothing below it. */
export function isTransferPath(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  const parts = path.split('/');
  return parts.length === 3 || (parts.length === 4 && parts[3] === '');
}

export async function authorize(deps: AuthorizeDeps, request: FastifyRequest<{ Params: { transferId: string } }>): Promise<{ grant: Grant } | { refusal: Refusal }> {
  const { stores, metrics } = deps;
  const started = process.hrtime.bigint();
  metrics.requests.inc();
  const requested = request.params.transferId;
  if (!isTransferPath(request.url)) return { refusal: refusal(404, 'GATEWAY_PATH_NOT_ALLOWED', 'a transfer is pulled at /transfers/{id}; nothing below it reaches the backend', 'gateway', { transfer: requested }) };
  let claims: AccessClaims;
  try {
    claims = await deps.tokens.verify(bearer(request.headers.authorization), request.peer);
  } catch (error) {
    if (!(error instanceof TokenRejectedError)) throw error;
    return { refusal: refusal(401, error.code, error.message, 'access token', { transfer: requested }) };
  }
  const { transfer, agreement, asset } = (await stores.transferTerms.get(claims.transferId)) ?? { transfer: null, agreement: null, asset: null };
  if (!transfer || transfer.role !== 'provider' || !agreement || !asset || requested !== claims.transferId) {
    const error = new KouanError('GATEWAY_UNKNOWN_TRANSFER');
    return { refusal: refusal(403, error.code, error.message, 'access token', { transfer: claims.transferId }) };
  }
  const query = backendQuery(asset, request.url);
  if (!query.ok) return { refusal: refusal(400, query.marker.code, query.marker.message, 'asset', { transfer: transfer.id, agreement: agreement.id }) };
  const now = deps.clock.now();
  const year = beijingYear(now);
  const exporter = await deps.exporter();
  const [counted, cumulative] = await Promise.all([stores.usage.countRequest(agreement.id), stores.usage.cumulative(exporter.id, year)]);
  const usage = { ...counted, requests: counted.requests - 1 };
  const decision = deps.policy.evaluateStaged('kouan/gateway/decision', gatewayInput({
    now, peer: request.peer, claims, providerId: deps.providerId, agreement, transfer, asset, exporter, cumulative, usage,
  }));
  metrics.decisionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  if (!decision.allow) return { refusal: { status: 403, reasons: denials(decision), context: { transfer: transfer.id, agreement: agreement.id } } };
  // The caps as totals shared by every stream (./budget.ts): what the decision's input counted plus what it still allows.
  const totals = totalsOf(rulesFrom(decision.obligations).limits, { usage, cumulative });
  // Persons are counted by the asset's subject field only: records about persons with no field to count them
  // by would stream past every cap on persons (the agreement's, the export path's) uncounted.
  const pi = asset.classification.pi;
  if (pi.subjects > 0 && !pi.subjectIdField && (['agreementSubjects', 'subjects', 'sensitiveSubjects'] as const).some((kind) => Number.isFinite(totals[kind]))) {
    const error = new KouanError('GATEWAY_SUBJECTS_UNCOUNTABLE');
    return { refusal: refusal(403, error.code, error.message, 'asset', { transfer: transfer.id, agreement: agreement.id }) };
  }
  const budget = new StreamBudget(stores.budgets, stores.usage, { agreementId: agreement.id, exporterId: exporter.id, year }, totals);
  return { grant: { claims, transfer, agreement, asset, decision, exporterId: exporter.id, year, budget, query: query.query } };
}
