import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { signCertified, verifyCertified } from '../../src/trust/certified.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { canonicalJson, signCanonical } from '../../src/trust/jws.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import { TestPki } from '../support/pki.ts';

const document = { version: 7, issued: '2026-11-27T08:00:00.000Z', data: { thresholds: { n: 1 } } };

describe('documents signed with a participant certificate and carried with it', () => {
  let pki: TestPki;
  let other: TestPki;
  let trust: TrustStore;
  let registry: LocalIdentity;
  const now = () => new Date();

  beforeAll(async () => {
    pki = await TestPki.create();
    other = await TestPki.create();
    const reader = pki.issue('bj-hospital', 'CN');
    trust = await pki.trust(reader);
    const credentials = pki.issue('data-port-registry', 'CN');
    registry = loadLocalIdentity(credentials.cert, credentials.key);
  });

  afterAll(() => {
    trust.close();
    pki.cleanup();
    other.cleanup();
  });

  let issued = 0;
  const identity = (from: TestPki, id: string): LocalIdentity => {
    const c = from.issue(id, 'CN', {}, `${id}-${(issued += 1)}`);
    return loadLocalIdentity(c.cert, c.key);
  };
  const verify = (signed: ReturnType<typeof signCertified>, at = now()) => verifyCertified(document, signed, { signer: 'data-port-registry', trust, now: at });

  it('verifies a document signed by the expected participant, naming it', () => {
    expect(verify(signCertified(document, registry))).toMatchObject({ participantId: 'data-port-registry', certThumbprint: registry.certThumbprint });
  });

  it('refuses a changed document, another signer, a certificate from another CA, and a header naming another certificate', () => {
    const signed = signCertified(document, registry);
    expect(() => verifyCertified({ ...document, version: 8 }, signed, { signer: 'data-port-registry', trust, now: now() })).toThrow(/does not verify/);
    expect(() => verify(signCertified(document, identity(pki, 'rogue')))).toThrow(/participant rogue, not by data-port-registry/);
    expect(() => verify(signCertified(document, identity(other, 'data-port-registry')))).toThrow(/not issued by the data-space CA/);
    const otherThumbprint = signCanonical(canonicalJson(document), registry.key, { kid: 'data-port-registry', 'x5t#S256': 'x'.repeat(43) });
    expect(() => verify({ signature: otherThumbprint, certificatePem: registry.certPem })).toThrow(/does not name the signing certificate/);
    expect(() => verify({ signature: signed.signature, certificatePem: 'not a certificate' })).toThrow(/not a readable participant certificate/);
  });

  it('refuses a certificate outside its validity', () => {
    const signed = signCertified(document, registry);
    const later = new ManualClock(now());
    later.advance(20 * 365 * 86_400_000);
    expect(() => verify(signed, later.now())).toThrow(/not valid at this time/);
  });

  it('refuses a signature by a certificate revoked on the CRL in force', async () => {
    const revoked = identity(pki, 'data-port-registry');
    const signed = signCertified(document, revoked);
    expect(verify(signed).serial).toBe(revoked.serial);
    await pki.revoke({ serial: revoked.serial });
    await trust.reloadCrl();
    expect(() => verify(signed)).toThrow(/revoked/);
    expect(verify(signCertified(document, registry)).participantId).toBe('data-port-registry');
  });
});
