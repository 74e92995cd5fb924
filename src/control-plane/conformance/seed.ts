/**
 * What the conformance kit's tests name and expect to exist (docs/tck.md §7 "Seed"): the provider's datasets
 * with one `use` offer each, and concluded agreements with the kit in both roles. Written at every start of
 * a connector in the conformance profile; writing again changes nothing that exists.
 *
 * The datasets are classified as what they are, test data without personal information (general grade, no PI),
 * so the real contract and export policies decide on them: export row 16, no procedure applies.
 */
import type { Clock } from '../../core/clock.ts';
import type { ControlPlaneStores } from '../../storage/ports.ts';
import { permissive, toDsp } from '../dsp/odrl.ts';
import type { Asset, ContractAgreement } from '../model.ts';

const ids = (prefix: string, groups: Array<[group: number, count: number]>) =>
  groups.flatMap(([group, count]) => Array.from({ length: count }, (_, i) => `${prefix}0${group}0${i + 1}`));

export const TCK_DATASETS = ['CAT0101', 'CAT0102', ...ids('ACN', [[1, 4], [2, 7], [3, 4]])];
export const TCK_PROVIDER_AGREEMENTS = ids('ATP', [[1, 5], [2, 5], [3, 6]]);
export const TCK_CONSUMER_AGREEMENTS = ids('ATPC', [[1, 5], [2, 5], [3, 6]]);

/** The kit's offer id for a dataset: CN:01-02 sends this very id back as its counter-offer. */
export const tckOfferId = (datasetId: string) => `CD123:${datasetId}:456`;

const YEAR_MS = 365 * 86_400_000;

function asset(id: string, now: string): Asset {
  return {
    id,
    title: `DSP conformance kit dataset ${id}`,
    description: 'Seeded for the DSP conformance kit; no data behind it.',
    classification: {
      grade: 'general',
      domain: 'conformance',
      categories: ['conformance_test'],
      pi: { subjects: 0, sensitiveSubjects: 0, sensitiveKinds: [], fields: [], subjectIdField: null },
      hgr: { present: false, sequencingSubjects: 0 },
      exportControlled: false,
      scenario: null,
    },
    backend: { url: 'http://127.0.0.1:9/conformance', format: 'ndjson' },
    createdAt: now,
  };
}

function agreement(id: string, parties: { providerId: string; consumerId: string; consumerCountry: string }, now: Date): ContractAgreement {
  const policy = permissive();
  const assetId = TCK_DATASETS[0]!;
  return {
    id,
    negotiationId: 'urn:kouan:conformance-seed',
    ...parties,
    assetId,
    policy,
    exportPath: 'exempt',
    start: now.toISOString(),
    end: new Date(now.getTime() + YEAR_MS).toISOString(),
    signedAt: now.toISOString(),
    document: { '@id': id, '@type': 'Agreement', target: assetId, assigner: parties.providerId, assignee: parties.consumerId, timestamp: now.toISOString(), ...toDsp(policy) },
    signatures: { provider: null, consumer: null },
    terms: { purpose: null, acceptedObligations: [] },
    state: 'ACTIVE',
  };
}

export async function seedConformance(stores: ControlPlaneStores, clock: Clock, parties: { self: { participantId: string; country: string }; kit: { participantId: string; country: string } }): Promise<void> {
  const now = clock.now();
  for (const id of TCK_DATASETS) {
    await stores.assets.put(asset(id, now.toISOString()));
    await stores.offers.put({ id: tckOfferId(id), assetId: id, policy: permissive(), createdAt: now.toISOString() });
  }
  const { self, kit } = parties;
  const agreements = [
    ...TCK_PROVIDER_AGREEMENTS.map((id) => agreement(id, { providerId: self.participantId, consumerId: kit.participantId, consumerCountry: kit.country }, now)),
    ...TCK_CONSUMER_AGREEMENTS.map((id) => agreement(id, { providerId: kit.participantId, consumerId: self.participantId, consumerCountry: self.country }, now)),
  ];
  for (const a of agreements) if (!(await stores.agreements.get(a.id))) await stores.agreements.create(a);
}
