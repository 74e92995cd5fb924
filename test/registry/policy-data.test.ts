import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractNegotiation } from '../../src/control-plane/model.ts';
import { signedPart, type PolicyDataStatus, type SignedPolicyBundle } from '../../src/policy/bundle.ts';
import type { PolicyData } from '../../src/policy/engine.ts';
import { signCertified } from '../../src/trust/certified.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { kouanAsync } from '../support/cli.ts';
import { restartTestConnector, startTestConnector, type TestConnector } from '../support/connectors.ts';
import { TestPki } from '../support/pki.ts';
import { until } from '../support/until.ts';
import { offerVisits, register as registerIdentity, REGISTRY_ID, startTestRegistry, testConnector as testIdentity, type TestRegistry } from './support.ts';

const restricting = (id: string): PolicyData => ({
  restricted_recipients: { recipients: { [id]: { name: `${id} (listed for this test)`, list: 'PIPL art. 42', listed: '2026-01-01' } } },
});

describe('policy data published by the registry, verified and swapped in by connectors', () => {
  let pki: TestPki;
  let registry: TestRegistry;
  let hospital: TestConnector;
  let pharma: TestConnector;
  let registryIdentity: LocalIdentity;
  let builtInThresholds: Record<string, unknown>;
  const registries: TestRegistry[] = [];

  const register = async (at: TestRegistry, c: TestConnector, country: string) => {
    const r = await at.operator('POST', '/participants', { id: c.participantId, legalName: `${c.participantId} Ltd.`, country, ciio: false, ftz: null, certificatePem: readFileSync(c.config.tls.cert, 'utf8') });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };

  beforeAll(async () => {
    pki = await TestPki.create();
    const registryCredentials = pki.issue(REGISTRY_ID, 'CN');
    registryIdentity = loadLocalIdentity(registryCredentials.cert, registryCredentials.key);
    registry = await startTestRegistry(pki, {}, registryCredentials);
    registries.push(registry);
    const at = { participantId: registry.participantId, url: registry.intakeUrl, policyDataPollMs: 100 };
    hospital = await startTestConnector(pki, 'bj-hospital', 'CN', { registry: at });
    pharma = await startTestConnector(pki, 'pharma-de', 'DE', { registry: at });
    await register(registry, hospital, 'CN');
    await register(registry, pharma, 'DE');
    await offerVisits(hospital);
    builtInThresholds = JSON.parse(readFileSync(new URL('../../policies/data/thresholds.json', import.meta.url), 'utf8')).thresholds;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([hospital?.stop(), pharma?.stop()]);
    await Promise.all(registries.map((r) => r.stop()));
    pki.cleanup();
  });

  /** The consumer asks the hospital for the dataset: the hospital decides the export path with its policy data. */
  const negotiate = async () => {
    const n = await pharma.api<ContractNegotiation>('POST', '/negotiations', { providerId: 'bj-hospital', address: hospital.dspUrl, datasetId: 'visits', offerId: 'offer-visits' });
    expect(n.status, JSON.stringify(n.body)).toBe(201);
    return until(async () => (await pharma.api<ContractNegotiation>('GET', `/negotiations/${encodeURIComponent(n.body.id)}`)).body, (x) => x.state === 'FINALIZED' || x.state === 'TERMINATED');
  };
  const status = async (): Promise<PolicyDataStatus> => (await hospital.api<{ policyData: PolicyDataStatus }>('GET', '/health')).body.policyData;
  const publish = (data: PolicyData) => registry.operator<SignedPolicyBundle & { code?: string; message?: string }>('POST', '/policy-data', data);
  /** Puts a bundle straight into the registry's store, as a compromised or restored database would serve it. */
  const plant = (at: TestRegistry, make: (version: number) => SignedPolicyBundle) => at.deps.stores.policyBundles.publish(make);
  const signedBy = (signer: LocalIdentity, bundle: { version: number; issued: string; data: PolicyData }): SignedPolicyBundle => ({ ...bundle, ...signCertified(signedPart(bundle), signer) });
  const refusedAt = (version: number) => until(status, (s) => s.refused?.version === version);

  it('decides with the built-in data while the registry has published none', async () => {
    expect(await status()).toEqual({ version: null, issued: null, refused: null });
    expect((await negotiate()).state).toBe('FINALIZED');
  });

  it('refuses to publish data that connectors would refuse, naming the problem', async () => {
    const unknown = await publish({ sanctions: { list: [] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'POLICY_BUNDLE_INVALID', message: expect.stringContaining('sanctions') });
    const badThreshold = await publish({ thresholds: { ...builtInThresholds, pi_subjects_standard_contract: '100000' } });
    expect(badThreshold.body).toMatchObject({ code: 'POLICY_BUNDLE_INVALID', message: expect.stringContaining('/thresholds/pi_subjects_standard_contract') });
    expect((await registry.operator('POST', '/policy-data', restricting('pharma-de'), 'not-the-operator-key-000')).status).toBe(401);
    expect((await registry.operator('GET', '/policy-data/latest')).status).toBe(404);
  });

  it('a published bundle listing the consumer as a restricted recipient refuses its next export', async () => {
    const published = await publish(restricting('pharma-de'));
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect(published.body).toMatchObject({ version: 1, data: restricting('pharma-de') });
    expect((await until(status, (s) => s.version === 1)).version).toBe(1);
    const refused = await negotiate();
    expect(refused.state).toBe('TERMINATED');
    expect(refused.reasons.map((r) => r.code)).toContain('EXPORT_RESTRICTED_RECIPIENT');
    expect(existsSync(join(hospital.config.stateDir, 'policy-data.json'))).toBe(true);
  });

  it('answers a poll for the version in force with 304 and no bundle, and any other with the latest bundle and its tag', async () => {
    const lab = await testIdentity(pki, registry, 'lab-poller', 'DE');
    await registerIdentity(registry, 'lab-poller', 'DE', lab.credentials);
    try {
      const address = { participantId: registry.participantId, baseUrl: registry.intakeUrl };
      const poll = (tag?: string) => lab.peers.request<SignedPolicyBundle>(address, { method: 'GET', path: 'registry/v1/policy-data/latest', ...(tag ? { headers: { 'if-none-match': tag } } : {}) });
      const fresh = await poll();
      expect(fresh.status).toBe(200);
      expect(fresh.body.version).toBe(1);
      const tag = String(fresh.headers.etag);
      expect(tag).toMatch(/^"kouan-policy-data-1-[0-9a-f]{16}"$/);
      const unchanged = await poll(tag);
      expect(unchanged.status).toBe(304);
      expect(unchanged.body).toBe('');
      expect((await poll(`W/${tag}`)).status).toBe(304);
      expect((await poll(`"something-else", ${tag}`)).status).toBe(304);
      // The same version with another signature (a restored database serving another bundle) is not the one held.
      const older = await poll(tag.replace(/-[0-9a-f]{16}"$/, '-0000000000000000"'));
      expect(older.status).toBe(200);
      expect(older.body).toEqual(fresh.body);
      // The connectors poll this way: the version in force stays, with nothing refused.
      expect(await status()).toMatchObject({ version: 1, refused: null });
    } finally {
      await lab.close();
    }
  });

  it('refuses a bundle whose data was changed after signing, and keeps the data in force', async () => {
    await plant(registry, (version) => {
      const genuine = signedBy(registryIdentity, { version, issued: new Date().toISOString(), data: restricting('pharma-de') });
      return { ...genuine, data: restricting('someone-else') };
    });
    expect((await refusedAt(2)).refused).toMatchObject({ code: 'POLICY_BUNDLE_SIGNATURE_INVALID', message: expect.stringContaining('does not verify') });
    expect((await status()).version).toBe(1);
    expect((await negotiate()).reasons.map((r) => r.code)).toContain('EXPORT_RESTRICTED_RECIPIENT');
  });

  it("refuses a bundle signed with another participant's certificate, however valid otherwise", async () => {
    const rogue = pki.issue('rogue-operator', 'CN');
    const rogueIdentity = loadLocalIdentity(rogue.cert, rogue.key);
    await plant(registry, (version) => signedBy(rogueIdentity, { version, issued: new Date().toISOString(), data: restricting('someone-else') }));
    expect((await refusedAt(3)).refused).toMatchObject({ code: 'POLICY_BUNDLE_SIGNATURE_INVALID', message: expect.stringContaining('rogue-operator') });
    expect((await status()).version).toBe(1);
  });

  it('refuses a bundle the registry signed whose data fails the data schema', async () => {
    await plant(registry, (version) => signedBy(registryIdentity, { version, issued: new Date().toISOString(), data: { thresholds: { ...builtInThresholds, assessment_validity_years: 0 } } }));
    expect((await refusedAt(4)).refused).toMatchObject({ code: 'POLICY_BUNDLE_INVALID', message: expect.stringContaining('assessment_validity_years') });
    expect((await status()).version).toBe(1);
    expect((await negotiate()).reasons.map((r) => r.code)).toContain('EXPORT_RESTRICTED_RECIPIENT');
  });

  it('a newer bundle, published from a folder with the CLI, replaces the previous one whole: keys it does not carry are the built-in documents again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kouan-policy-data-'));
    writeFileSync(join(dir, 'thresholds.json'), JSON.stringify({ thresholds: builtInThresholds }));
    writeFileSync(join(dir, 'operator-api-key'), `${registry.apiKey}\n`, { mode: 0o600 });
    const cli = (from: string) => kouanAsync(['registry', 'publish-policy-data', '--dir', from, '--operator', registry.operatorUrl, '--api-key-file', join(dir, 'operator-api-key')]);
    const published = await cli(dir);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ version: 5, keys: ['thresholds'] });
    writeFileSync(join(dir, 'sanctions.json'), JSON.stringify({ sanctions: [] }));
    const refused = await cli(dir);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('POLICY_BUNDLE_INVALID');
    const s = await until(status, (x) => x.version === 5);
    expect(s.version).toBe(5);
    expect((await negotiate()).state).toBe('FINALIZED');
  });

  it('after a restart keeps the version in force and refuses a replay of an older bundle', async () => {
    const first = await registry.deps.stores.policyBundles.get(1);
    await hospital.stop();
    // A registry restored from an old backup: it serves the registry's own, genuinely signed version 1.
    const restored = await startTestRegistry(pki, {}, pki.issue(REGISTRY_ID, 'CN', {}, 'registry-restored'));
    registries.push(restored);
    await plant(restored, () => first!);
    hospital = await restartTestConnector({ ...hospital.config, registry: { ...hospital.config.registry, url: restored.intakeUrl } }, 'bj-hospital');
    expect((await status()).version).toBe(5);
    await register(restored, hospital, 'CN');
    const s = await refusedAt(1);
    expect(s).toMatchObject({ version: 5, refused: { version: 1, code: 'POLICY_BUNDLE_STALE' } });
    expect((await negotiate()).state).toBe('FINALIZED');
  });
});
