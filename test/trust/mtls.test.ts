import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { systemClock } from '../../src/core/clock.ts';
import type { TrustStore } from '../../src/trust/trust-store.ts';
import { TestPki, selfSignedParticipant } from '../support/pki.ts';
import { rawCall, startEchoServer, type EchoServer } from '../support/servers.ts';

const DAY = 86_400_000;

describe('mutual TLS refuses every unverifiable client before any handler runs', () => {
  let pki: TestPki;
  let otherPki: TestPki;
  let trust: TrustStore;
  let server: EchoServer;

  beforeAll(async () => {
    [pki, otherPki] = await Promise.all([TestPki.create(), TestPki.create()]);
    trust = await pki.trust(pki.issue('bj-hospital', 'CN'));
    trust.watch(50);
    server = await startEchoServer(trust, systemClock, false);
  });

  afterAll(async () => {
    await server.close();
    trust.close();
    pki.cleanup();
    otherPki.cleanup();
  });

  const refusedWith = async (client: { cert: string; key: string } | null, code: string) => {
    const before = server.handled();
    const response = await rawCall(server.url, pki.caPem, client);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe(code);
    expect(server.handled()).toBe(before);
  };

  it('accepts a participant certificate from the data-space CA and hands the handler its identity', async () => {
    const response = await rawCall(server.url, pki.caPem, pki.pem(pki.issue('pharma-de', 'DE')));
    expect(response.status).toBe(200);
    expect(response.body.peer).toMatchObject({ participantId: 'pharma-de', country: 'DE' });
    expect((response.body.peer as { certThumbprint: string }).certThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a client without a certificate', () => refusedWith(null, 'TLS_NO_CLIENT_CERT'));

  it('refuses a certificate from another CA', () => refusedWith(otherPki.pem(otherPki.issue('pharma-de', 'DE')), 'TLS_UNKNOWN_CA'));

  it('refuses a self-signed certificate', () => refusedWith(selfSignedParticipant('pharma-de', 'DE'), 'TLS_SELF_SIGNED'));

  it('refuses an expired certificate', () =>
    refusedWith(pki.pem(pki.issue('old-lab', 'SG', { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) })), 'TLS_CERT_EXPIRED'));

  it('refuses a certificate that is not yet valid', () =>
    refusedWith(pki.pem(pki.issue('future-lab', 'SG', { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) })), 'TLS_CERT_NOT_YET_VALID'));

  it('refuses a certificate without a participant id', async () => {
    // The CA certificate and key form a valid chain of one, but name no participant.
    const caAsClient = { cert: pki.caPem, key: readFileSync(`${pki.dir}/ca.key`, 'utf8') };
    const response = await rawCall(server.url, pki.caPem, caAsClient);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('TLS_NO_PARTICIPANT_ID');
  });

  it('refuses a certificate revoked while the server runs, on new and on open connections', async () => {
    const lab = pki.issue('ai-lab', 'SG');
    const agent = new Agent({ connect: { ca: pki.caPem, ...pki.pem(lab), checkServerIdentity: () => undefined } });
    try {
      const first = await request(`${server.url}/echo`, { dispatcher: agent });
      expect(first.statusCode).toBe(200);
      await first.body.dump();

      await pki.revoke({ participantId: 'ai-lab' });
      await expect.poll(async () => (await rawCall(server.url, pki.caPem, pki.pem(lab))).body.code, { timeout: 5000, interval: 50 }).toBe('TLS_CERT_REVOKED');

      const before = server.handled();
      const again = await request(`${server.url}/echo`, { dispatcher: agent });
      expect(again.statusCode).toBe(401);
      expect(((await again.body.json()) as { code: string }).code).toBe('TLS_CERT_REVOKED');
      expect(server.handled()).toBe(before);
    } finally {
      await agent.close();
    }
  });

  it('keeps the old CRL when a new one is not signed by the CA', async () => {
    const { writeFileSync } = await import('node:fs');
    const good = readFileSync(pki.crlPath, 'utf8');
    const errors: Error[] = [];
    trust.on('error', (e) => errors.push(e));
    writeFileSync(pki.crlPath, readFileSync(otherPki.crlPath, 'utf8'));
    try {
      await expect.poll(() => errors.length, { timeout: 5000, interval: 50 }).toBeGreaterThan(0);
      expect(trust.crlPem).toBe(good);
      const response = await rawCall(server.url, pki.caPem, pki.pem(pki.issue('pharma-fr', 'FR')));
      expect(response.status).toBe(200);
    } finally {
      writeFileSync(pki.crlPath, good);
    }
  });
});
