import { constants, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { PeerClient } from '../../src/trust/client.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { TokenIssuer } from '../../src/trust/tokens.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import { TestPki, type Credentials } from '../support/pki.ts';
import { rawCall, startEchoServer, type EchoServer } from '../support/servers.ts';

describe('request tokens on mutual-TLS calls', () => {
  let pki: TestPki;
  const clock = new ManualClock(Date.now());
  let hospital: Credentials;
  let pharma: Credentials;
  let pharmaSecond: Credentials;
  let lab: Credentials;
  let pharmaId: LocalIdentity;
  let hospitalTrust: TrustStore;
  let pharmaTrust: TrustStore;
  let server: EchoServer;
  let pharmaServer: EchoServer;

  beforeAll(async () => {
    pki = await TestPki.create();
    // RSA keys: the algorithm-confusion cases below (PS256 / RS256 / ES256 headers) are about RSA keys; the
    // rest of the suite runs on the default P-256 keys.
    const rsa = { keyType: 'rsa', keyBits: 2048 } as const;
    hospital = pki.issue('bj-hospital', 'CN', rsa);
    pharma = pki.issue('pharma-de', 'DE', rsa);
    pharmaSecond = pki.issue('pharma-de', 'DE', rsa, 'pharma-de-2');
    lab = pki.issue('ai-lab', 'SG', rsa);
    pharmaId = loadLocalIdentity(pharma.cert, pharma.key);
    [hospitalTrust, pharmaTrust] = await Promise.all([pki.trust(hospital), pki.trust(pharma)]);
    server = await startEchoServer(hospitalTrust, clock);
    pharmaServer = await startEchoServer(pharmaTrust, clock);
  });

  afterAll(async () => {
    await Promise.all([server.close(), pharmaServer.close()]);
    pki.cleanup();
  });

  /** Signs whatever claims and header a test needs with the given key. */
  const forge = (claims: Record<string, unknown>, keyPath: string, header: Record<string, unknown> = { alg: 'PS256' }) => {
    const now = Math.floor(clock.now().getTime() / 1000);
    return new SignJWT({ iss: 'pharma-de', sub: 'pharma-de', aud: 'bj-hospital', iat: now, nbf: now, exp: now + 60, jti: randomUUID(), cnf: { 'x5t#S256': pharmaId.certThumbprint }, ...claims })
      .setProtectedHeader(header as { alg: string })
      .sign(createPrivateKey(readFileSync(keyPath)));
  };
  const issued = (options: { audience?: string; ttlSeconds?: number; at?: number } = {}) => {
    const issuerClock = new ManualClock(clock.now().getTime() + (options.at ?? 0));
    return new TokenIssuer(pharmaId, issuerClock).issue({ audience: options.audience ?? 'bj-hospital', ttlSeconds: options.ttlSeconds ?? 60 });
  };

  const refused = async (token: string | undefined, code: string, client: Credentials = pharma) => {
    const before = server.handled();
    const response = await rawCall(server.url, pki.caPem, pki.pem(client), token);
    expect({ status: response.status, code: response.body.code }).toEqual({ status: 401, code });
    expect(server.handled()).toBe(before);
  };

  it('two participants call each other with mutual TLS and bound tokens', async () => {
    const pharmaClient = new PeerClient(pharmaTrust, new TokenIssuer(pharmaTrust.identity, clock));
    const hospitalClient = new PeerClient(hospitalTrust, new TokenIssuer(hospitalTrust.identity, clock));
    try {
      const there = await pharmaClient.request<{ peer: { participantId: string }; token: { iss: string; aud: string } }>({ participantId: 'bj-hospital', baseUrl: server.url }, { method: 'GET', path: '/echo' });
      const back = await hospitalClient.request<{ peer: { participantId: string }; token: { iss: string; aud: string } }>({ participantId: 'pharma-de', baseUrl: pharmaServer.url }, { method: 'GET', path: '/echo' });
      expect(there.status).toBe(200);
      expect(there.body.peer.participantId).toBe('pharma-de');
      expect(there.body.token).toMatchObject({ iss: 'pharma-de', aud: 'bj-hospital' });
      expect(back.status).toBe(200);
      expect(back.body.peer.participantId).toBe('bj-hospital');
      expect(back.body.token).toMatchObject({ iss: 'bj-hospital', aud: 'pharma-de' });
    } finally {
      await Promise.all([pharmaClient.close(), hospitalClient.close()]);
    }
  });

  it('a client refuses a server that is not the participant it meant to reach', async () => {
    const client = new PeerClient(pharmaTrust, new TokenIssuer(pharmaTrust.identity, clock));
    try {
      await expect(client.request({ participantId: 'ai-lab', baseUrl: server.url }, { method: 'GET', path: '/echo' })).rejects.toMatchObject({ code: 'TLS_WRONG_PEER' });
    } finally {
      await client.close();
    }
  });

  it('refuses a request without a token', () => refused(undefined, 'TOKEN_MISSING'));

  it("refuses alg 'none'", async () => {
    const now = Math.floor(clock.now().getTime() / 1000);
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(JSON.stringify({ iss: 'pharma-de', sub: 'pharma-de', aud: 'bj-hospital', iat: now, exp: now + 60, jti: randomUUID(), cnf: { 'x5t#S256': pharmaId.certThumbprint } }));
    await refused(`${header}.${payload}.`, 'TOKEN_ALG_NOT_ALLOWED');
  });

  it('refuses HS256 signed with the public key as the HMAC secret', async () => {
    const secret = new TextEncoder().encode(createPublicKey(readFileSync(pharma.cert)).export({ type: 'spki', format: 'pem' }).toString());
    const now = Math.floor(clock.now().getTime() / 1000);
    const token = await new SignJWT({ cnf: { 'x5t#S256': pharmaId.certThumbprint } })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer('pharma-de').setSubject('pharma-de').setAudience('bj-hospital').setIssuedAt(now).setExpirationTime(now + 60).setJti(randomUUID())
      .sign(secret);
    await refused(token, 'TOKEN_ALG_NOT_ALLOWED');
  });

  it("refuses a token signed by another participant's key", async () => refused(await forge({}, lab.key), 'TOKEN_SIGNATURE_INVALID'));

  it('refuses a token bound to another certificate of the same participant', async () => {
    const other = loadLocalIdentity(pharmaSecond.cert, pharmaSecond.key);
    await refused(await forge({ cnf: { 'x5t#S256': other.certThumbprint } }, pharma.key), 'TOKEN_BINDING_MISMATCH');
  });

  it('refuses a token presented with another certificate than the one it is bound to', async () =>
    refused(await new TokenIssuer(loadLocalIdentity(pharmaSecond.cert, pharmaSecond.key), clock).issue({ audience: 'bj-hospital', ttlSeconds: 60 }), 'TOKEN_SIGNATURE_INVALID'));

  it('refuses a token whose issuer is not the certificate holder', async () => refused(await forge({ iss: 'ai-lab', sub: 'ai-lab' }, pharma.key), 'TOKEN_ISSUER_MISMATCH'));

  it('refuses a token for another audience', async () => refused(await issued({ audience: 'ai-lab' }), 'TOKEN_AUDIENCE_MISMATCH'));

  it('refuses an expired token', async () => refused(await issued({ at: -10 * 60_000, ttlSeconds: 60 }), 'TOKEN_EXPIRED'));

  it('refuses a token that is not valid yet', async () => refused(await issued({ at: 10 * 60_000 }), 'TOKEN_NOT_YET_VALID'));

  it('refuses a token that lives longer than five minutes', async () => refused(await issued({ ttlSeconds: 3600 }), 'TOKEN_LIFETIME_TOO_LONG'));

  it('refuses a token without a jti or a cnf', async () => {
    await refused(await forge({ jti: undefined }, pharma.key), 'TOKEN_CLAIM_MISSING');
    await refused(await forge({ cnf: undefined }, pharma.key), 'TOKEN_CLAIM_MISSING');
  });

  it('refuses a replayed jti within its lifetime, and accepts a fresh one', async () => {
    const token = await issued();
    const first = await rawCall(server.url, pki.caPem, pki.pem(pharma), token);
    expect(first.status).toBe(200);
    await refused(token, 'TOKEN_REPLAYED');
    expect((await rawCall(server.url, pki.caPem, pki.pem(pharma), await issued())).status).toBe(200);
  });

  describe('refuses malformed and garbled tokens', () => {
    const b64 = (value: unknown) => base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));
    const garbled: Array<[string, () => Promise<string> | string, string]> = [
      ['one word', () => 'garbage', 'TOKEN_MALFORMED'],
      ['two parts', () => 'a.b', 'TOKEN_MALFORMED'],
      ['three empty parts', () => '..', 'TOKEN_MALFORMED'],
      ['three junk parts', () => 'a.b.c', 'TOKEN_MALFORMED'],
      ['four parts', async () => `${await issued()}.extra`, 'TOKEN_MALFORMED'],
      ['five parts (JWE shape)', () => 'a.b.c.d.e', 'TOKEN_MALFORMED'],
      ['header is not JSON', () => `${b64('not json')}.${b64({})}.sig`, 'TOKEN_MALFORMED'],
      ['header is a JSON array', () => `${b64([1, 2])}.${b64({})}.sig`, 'TOKEN_MALFORMED'],
      ['header without alg', () => `${b64({ typ: 'JWT' })}.${b64({})}.sig`, 'TOKEN_ALG_NOT_ALLOWED'],
      ['alg is a number', () => `${b64({ alg: 256 })}.${b64({})}.sig`, 'TOKEN_ALG_NOT_ALLOWED'],
      ['alg None (capitalised)', () => `${b64({ alg: 'None' })}.${b64({})}.`, 'TOKEN_ALG_NOT_ALLOWED'],
      ['alg ES256 with an RSA key', () => `${b64({ alg: 'ES256' })}.${b64({})}.sig`, 'TOKEN_ALG_NOT_ALLOWED'],
      ['alg HS512', () => `${b64({ alg: 'HS512' })}.${b64({})}.sig`, 'TOKEN_ALG_NOT_ALLOWED'],
      ['alg RSA-OAEP (an encryption alg)', () => `${b64({ alg: 'RSA-OAEP' })}.${b64({})}.sig`, 'TOKEN_ALG_NOT_ALLOWED'],
      ['payload is not JSON', () => `${b64({ alg: 'PS256' })}.${b64('{{{')}.c2ln`, 'TOKEN_SIGNATURE_INVALID'],
      ['signature missing', async () => (await issued()).split('.').slice(0, 2).join('.') + '.', 'TOKEN_MALFORMED'],
      ['signature truncated', async () => (await issued()).slice(0, -10), 'TOKEN_SIGNATURE_INVALID'],
      ['signature of another token', async () => { const [a, b] = (await issued()).split('.'); const [, , c] = (await issued()).split('.'); return `${a}.${b}.${c}`; }, 'TOKEN_SIGNATURE_INVALID'],
      ['payload swapped after signing', async () => { const [a, , c] = (await issued()).split('.'); return `${a}.${b64({ iss: 'pharma-de', sub: 'pharma-de', aud: 'bj-hospital' })}.${c}`; }, 'TOKEN_SIGNATURE_INVALID'],
      ['header swapped to RS256 after signing', async () => { const [, b, c] = (await issued()).split('.'); return `${b64({ alg: 'RS256' })}.${b}.${c}`; }, 'TOKEN_SIGNATURE_INVALID'],
      ['base64 with padding and +/', async () => (await issued()).replace(/-/g, '+').replace(/_/g, '/') + '==', 'TOKEN_MALFORMED'],
      ['critical header nobody understands', () => {
        const now = Math.floor(clock.now().getTime() / 1000);
        const input = `${b64({ alg: 'PS256', crit: ['x-kouan'], 'x-kouan': 1 })}.${b64({ iss: 'pharma-de', sub: 'pharma-de', aud: 'bj-hospital', iat: now, exp: now + 60, jti: randomUUID(), cnf: { 'x5t#S256': pharmaId.certThumbprint } })}`;
        const signature = sign('sha256', Buffer.from(input), { key: createPrivateKey(readFileSync(pharma.key)), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
        return `${input}.${base64url.encode(signature)}`;
      }, 'TOKEN_MALFORMED'],
      ['exp as a string', async () => forge({ exp: 'tomorrow' }, pharma.key), 'TOKEN_CLAIM_MISSING'],
      ['aud as a number', async () => forge({ aud: 42 }, pharma.key), 'TOKEN_CLAIM_MISSING'],
      ['jti too short', async () => forge({ jti: 'x' }, pharma.key), 'TOKEN_CLAIM_MISSING'],
      ['payload is a JSON array', () => `${b64({ alg: 'PS256' })}.${b64([1])}.c2ln`, 'TOKEN_SIGNATURE_INVALID'],
      ['unicode noise', () => 'ü.ö.ä', 'TOKEN_MALFORMED'],
    ];
    it.each(garbled)('%s', async (_name, make, code) => refused(await make(), code));
  });
});
