import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { AccessTokenVerifier, issueAccessToken, MAX_ACCESS_TOKEN_SECONDS } from '../../src/trust/access-tokens.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { TestPki } from '../support/pki.ts';

describe('the gateway access-token verifier (verified tokens remembered until they expire)', () => {
  let pki: TestPki;
  let hospital: LocalIdentity;
  let pharma: LocalIdentity;
  let pharmaSecond: LocalIdentity;
  const clock = new ManualClock(Date.parse('2026-11-27T02:00:00Z'));

  beforeAll(async () => {
    pki = await TestPki.create(clock);
    const load = (c: { cert: string; key: string }) => loadLocalIdentity(c.cert, c.key);
    hospital = load(pki.issue('bj-hospital', 'CN'));
    pharma = load(pki.issue('pharma-de', 'DE'));
    pharmaSecond = load(pki.issue('pharma-de', 'DE', {}, 'pharma-de-2'));
  });
  afterAll(() => pki.cleanup());

  const verifier = () => new AccessTokenVerifier({ participantId: hospital.participantId, publicKey: createPublicKey(hospital.key) }, clock, { skewSeconds: 5, limit: 2 });
  const token = async () => (await issueAccessToken(hospital, clock, { consumerId: 'pharma-de', consumerThumbprint: pharma.certThumbprint, transferId: 't-1', agreementId: 'a-1' })).token;

  it('checks the binding and the expiry on every use, also of a token it remembers', async () => {
    const v = verifier();
    const t = await token();
    await expect(v.verify(t, pharma)).resolves.toMatchObject({ transferId: 't-1', agreementId: 'a-1' });
    await expect(v.verify(t, pharma)).resolves.toMatchObject({ transferId: 't-1' });
    await expect(v.verify(t, pharmaSecond)).rejects.toMatchObject({ code: 'TOKEN_BINDING_MISMATCH' });
    clock.advance((MAX_ACCESS_TOKEN_SECONDS + 6) * 1000);
    await expect(v.verify(t, pharma)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(v.verify(t, pharma)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('never remembers a token that did not verify, and stays correct past its bound', async () => {
    const v = verifier();
    const t = await token();
    const [head, body, signature] = t.split('.');
    const tampered = `${head}.${body}.${signature!.slice(0, -4)}AAAA`;
    await expect(v.verify(tampered, pharma)).rejects.toMatchObject({ code: 'TOKEN_SIGNATURE_INVALID' });
    await expect(v.verify(tampered, pharma)).rejects.toMatchObject({ code: 'TOKEN_SIGNATURE_INVALID' });
    await expect(v.verify(undefined, pharma)).rejects.toMatchObject({ code: 'TOKEN_MISSING' });
    const many = [t, await token(), await token(), await token()];
    for (const each of many) await expect(v.verify(each, pharma)).resolves.toMatchObject({ transferId: 't-1' });
    for (const each of many) await expect(v.verify(each, pharma)).resolves.toMatchObject({ transferId: 't-1' });
  });
});
