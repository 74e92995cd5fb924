/**
 * The trust layer against a hostile consumer: tokens whose time claims try to outlive their lifetime cap, and CRLs
 * copied back to re-admit a revoked certificate. Real certificates and CRLs from a real CA, real mutual-TLS sockets,
 * tokens signed with jose by the participants' own keys.
 */
import { randomUUID, createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import { AccessTokenVerifier, MAX_ACCESS_TOKEN_SECONDS, REFRESH_GRACE_SECONDS, verifyAccessToken } from '../../src/trust/access-tokens.ts';
import { loadLocalIdentity, type LocalIdentity } from '../../src/trust/identity.ts';
import { CaDirectory } from '../../src/trust/pki/ca-dir.ts';
import { signCrl, writeCrl } from '../../src/trust/pki/crl.ts';
import { MAX_REQUEST_TOKEN_SECONDS } from '../../src/trust/tokens.ts';
import { TrustStore } from '../../src/trust/trust-store.ts';
import { Collect } from '../support/collect.ts';
import { restartTestConnector, startTestConnector } from '../support/connectors.ts';
import { TestPki, type Credentials } from '../support/pki.ts';
import { rawCall, startEchoServer, type EchoServer } from '../support/servers.ts';

const MINUTE = 60;
const DAY_MS = 86_400_000;
const SKEW = 5; // the skew startEchoServer and the gateway verifier allow

describe('a consumer cannot stretch a request token past its five-minute cap (real mutual TLS)', () => {
  let pki: TestPki;
  let pharma: Credentials;
  let pharmaId: LocalIdentity;
  let server: EchoServer;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now().getTime() / 1000);

  beforeAll(async () => {
    pki = await TestPki.create();
    pharma = pki.issue('pharma-de', 'DE');
    pharmaId = loadLocalIdentity(pharma.cert, pharma.key);
    server = await startEchoServer(await pki.trust(pki.issue('bj-hospital', 'CN')), clock);
  });
  afterAll(async () => {
    await server.close();
    pki.cleanup();
  });

  /** A request token signed with pharma-de's own key, bound to its certificate, with the time claims the attack picks. */
  const token = (times: { iat?: number; nbf?: number; exp: number }) =>
    new SignJWT({ iss: 'pharma-de', sub: 'pharma-de', aud: 'bj-hospital', jti: randomUUID(), cnf: { 'x5t#S256': pharmaId.certThumbprint }, ...times })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .sign(pharmaId.key);

  const outcome = async (times: { iat?: number; nbf?: number; exp: number }) => {
    const before = server.handled();
    const response = await rawCall(server.url, pki.caPem, pki.pem(pharma), await token(times));
    return { status: response.status, code: response.body.code ?? null, handled: server.handled() - before };
  };
  const refused = (code: string) => ({ status: 401, code, handled: 0 });
  const accepted = { status: 200, code: null, handled: 1 };

  it('refuses a token issued in the future without nbf, which would live until ten minutes after its cap', async () => {
    expect(await outcome({ iat: now() + 10 * MINUTE, exp: now() + 15 * MINUTE })).toEqual(refused('TOKEN_NOT_YET_VALID'));
    // The same five-minute lifetime issued now is taken: only the future iat is refused.
    expect(await outcome({ iat: now(), exp: now() + 5 * MINUTE })).toEqual(accepted);
  });

  it('allows the issuer a clock ahead by the skew, and not a second more', async () => {
    expect(await outcome({ iat: now() + SKEW, exp: now() + SKEW + MINUTE })).toEqual(accepted);
    expect(await outcome({ iat: now() + SKEW + 1, exp: now() + SKEW + 1 + MINUTE })).toEqual(refused('TOKEN_NOT_YET_VALID'));
  });

  it('refuses a token whose nbf is in the future', async () => {
    expect(await outcome({ iat: now(), nbf: now() + MINUTE, exp: now() + 2 * MINUTE })).toEqual(refused('TOKEN_NOT_YET_VALID'));
  });

  it('refuses a token whose lifetime from iat exceeds the cap, though iat is in the past and exp not reached', async () => {
    expect(await outcome({ iat: now() - 60 * MINUTE, exp: now() + MINUTE })).toEqual(refused('TOKEN_LIFETIME_TOO_LONG'));
    expect(await outcome({ iat: now() - MAX_REQUEST_TOKEN_SECONDS + MINUTE - 1, exp: now() + MINUTE })).toEqual(refused('TOKEN_LIFETIME_TOO_LONG'));
    expect(await outcome({ iat: now() - MAX_REQUEST_TOKEN_SECONDS + MINUTE, exp: now() + MINUTE })).toEqual(accepted);
  });

  it('refuses a token whose lifetime from nbf exceeds the cap', async () => {
    expect(await outcome({ iat: now(), nbf: now() - 60 * MINUTE, exp: now() + MINUTE })).toEqual(refused('TOKEN_LIFETIME_TOO_LONG'));
  });

  it('refuses a token without iat, whose lifetime could not be measured', async () => {
    expect(await outcome({ nbf: now(), exp: now() + MINUTE })).toEqual(refused('TOKEN_CLAIM_MISSING'));
  });
});

