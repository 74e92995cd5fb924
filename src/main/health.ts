/**
 * A connector's health as its operator (and a container's health check) needs it: not "the process answers" but
 * "this connector can take part": its own certificate valid and not revoked, a CRL in force and how old it is,
 * the registry taking its records, and how many records wait in the outbox. `status` is `failing` (HTTP 503) when
 * any problem is listed; a certificate close to expiry is a warning only.
 */
import { X509Certificate } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Outbox } from '../storage/ports.ts';
import type { TrustStore } from '../trust/trust-store.ts';

/** Delivery passes in a row that failed before the registry counts as unreachable (with backoff, about a minute). */
const UNREACHABLE_AFTER = 3;
const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

export interface HealthReport {
  status: 'ok' | 'failing';
  participantId: string;
  problems: Array<{ code: string; message: string }>;
  warnings: Array<{ code: string; message: string }>;
  certificate: { serial: string; notAfter: string; revoked: boolean };
  crl: { number: string | null; thisUpdate: string; ageSeconds: number };
  registry: { configured: boolean; consecutiveFailures: number };
  outbox: { backlog: number };
}

export interface HealthSources {
  trust: TrustStore;
  clock: Clock;
  outbox: Outbox;
  /** The delivery to the registry, or null when no registry is configured. */
  delivery: { consecutiveFailures: number } | null;
}

export function connectorHealth({ trust, clock, outbox, delivery }: HealthSources): () => Promise<HealthReport> {
  const own = new X509Certificate(trust.identity.certPem);
  const notAfter = new Date(own.validTo);
  return async () => {
    const now = clock.now().getTime();
    const problems: HealthReport['problems'] = [];
    const warnings: HealthReport['warnings'] = [];
    const revoked = trust.isRevoked(trust.identity.serial);
    if (revoked) problems.push({ code: 'TLS_CERT_REVOKED', message: 'this connector\'s certificate is on the CA\'s CRL: every peer refuses it; ask the data-port operator for a new one' });
    if (notAfter.getTime() <= now) problems.push({ code: 'TLS_CERT_EXPIRED', message: `this connector's certificate expired at ${notAfter.toISOString()}` });
    else if (notAfter.getTime() - now < EXPIRY_WARNING_DAYS * DAY_MS) warnings.push({ code: 'TLS_CERT_EXPIRING', message: `this connector's certificate expires at ${notAfter.toISOString()}` });
    const failures = delivery?.consecutiveFailures ?? 0;
    if (failures >= UNREACHABLE_AFTER) problems.push({ code: 'REGISTRY_UNREACHABLE', message: `the registry has not taken this connector's records for ${failures} delivery passes; they wait in the outbox` });
    const thisUpdate = trust.crlThisUpdate;
    return {
      status: problems.length === 0 ? 'ok' : 'failing',
      participantId: trust.identity.participantId,
      problems,
      warnings,
      certificate: { serial: trust.identity.serial, notAfter: notAfter.toISOString(), revoked },
      crl: { number: trust.crlNumber?.toString() ?? null, thisUpdate: thisUpdate.toISOString(), ageSeconds: Math.max(0, Math.floor((now - thisUpdate.getTime()) / 1000)) },
      registry: { configured: delivery !== null, consecutiveFailures: failures },
      outbox: { backlog: await outbox.backlog() },
    };
  };
}
