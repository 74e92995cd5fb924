import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { FlattenedSign, base64url, flattenedVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { canonicalJson, signCanonical, signDetached, verifyCanonical, verifyDetached } from '../../src/trust/jws.ts';
import { TestPki } from '../support/pki.ts';

describe('detached JWS over RFC 8785 canonical JSON', () => {
  let pki: TestPki;
  let hospital: LocalIdentity;
  let pharma: LocalIdentity;
  const agreement = { id: 'agr-1', provider: 'bj-hospital', consumer: 'pharma-de', terms: { purpose: 'clinical-research', maxRecords: 1000, ratio: 0.5 } };

  beforeAll(async () => {
    pki = await TestPki.create();
    const h = pki.issue('bj-hospital', 'CN');
    const p = pki.issue('pharma-de', 'DE');
    hospital = loadLocalIdentity(h.cert, h.key);
    pharma = loadLocalIdentity(p.cert, p.key);
  });
  afterAll(() => pki.cleanup());

  it('canonicalises per RFC 8785: sorted keys, no white space, ES number forms', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.000001 } })).toBe('{"a":[true,null,"x"],"b":1,"c":{"y":0.000001,"z":1e+21}}');
  });

  it('signs once and verifies the same document in any key order', async () => {
    const jws = await signDetached(agreement, hospital);
    expect(jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    const reordered = { terms: { ratio: 0.5, maxRecords: 1000, purpose: 'clinical-research' }, consumer: 'pharma-de', provider: 'bj-hospital', id: 'agr-1' };
    await expect(verifyDetached(reordered, jws, createPublicKey(hospital.key))).resolves.toEqual({ kid: 'bj-hospital', thumbprint: hospital.certThumbprint });
  });

  it('holds both parties\u2019 signatures over one agreement', async () => {
    const [a, b] = await Promise.all([signDetached(agreement, hospital), signDetached(agreement, pharma)]);
    await expect(verifyDetached(agreement, a, createPublicKey(hospital.key))).resolves.toBeTruthy();
    await expect(verifyDetached(agreement, b, createPublicKey(pharma.key))).resolves.toBeTruthy();
    await expect(verifyDetached(agreement, b, createPublicKey(hospital.key))).rejects.toMatchObject({ code: 'JWS_INVALID' });
  });

  it('refuses a changed document, a changed signature and a foreign shape', async () => {
    const jws = await signDetached(agreement, hospital);
    await expect(verifyDetached({ ...agreement, consumer: 'ai-lab' }, jws, createPublicKey(hospital.key))).rejects.toMatchObject({ code: 'JWS_INVALID' });
    await expect(verifyDetached(agreement, `${jws.slice(0, -4)}AAAA`, createPublicKey(hospital.key))).rejects.toMatchObject({ code: 'JWS_INVALID' });
    await expect(verifyDetached(agreement, jws.replace('..', '.e30.'), createPublicKey(hospital.key))).rejects.toMatchObject({ code: 'JWS_INVALID' });
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    await expect(verifyDetached(agreement, `${header}..x`, createPublicKey(hospital.key))).rejects.toMatchObject({ code: 'JWS_INVALID' });
  });

  it('signs and verifies the same JWS as jose does, both ways, for RSA (PS256, RS256) and P-256 (ES256) keys', async () => {
    const text = canonicalJson(agreement);
    const pairs = [
      { ...generateKeyPairSync('rsa', { modulusLength: 2048 }), algs: ['PS256', 'RS256'] },
      { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }), algs: ['ES256'] },
    ];
    for (const { privateKey, publicKey, algs } of pairs) {
      const ours = signCanonical(text, privateKey, { kid: 'k' });
      const [header, , signature] = ours.split('.');
      await expect(flattenedVerify({ protected: header!, payload: base64url.encode(text), signature: signature! }, publicKey)).resolves.toBeTruthy();
      for (const alg of algs) {
        const theirs = await new FlattenedSign(new TextEncoder().encode(text)).setProtectedHeader({ alg, kid: 'j' }).sign(privateKey);
        expect(verifyCanonical(text, `${theirs.protected}..${theirs.signature}`, publicKey)).toEqual({ kid: 'j', thumbprint: '' });
      }
    }
  });

  it('refuses a key that does not fit the algorithm and JWS extensions it does not implement', () => {
    const text = canonicalJson(agreement);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es256 = signCanonical(text, ec.privateKey);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => verifyCanonical(text, es256, rsa.publicKey)).toThrow(/does not fit/);
    expect(() => verifyCanonical(text, signCanonical(text, rsa.privateKey), ec.publicKey)).toThrow(/does not fit/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() => signCanonical(text, p384.privateKey)).toThrow(/cannot sign/);
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', crit: ['x'] })).toString('base64url');
    expect(() => verifyCanonical(text, `${header}..${es256.split('.')[2]}`, ec.publicKey)).toThrow(/extensions/);
  });
});
