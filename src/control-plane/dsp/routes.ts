/**
 * The Dataspace Protocol 2025-1 endpoints (catalog, contract negotiation, transfer process). Bodies are
 * validated against the message schemas; every failure is a DSP error body with a 4xx and a Kouan code.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KouanError } from '../../core/errors.ts';
import type { CatalogService } from '../catalog.ts';
import type { Caller } from '../deps.ts';
import type { NegotiationProtocol } from '../negotiation/protocol.ts';
import type { TransferProtocol } from '../transfer/protocol.ts';
import { errorBody } from './jsonld.ts';
import * as S from './schemas.ts';

export interface DspRoutesOptions {
  catalog: CatalogService;
  negotiations: NegotiationProtocol;
  transfers: TransferProtocol;
  /** Called after an incoming message changed a process, so the managers look again at once. */
  nudge: () => void;
}

type Body = Record<string, unknown>;
type Params = { pid: string };

const caller = (request: FastifyRequest): Caller => {
  const socket = request.raw.socket as TLSSocket;
  const key = typeof socket.getPeerX509Certificate === 'function' ? (socket.getPeerX509Certificate()?.publicKey ?? null) : null;
  return { peer: request.peer, key };
};

const errorType = (url: string) => (url.includes('/transfers') ? 'TransferError' : url.includes('/catalog') ? 'CatalogError' : 'ContractNegotiationError');

export async function dspRoutes(app: FastifyInstance, options: DspRoutesOptions): Promise<void> {
  const { catalog, negotiations, transfers, nudge } = options;

  app.setErrorHandler((error: FastifyError | KouanError, request, reply) => {
    const params = request.params as Partial<Params> | undefined;
    const body = (request.body ?? {}) as Body;
    const pids = { consumerPid: (body.consumerPid as string | undefined) ?? null, providerPid: (body.providerPid as string | undefined) ?? params?.pid ?? null };
    let status = 500;
    let code = 'INTERNAL';
    let text = 'internal error; see the server log';
    if (error instanceof KouanError) {
      ({ status, code } = error);
      text = error.message;
      if (status >= 500) request.log.error({ err: error }, error.message);
      else request.log.info({ code }, error.message);
    } else if ((error as FastifyError).validation || ((error as FastifyError).statusCode ?? 500) < 500) {
      status = (error as FastifyError).statusCode ?? 400;
      code = 'INPUT_INVALID';
      text = error.message;
      request.log.info({ code }, text);
    } else {
      request.log.error({ err: error }, 'unexpected failure');
    }
    if (code.startsWith('TLS_')) reply.header('connection', 'close');
    return reply.code(status).send(errorBody(errorType(request.url), code, [{ code, message: text }], pids));
  });

  const post = <B extends Body>(url: string, schema: object, handler: (request: FastifyRequest<{ Body: B; Params: Params }>, reply: FastifyReply) => Promise<unknown>) =>
    app.post<{ Body: B; Params: Params }>(url, { schema: { body: schema } }, async (request, reply) => {
      const result = await handler(request, reply);
      nudge();
      return result;
    });

  // catalog
  app.post('/catalog/request', { schema: { body: S.CatalogRequestSchema } }, async () => catalog.catalog());
  app.get<{ Params: { id: string } }>('/catalog/datasets/:id', async (request) => catalog.dataset(request.params.id));

  // contract negotiation
  app.get<{ Params: Params }>('/negotiations/:pid', async (request) => negotiations.get(caller(request), request.params.pid));
  post('/negotiations/request', S.ContractRequestSchema, async (request, reply) => {
    const { body } = await negotiations.request(caller(request), request.body);
    return reply.code(201).send(body);
  });
  post('/negotiations/:pid/request', S.ContractRequestSchema, async (request, reply) => {
    const { body } = await negotiations.request(caller(request), { ...request.body, providerPid: request.params.pid });
    return reply.code(200).send(body);
  });
  post('/negotiations/:pid/offers', S.ContractOfferSchema, async (request, reply) => reply.send(await negotiations.offer(caller(request), request.params.pid, request.body)));
  post('/negotiations/:pid/agreement', S.ContractAgreementSchema, async (request, reply) => {
    await negotiations.agreement(caller(request), request.params.pid, request.body);
    return reply.code(200).send();
  });
  post('/negotiations/:pid/agreement/verification', S.AgreementVerificationSchema, async (request, reply) => {
    await negotiations.verification(caller(request), request.params.pid, request.body);
    return reply.code(200).send();
  });
  post('/negotiations/:pid/events', S.NegotiationEventSchema, async (request, reply) => {
    await negotiations.event(caller(request), request.params.pid, request.body);
    return reply.code(200).send();
  });
  post('/negotiations/:pid/termination', S.NegotiationTerminationSchema, async (request, reply) => {
    await negotiations.termination(caller(request), request.params.pid, request.body);
    return reply.code(200).send();
  });

  // transfer process
  app.get<{ Params: Params }>('/transfers/:pid', async (request) => transfers.get(caller(request), request.params.pid));
  post('/transfers/request', S.TransferRequestSchema, async (request, reply) => reply.code(201).send(await transfers.request(caller(request), request.body)));
  post('/transfers/:pid/start', S.TransferStartSchema, async (request, reply) => {
    await transfers.start(caller(request), request.params.pid, request.body);
    return reply.code(200).send();
  });
  for (const [signal, schema] of [['completion', S.TransferCompletionSchema], ['suspension', S.TransferSuspensionSchema], ['termination', S.TransferTerminationSchema]] as const) {
    post(`/transfers/:pid/${signal}`, schema, async (request, reply) => {
      await transfers.signal(caller(request), request.params.pid, signal, request.body);
      return reply.code(200).send();
    });
  }
}
