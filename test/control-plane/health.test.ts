import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startTestConnector, type TestConnector } from '../support/connectors.ts';
import { freePort } from '../support/processes.ts';
import { TestPki } from '../support/pki.ts';
import { outboxRecord } from '../storage/contract/fixtures.ts';
import { until } from '../support/until.ts';

interface Health { status: string; problems: Array<{ code: string }>; certificate: { revoked: boolean; notAfter: string }; crl: { number: string | null; ageSeconds: number }; registry: { configured: boolean; consecutiveFailures: number }; outbox: { backlog: number } }

/** The management listener's /health says whether the connector can take part, not only that it answers. */
describe('a connector\'s health', () => {
  let pki: TestPki;
  let lab: TestConnector;
  beforeAll(async () => {
    pki = await TestPki.create();
    // A registry nobody listens on: the outbox cannot be delivered.
    const registry = { participantId: 'data-port', url: `https://127.0.0.1:${await freePort()}`, deliveryIntervalMs: 10, backoffMaxMs: 20 };
    lab = await startTestConnector(pki, 'ai-lab-sg', 'SG', { registry });
  });
  afterAll(async () => {
    await lab?.stop();
    pki.cleanup();
  });

  const health = async () => {
    const r = await request(`${lab.managementUrl}/health`);
    return { status: r.statusCode, body: (await r.body.json()) as Health };
  };

  it('is ok with its certificate, the CRL in force and an empty outbox', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', problems: [], certificate: { revoked: false }, registry: { configured: true, consecutiveFailures: 0 }, outbox: { backlog: 0 } });
    expect(Date.parse(body.certificate.notAfter)).toBeGreaterThan(Date.now());
    expect(body.crl.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it('fails (503, REGISTRY_UNREACHABLE) while the registry takes none of its records, with the backlog', async () => {
    await lab.stores.outbox.enqueue(outboxRecord(`urn:uuid:${crypto.randomUUID()}`, { createdAt: new Date().toISOString() }));
    const failing = await until(health, (h) => h.status === 503, 10_000);
    expect(failing.body).toMatchObject({ status: 'failing', problems: [{ code: 'REGISTRY_UNREACHABLE' }], outbox: { backlog: 1 } });
  });

  it('fails (503, TLS_CERT_REVOKED) once its own certificate is on the CRL in force', async () => {
    await pki.revoke({ participantId: 'ai-lab-sg' });
    const revoked = await until(health, (h) => h.body.certificate.revoked, 10_000);
    expect(revoked.status).toBe(503);
    expect(revoked.body.problems.map((p) => p.code)).toContain('TLS_CERT_REVOKED');
  });
});
