/**
 * The conformance profile's additions to a connector (docs/tck.md): the kit's scripts as the protocol script,
 * the seeded datasets and agreements, and the kit's initiate hooks on the DSP app. Production never loads it.
 */
import type { FastifyInstance } from 'fastify';
import type { ControlPlaneDeps } from '../deps.ts';
import type { Initiator } from '../initiator.ts';
import { conformanceHooks } from './hooks.ts';
import { seedConformance } from './seed.ts';

export { conformanceScript } from './script.ts';

/** Seeds what the kit's tests name and serves its hooks; call before the DSP app listens. */
export async function setUpConformance(dsp: FastifyInstance, options: { deps: ControlPlaneDeps; initiator: Initiator; nudge: () => void; kit: { participantId: string; country: string } }): Promise<void> {
  const { deps, initiator, nudge, kit } = options;
  await seedConformance(deps.stores, deps.clock, { self: deps.self, kit });
  await dsp.register(conformanceHooks, { deps, initiator, nudge });
}
