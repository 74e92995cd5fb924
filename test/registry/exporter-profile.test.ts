import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractNegotiation } from '../../src/control-plane/model.ts';
import { startTestConnector, type TestConnector } from '../support/connectors.ts';
import { TestPki } from '../support/pki.ts';
import { until } from '../support/until.ts';
import { offerVisits, startTestRegistry, type TestRegistry } from './support.ts';

describe("a connector decides with its regulatory attributes from the registry, not from its own config", () => {
  let pki: TestPki;
  let registry: TestRegistry;
  let hospital: TestConnector;
  let pharma: TestConnector;
  let bureau: TestConnector;

  beforeAll(async () => {
    pki = await TestPki.create();
    registry = await startTestRegistry(pki);
    const at = { participantId: registry.participantId, url: registry.intakeUrl };
    // The hospital's own config says it is not a CIIO; the registry's record is what counts.
    hospital = await startTestConnector(pki, 'bj-hospital', 'CN', { registry: at, exporter: { ciio: false, ftz: null } });
    pharma = await startTestConnector(pki, 'pharma-de', 'DE', { registry: at });
    // A municipal health bureau: a state organ on record at the registry, though its own config says nothing of it.
    bureau = await startTestConnector(pki, 'bj-health-bureau', 'CN', { registry: at });
    for (const [c, country, ciio, stateOrgan] of [[hospital, 'CN', true, false], [pharma, 'DE', false, false], [bureau, 'CN', false, true]] as const) {
      const r = await registry.operator('POST', '/participants', { id: c.participantId, legalName: `${c.participantId} Ltd.`, country, ciio, stateOrgan, ftz: null, certificatePem: readFileSync(c.config.tls.cert, 'utf8') });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    await offerVisits(hospital);
    await offerVisits(bureau);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([hospital?.stop(), pharma?.stop(), bureau?.stop()]);
    await registry?.stop();
    pki.cleanup();
  });

  const negotiate = async (provider: TestConnector = hospital) => {
    const n = await pharma.api<ContractNegotiation>('POST', '/negotiations', { providerId: provider.participantId, address: provider.dspUrl, datasetId: 'visits', offerId: 'offer-visits' });
    return until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(n.body.id)}`)).body, (x) => x.state === 'FINALIZED' || x.state === 'TERMINATED');
  };

  it('a CIIO on record at the registry needs a security assessment for any personal information (Provisions art. 7(1))', async () => {
    const refused = await negotiate();
    expect(refused.state).toBe('TERMINATED');
    expect(refused.reasons.map((r) => r.code)).toContain('EXPORT_ASSESSMENT_MISSING');
  });

  it('a state organ on record at the registry needs a security assessment for any personal information (PIPL arts. 36-37)', async () => {
    // 500 persons' non-sensitive data with a PIPIA would be exempt (Provisions art. 5(4)) for any other exporter.
    const refused = await negotiate(bureau);
    expect(refused.state).toBe('TERMINATED');
    expect(refused.reasons.map((r) => r.code)).toEqual(['EXPORT_ASSESSMENT_MISSING']);
  });
});