describe('a consumer cannot stretch an access token past its fifteen-minute cap, nor through the refresh grace', () => {
  let pki: TestPki;
  let hospital: LocalIdentity;
  let pharma: LocalIdentity;
  const clock = new ManualClock(Date.parse('2026-12-08T03:00:00Z'));
  const now = () => Math.floor(clock.now().getTime() / 1000);
  let provider: { participantId: string; publicKey: ReturnType<typeof createPublicKey> };

  beforeAll(async () => {
    pki = await TestPki.create(clock);
    const load = (c: Credentials) => loadLocalIdentity(c.cert, c.key);
    hospital = load(pki.issue('bj-hospital', 'CN'));
    pharma = load(pki.issue('pharma-de', 'DE'));
    provider = { participantId: hospital.participantId, publicKey: createPublicKey(hospital.key) };
  });
  afterAll(() => pki.cleanup());

  /** An access token as the provider signs them, for pharma-de's certificate, with the time claims the test picks. */
  const accessToken = (times: { iat?: number; nbf?: number; exp: number }) =>
    new SignJWT({ transfer_id: 't-1', agreement_id: 'a-1', cnf: { 'x5t#S256': pharma.certThumbprint }, iss: 'bj-hospital', aud: 'bj-hospital', sub: 'pharma-de', jti: randomUUID(), ...times })
      .setProtectedHeader({ alg: 'ES256', typ: 'kouan-access+jwt' })
      .sign(hospital.key);

  const gateway = () => new AccessTokenVerifier(provider, clock, { skewSeconds: SKEW });
  const refresh = async (token: string) => verifyAccessToken(token, pharma, provider, clock, REFRESH_GRACE_SECONDS);

  it('the gateway refuses an access token issued in the future, and takes the same lifetime issued now', async () => {
    await expect(gateway().verify(await accessToken({ iat: now() + 30 * MINUTE, exp: now() + 45 * MINUTE }), pharma)).rejects.toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
    await expect(gateway().verify(await accessToken({ iat: now(), exp: now() + MAX_ACCESS_TOKEN_SECONDS }), pharma)).resolves.toMatchObject({ transferId: 't-1' });
  });

  it('the gateway refuses an access token whose nbf is in the future', async () => {
    await expect(gateway().verify(await accessToken({ iat: now(), nbf: now() + MINUTE, exp: now() + 10 * MINUTE }), pharma)).rejects.toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
  });

  it('the gateway refuses an access token living longer than fifteen minutes from iat or nbf, issued in the past', async () => {
    await expect(gateway().verify(await accessToken({ iat: now() - 60 * MINUTE, exp: now() + MINUTE }), pharma)).rejects.toMatchObject({ code: 'TOKEN_LIFETIME_TOO_LONG' });
    await expect(gateway().verify(await accessToken({ iat: now(), nbf: now() - 60 * MINUTE, exp: now() + MINUTE }), pharma)).rejects.toMatchObject({ code: 'TOKEN_LIFETIME_TOO_LONG' });
  });

  it('refresh allows its grace on expiry only: a token issued in the future is refused, however far within the grace', async () => {
    await expect(refresh(await accessToken({ iat: now() + 30 * MINUTE, exp: now() + 45 * MINUTE }))).rejects.toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
    await expect(refresh(await accessToken({ iat: now() + SKEW + 1, exp: now() + 10 * MINUTE }))).rejects.toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
    await expect(refresh(await accessToken({ iat: now(), nbf: now() + 30 * MINUTE, exp: now() + 10 * MINUTE }))).rejects.toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
    await expect(refresh(await accessToken({ iat: now() - 2 * 60 * MINUTE, exp: now() - 30 * MINUTE }))).rejects.toMatchObject({ code: 'TOKEN_LIFETIME_TOO_LONG' });
    // What the grace is for still works: a token expired half an hour ago is exchanged; one expired beyond the grace is not.
    await expect(refresh(await accessToken({ iat: now() - 45 * MINUTE, exp: now() - 30 * MINUTE }))).resolves.toMatchObject({ transferId: 't-1' });
    await expect(refresh(await accessToken({ iat: now() - 2 * 60 * MINUTE - 15 * MINUTE, exp: now() - 2 * 60 * MINUTE }))).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });
});

