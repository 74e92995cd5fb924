/**
 * The exporter-wide budget against a provider that runs two gateway processes on one PostgreSQL schema: the
 * consumer pulls through both at once, and the persons that leave still add up to what the export path allows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beijingYear } from '../../src/data-plane/inputs.ts';
import { openPostgresStores } from '../../src/storage/postgres/index.ts';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../support/postgres-schemas.ts';
import { PatientBackend, type Row } from './support/backend.ts';
import { attack, persons } from './support/consumer.ts';
import { ledgerOf } from './support/ledger.ts';
import { allRows, outcome } from './support/outcome.ts';
import { startProviderProcesses, type ProviderProcesses } from './support/provider-processes.ts';
import { agree, approveExports, CONSUMER, openSpace, publish, registryOf, type AssetSpec, type Space } from './support/space.ts';

const PER_GATEWAY = 3;

describe('two gateway processes of one provider share its budgets', () => {
  let space: Space;
  let backend: PatientBackend;
  let provider: ProviderProcesses;
  const schema = uniqueSchema('adv_two_gateways');

  beforeAll(async () => {
    backend = new PatientBackend();
    await backend.start();
    space = await openSpace();
    provider = await startProviderProcesses(space.pki, 'bj-hospital', 2, {
      storage: { postgresUrl: testPostgresUrl(), postgresSchema: schema },
      registry: registryOf(space.receiver),
      peers: [{ participantId: CONSUMER, dspUrl: space.consumer.dspUrl }],
    });
    await approveExports(provider);
    // Each gateway has served a pull before the attack, so that none is still warming up while the others stream.
    const warmUp: AssetSpec = { id: 'warm-up', url: backend.serve('/warm-up', { rows: () => [{ label: 'car' }] }), format: 'ndjson' };
    await publish(provider, warmUp);
    const agreed = await agree(space, { participantId: provider.participantId, dspUrl: provider.instances[0]!.dspUrl }, warmUp);
    for (const { gateway } of provider.instances) expect(outcome(await attack(space.peers, provider.participantId, agreed.edr, { gateway })).rows).toHaveLength(1);
  });

  afterAll(async () => {
    await provider?.stop();
    await space?.close();
    await backend?.stop();
    await dropSchemas(testPostgresUrl(), [schema]);
  });

  it('parallel pulls through both gateways take the exporter exactly to its yearly cap, never past it', async () => {
    const prefix = `T-${randomUUID().slice(0, 8)}`;
    // Twenty new persons on every request, one record each, written over 0.8 s so that every stream is open at once.
    const rows = (n: number): Row[] => Array.from({ length: 20 }, (_, i) => ({ patient_id: `${prefix}-${n}-${i}`, patient_name: `Name ${i}`, hba1c: 6.1 }));
    const spec: AssetSpec = {
      id: 'sensitive-cohort', url: backend.serve('/sensitive-cohort', { rows, perSecond: 25 }), format: 'ndjson',
      pi: { fields: ['patient_id', 'patient_name'], subjectIdField: 'patient_id', sensitive: true },
      duties: [{ action: 'drop_fields', fields: ['patient_name'] }],
    };
    await publish(provider, spec);
    const agreed = await agree(space, { participantId: provider.participantId, dspUrl: provider.instances[0]!.dspUrl }, spec);

    // Sensitive PI of fewer than 10,000 persons a year on the standard-contract path: 9,990 already went, 9 more may.
    const year = beijingYear(new Date());
    const stores = await openPostgresStores(testPostgresUrl(), { schema });
    try {
      const before = await stores.usage.cumulative(provider.participantId, year);
      await stores.usage.addSubjects(provider.participantId, year, 'urn:adversarial-earlier', Array.from({ length: 9_990 - before.sensitiveSubjects }, () => randomUUID()), true);

      const gateways = provider.instances.flatMap((p) => Array.from({ length: PER_GATEWAY }, () => p.gateway));
      const outcomes = (await Promise.all(gateways.map((gateway) => attack(space.peers, provider.participantId, agreed.edr, { gateway, deadlineMs: 15_000 })))).map((r) => outcome(r));
      expect(persons(allRows(outcomes), 'patient_id')).toBe(9);
      expect(allRows(outcomes)).toHaveLength(9);
      for (const o of outcomes) expect({ status: o.status, code: o.code }).toEqual({ status: o.status === 200 ? 200 : 403, code: 'GATEWAY_THRESHOLD_REACHED' });
      expect(outcomes.some((o) => o.status === 200)).toBe(true);
      expect((await stores.usage.cumulative(provider.participantId, year)).sensitiveSubjects).toBe(9_999);

      const streamed = outcomes.filter((o) => o.status === 200).length;
      const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: streamed, denied: Array(outcomes.length).fill('GATEWAY_THRESHOLD_REACHED') });
      expect(ledger.usage).toHaveLength(streamed);
      expect(ledger.records).toBe(9);
      expect(ledger.newSubjects).toBe(9);
      expect(ledger.codes).toEqual(Array(outcomes.length).fill('GATEWAY_THRESHOLD_REACHED'));
    } finally {
      await stores.close();
    }
  });
});
