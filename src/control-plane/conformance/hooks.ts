/**
 * The conformance kit's two "initiate" hooks (not DSP; conformance profile only): plain JSON, authenticated
 * by the static credential like every call of the kit. Each starts a process as consumer and answers 201 at
 * once; the manager sends the request. The counterparty is always the caller, the kit: its `providerId`
 * (TCK_PARTICIPANT, the kit's own name, not a valid Kouan participant id) is only logged.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { KouanError, NotFoundError } from '../../core/errors.ts';
import { PULL_FORMAT, PULL_FORMATS } from '../catalog.ts';
import type { ControlPlaneDeps } from '../deps.ts';
import { permissive } from '../dsp/odrl.ts';
import type { Initiator } from '../initiator.ts';
import type { Counterparty } from '../model.ts';

const Text = (description: string) => Type.String({ minLength: 1, maxLength: 512, description });
const Address = Type.String({ pattern: '^https?://', maxLength: 2048, description: "The kit's callback address (its DSP base)." });

const NegotiationHook = Type.Object(
  { providerId: Text('The kit as it names itself.'), offerId: Text('The offer to request, used verbatim.'), datasetId: Text('Its dataset.'), connectorAddress: Address },
  { additionalProperties: true },
);
const TransferHook = Type.Object(
  { providerId: Text('The kit as it names itself.'), agreementId: Text('A seeded agreement where this connector is the consumer.'), format: Text('The transfer format.'), connectorAddress: Address },
  { additionalProperties: true },
);

export interface ConformanceHooksOptions {
  deps: ControlPlaneDeps;
  initiator: Initiator;
  nudge: () => void;
}

export async function conformanceHooks(app: FastifyInstance, options: ConformanceHooksOptions): Promise<void> {
  const { deps, initiator, nudge } = options;
  const kitAt = (peer: { participantId: string; country: string }, address: string): Counterparty => ({ participantId: peer.participantId, address, country: peer.country });

  app.post<{ Body: Static<typeof NegotiationHook> }>('/tck/negotiations/requests', { schema: { body: NegotiationHook } }, async (request, reply) => {
    const { offerId, datasetId, connectorAddress, providerId } = request.body;
    // The kit's offers carry a bare `use` permission; it is requested as given, with no catalog fetch.
    const n = await initiator.negotiate(kitAt(request.peer, connectorAddress), { id: offerId, assetId: datasetId, policy: permissive() }, { purpose: null, acceptedObligations: [] });
    deps.log.info({ negotiation: n.id, providerId, offer: offerId }, 'conformance kit: negotiation initiated');
    nudge();
    return reply.code(201).send({ id: n.id, consumerPid: n.consumerPid });
  });

  app.post<{ Body: Static<typeof TransferHook> }>('/tck/transfers/requests', { schema: { body: TransferHook } }, async (request, reply) => {
    const { agreementId, format, connectorAddress, providerId } = request.body;
    const agreement = await deps.stores.agreements.get(agreementId);
    if (!agreement || agreement.consumerId !== deps.self.participantId || agreement.providerId !== request.peer.participantId) {
      throw new NotFoundError(`no agreement ${agreementId} where ${request.peer.participantId} is the provider and this connector the consumer`);
    }
    if (!PULL_FORMATS.includes(format)) throw new KouanError('DSP_UNSUPPORTED_FORMAT', `format ${format} is not supported; use ${PULL_FORMAT}`);
    const t = await initiator.transfer(agreementId, kitAt(request.peer, connectorAddress), format);
    deps.log.info({ transfer: t.id, providerId, agreement: agreementId }, 'conformance kit: transfer initiated');
    nudge();
    return reply.code(201).send({ id: t.id, consumerPid: t.consumerPid });
  });
}