describe('a CRL only moves forward: copying an older one back never re-admits a revoked certificate (real mutual TLS)', () => {
  let pki: TestPki;
  let hospital: Credentials;
  let lab: Credentials & { serial: string };
  let trust: TrustStore;
  let server: EchoServer;
  let keptPath: string;
  const logs = new Collect();
  /** The CRL before ai-lab was revoked, and the one after. */
  let older: string;
  let newer: string;

  beforeAll(async () => {
    pki = await TestPki.create();
    hospital = pki.issue('bj-hospital', 'CN');
    lab = pki.issue('ai-lab', 'SG');
    mkdirSync(join(pki.root, 'hospital-state'), { mode: 0o700 });
    keptPath = join(pki.root, 'hospital-state', 'crl-in-force.pem');
    trust = await TrustStore.load({ ...pki.paths(hospital), crlKept: keptPath });
    trust.watch(50, createLogger({ level: 'info' }, logs));
    server = await startEchoServer(trust, systemClock, false);

    older = readFileSync(pki.crlPath, 'utf8');
    expect((await rawCall(server.url, pki.caPem, pki.pem(lab))).status).toBe(200);
    await pki.revoke({ participantId: 'ai-lab' });
    await trust.reloadCrl(); // the watcher may have taken it already
    newer = trust.crlPem;
  });

  afterEach(() => writeFileSync(pki.crlPath, trust.crlPem));
  afterAll(async () => {
    await server.close();
    trust.close();
    pki.cleanup();
  });

  const labCode = async () => (await rawCall(server.url, pki.caPem, pki.pem(lab))).body.code;
  const rollbackWarnings = () => logs.lines().filter((line) => line.level === 40 && line.code === 'TLS_CRL_ROLLBACK').length;
  const ca = () => new CaDirectory(pki.dir);

  it('refuses ai-lab once its certificate is revoked', async () => {
    expect(newer).not.toBe(older);
    expect(await labCode()).toBe('TLS_CERT_REVOKED');
    expect(readFileSync(keptPath, 'utf8')).toBe(newer);
  });

  it('keeps refusing the revoked certificate when the older CRL is copied back into the CRL file, and logs the rollback', async () => {
    const warned = rollbackWarnings();
    writeFileSync(pki.crlPath, older);
    await expect.poll(rollbackWarnings, { timeout: 5000, interval: 50 }).toBeGreaterThan(warned);
    expect(trust.crlPem).toBe(newer);
    expect(await labCode()).toBe('TLS_CERT_REVOKED');
    expect(readFileSync(keptPath, 'utf8')).toBe(newer);
  });

  it('refuses the older CRL through reloadCrl as well', async () => {
    writeFileSync(pki.crlPath, older);
    await expect(trust.reloadCrl()).rejects.toMatchObject({ code: 'TLS_CRL_ROLLBACK' });
    expect(trust.crlPem).toBe(newer);
    expect(await labCode()).toBe('TLS_CERT_REVOKED');
  });

  it('refuses a CRL signed by the CA with the number in force but other content (ai-lab left out)', async () => {
    const number = trust.crlNumber!;
    const now = new Date();
    writeFileSync(pki.crlPath, await signCrl(ca(), { number, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY_MS), entries: [] }));
    await expect(trust.reloadCrl()).rejects.toMatchObject({ code: 'TLS_CRL_ROLLBACK' });
    expect(trust.crlNumber).toBe(number);
    expect(await labCode()).toBe('TLS_CERT_REVOKED');
  });

  it('takes the CRL in force again, in another PEM layout, as a no-op rather than an error', async () => {
    let changes = 0;
    trust.on('change', () => (changes += 1));
    writeFileSync(pki.crlPath, `${newer.trimEnd()}\n\n`);
    await expect(trust.reloadCrl()).resolves.toBe(false);
    expect({ changes, pem: trust.crlPem }).toEqual({ changes: 0, pem: newer });
  });

  it('refuses a CRL with a higher number but a thisUpdate older than the one in force', async () => {
    const number = trust.crlNumber!;
    const lastWeek = new Date(Date.now() - 6 * DAY_MS);
    writeFileSync(pki.crlPath, await signCrl(ca(), { number: number + 100n, thisUpdate: lastWeek, nextUpdate: new Date(lastWeek.getTime() + 7 * DAY_MS), entries: [] }));
    await expect(trust.reloadCrl()).rejects.toMatchObject({ code: 'TLS_CRL_ROLLBACK' });
    expect(trust.crlNumber).toBe(number);
    expect(await labCode()).toBe('TLS_CERT_REVOKED');
  });

  it('refuses a CRL signed by another CA, and still takes a newer CRL of its own CA', async () => {
    const other = await TestPki.create();
    try {
      writeFileSync(pki.crlPath, readFileSync(other.crlPath, 'utf8'));
      await expect(trust.reloadCrl()).rejects.toMatchObject({ code: 'TLS_CRL_INVALID' });
    } finally {
      other.cleanup();
    }
    const before = trust.crlNumber!;
    writeFileSync(pki.crlPath, trust.crlPem);
    const pharma = pki.issue('pharma-de', 'DE');
    expect((await rawCall(server.url, pki.caPem, pki.pem(pharma))).status).toBe(200);
    await pki.revoke({ participantId: 'pharma-de' });
    await expect.poll(async () => (await rawCall(server.url, pki.caPem, pki.pem(pharma))).body.code, { timeout: 5000, interval: 50 }).toBe('TLS_CERT_REVOKED');
    expect(trust.crlNumber! > before).toBe(true);
    newer = trust.crlPem;
  });

  it('the CA numbers each CRL above the last one it signed, even after an older CRL was copied over its own ca.crl', async () => {
    const before = trust.crlNumber!;
    writeFileSync(pki.crlPath, older);
    await writeCrl(ca(), systemClock);
    await expect.poll(() => trust.crlNumber, { timeout: 5000, interval: 50 }).toBe(before + 1n);
    expect(await labCode()).toBe('TLS_CERT_REVOKED');
    newer = trust.crlPem;
  });

  it('after a restart with the older CRL on disk, the kept newer CRL stays in force and a real TLS connection is still refused', async () => {
    writeFileSync(pki.crlPath, older);
    const restarted = await TrustStore.load({ ...pki.paths(hospital), crlKept: keptPath });
    const restartedLogs = new Collect();
    restarted.watch(50, createLogger({ level: 'info' }, restartedLogs));
    const again = await startEchoServer(restarted, systemClock, false);
    try {
      expect(restarted.crlPem).toBe(newer);
      expect((await rawCall(again.url, pki.caPem, pki.pem(lab))).body.code).toBe('TLS_CERT_REVOKED');
      await expect.poll(() => restartedLogs.lines().some((line) => line.level === 40 && line.code === 'TLS_CRL_ROLLBACK'), { timeout: 5000, interval: 50 }).toBe(true);
    } finally {
      await again.close();
      restarted.close();
    }
  });
});

describe('a connector restarted with an older CRL file keeps the newer CRL it accepted before (real connector, real mutual TLS)', () => {
  let pki: TestPki;

  beforeAll(async () => {
    pki = await TestPki.create();
  });
  afterAll(() => pki.cleanup());

  it('refuses the revoked certificate on its DSP endpoint after the restart, with TLS_CERT_REVOKED', async () => {
    const lab = pki.issue('ai-lab', 'SG');
    const older = readFileSync(pki.crlPath, 'utf8');
    let connector = await startTestConnector(pki, 'bj-hospital', 'CN');
    try {
      const labAt = async () => (await rawCall(connector.dspUrl, pki.caPem, pki.pem(lab))).body.code;
      expect(await labAt()).toBe('TOKEN_MISSING'); // through mutual TLS, stopped only for want of a token
      await pki.revoke({ participantId: 'ai-lab' });
      await expect.poll(labAt, { timeout: 5000, interval: 50 }).toBe('TLS_CERT_REVOKED');
      await connector.stop();
      writeFileSync(pki.crlPath, older);
      connector = await restartTestConnector(connector.config, 'bj-hospital');
      expect(await labAt()).toBe('TLS_CERT_REVOKED');
    } finally {
      await connector.stop();
    }
  });
});
