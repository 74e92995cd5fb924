/**
 * Attacks that rely on a stream outliving the permission it started under: a long, slow pull keeps running
 * after the agreement is terminated, the transfer suspended, the consumer's certificate revoked or its access
 * token expired. Each is cut in band within a second of the event, and the registry learns exactly what went.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestConnector } from '../support/connectors.ts';
import { until } from '../support/until.ts';
import { PatientBackend } from './support/backend.ts';
import { attack, type Received } from './support/consumer.ts';
import { ledgerOf } from './support/ledger.ts';
import { outcome } from './support/outcome.ts';
import { agree, CONSUMER, openSpace, publish, startProvider, type Agreed, type AssetSpec, type Space } from './support/space.ts';

/** The functional bound on the time from the event to the marker at the consumer (one second, with room for CI). */
const CUT_WITHIN_MS = 1_500;
/** Records the consumer must have before the event: the stream is running, not starting. */
const RUNNING_AFTER = 10;
/** A consumer-side bound on a stream the gateway fails to cut (it would otherwise run for 100 s). */
const GIVE_UP_MS = 6_000;

let space: Space;
let backend: PatientBackend;
let provider: TestConnector;
let spec: AssetSpec;

beforeAll(async () => {
  backend = new PatientBackend();
  await backend.start();
  space = await openSpace();
  provider = await startProvider(space, 'bj-hospital');
  // 2,000 annotation records at 20 a second: a pull lasts 100 s unless something cuts it.
  const url = backend.serve('/slow-labels', { rows: () => Array.from({ length: 2_000 }, (_, i) => ({ seq: i, image: `img-${i}.jpg`, label: 'car' })), perSecond: 20 });
  spec = { id: 'slow-labels', url, format: 'ndjson' };
  await publish(provider, spec);
});

afterAll(async () => {
  await provider?.stop();
  await space?.close();
  await backend?.stop();
});

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '').length;

/**
 * Starts a pull, waits until it is running (RUNNING_AFTER records received), then lets `event` happen; returns
 * what the consumer received and when the event happened (Date.now() milliseconds).
 */
async function cutWhileRunning(agreed: Agreed, event: () => Promise<number>, token?: string): Promise<{ received: Received; eventAt: number }> {
  let running: () => void = () => undefined;
  const isRunning = new Promise<void>((resolve) => (running = resolve));
  const pulling = attack(space.peers, provider.participantId, agreed.edr, {
    deadlineMs: GIVE_UP_MS,
    ...(token ? { token } : {}),
    onChunk: (r) => {
      if (lines(r.text) >= RUNNING_AFTER) running();
    },
  });
  await Promise.race([isRunning, pulling]);
  const eventAt = await event();
  return { received: await pulling, eventAt };
}

/** The stream ended in band with `code` within the bound, and the registry holds exactly what the consumer got. */
async function expectCut(agreed: Agreed, { received, eventAt }: { received: Received; eventAt: number }, code: string): Promise<void> {
  expect(received.status).toBe(200);
  expect(received.abandoned, 'the gateway never ended the stream').toBe(false);
  const got = outcome(received);
  expect(got.code).toBe(code);
  expect(got.rows.length).toBeGreaterThanOrEqual(RUNNING_AFTER);
  expect(got.rows.map((r) => r.seq)).toEqual(got.rows.map((_, i) => i));
  expect(received.markerAt! - eventAt).toBeLessThan(CUT_WITHIN_MS);
  // The gateway stopped reading the backend too.
  expect(await until(() => backend.open.size, (n) => n === 0, 3_000)).toBe(0);
  const ledger = await ledgerOf(space.receiver, agreed.transferId, { usage: 1, denied: [code] });
  expect(ledger.usage).toHaveLength(1);
  expect(ledger.records).toBe(got.rows.length);
  expect(ledger.codes).toContain(code);
}

describe('running streams obey the present', () => {
  it('a stream is cut within a second of its access token reaching exp (TOKEN_EXPIRED)', async () => {
    const agreed = await agree(space, provider, spec);
    const key = createPrivateKey(readFileSync(provider.config.tls.key));
    const now = Math.floor(Date.now() / 1000);
    const exp = now + 3; // 2 to 3 s ahead: the stream is running well before
    const token = await new SignJWT({ transfer_id: agreed.transferId, agreement_id: agreed.agreementId, cnf: { 'x5t#S256': space.consumerTrust.identity.certThumbprint } })
      .setProtectedHeader({ alg: 'ES256', typ: 'kouan-access+jwt' }).setIssuer(provider.participantId).setAudience(provider.participantId).setSubject(CONSUMER)
      .setIssuedAt(now).setExpirationTime(exp).setJti(randomUUID()).sign(key);
    const cut = await cutWhileRunning(agreed, async () => {
      await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now())));
      return exp * 1000;
    }, token);
    await expectCut(agreed, cut, 'TOKEN_EXPIRED');
    // Not before the token's own exp either.
    expect(cut.received.markerAt).toBeGreaterThanOrEqual(exp * 1000 - 100);
  });

  it('a stream is cut within a second of the provider terminating the agreement (GATEWAY_AGREEMENT_NOT_ACTIVE)', async () => {
    const agreed = await agree(space, provider, spec);
    const cut = await cutWhileRunning(agreed, async () => {
      const r = await provider.api('POST', `/agreements/${encodeURIComponent(agreed.agreementId)}/terminate`, { reason: 'consumer misuse' });
      expect(r.status).toBeLessThan(300);
      return Date.now();
    });
    await expectCut(agreed, cut, 'GATEWAY_AGREEMENT_NOT_ACTIVE');
  });

  it('a stream is cut within a second of the provider suspending the transfer (GATEWAY_TRANSFER_SUSPENDED)', async () => {
    const agreed = await agree(space, provider, spec);
    const cut = await cutWhileRunning(agreed, async () => {
      const r = await provider.api('POST', `/transfers/${encodeURIComponent(agreed.transferId)}/suspend`, { reason: 'audit' });
      expect(r.status).toBeLessThan(300);
      return Date.now();
    });
    await expectCut(agreed, cut, 'GATEWAY_TRANSFER_SUSPENDED');
  });

  // Last: the consumer's certificate stays revoked.
  it('a stream is cut within a second of the consumer certificate being revoked (TLS_CERT_REVOKED)', async () => {
    const agreed = await agree(space, provider, spec);
    const cut = await cutWhileRunning(agreed, async () => {
      await space.pki.revoke({ participantId: CONSUMER });
      return Date.now();
    });
    await expectCut(agreed, cut, 'TLS_CERT_REVOKED');
  });
});
