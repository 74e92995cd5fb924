/**
 * What `kouan ledger verify` trusts, and from where: the ledger keys that a CA-issued certificate of the registry's
 * own participant id vouches for (the registry's certificate comes from outside the database, so a database writer
 * cannot put a key of their own beside the chain), and the certificates registered for each participant over time.
 */
import { X509Certificate } from 'node:crypto';
import { MAX_PAGE } from '../../storage/sql/paging.ts';
import { identityOfCertificate } from '../../trust/identity.ts';
import type { ParticipantStore, LedgerStore } from '../storage/ports.ts';
import type { KeyVerdict, RegisteredCertificate } from './checks.ts';
import { boundPublicKey } from './signer.ts';

/** Each stored key's public key, or why it does not count. */
export async function ledgerKeys(store: LedgerStore, ca: X509Certificate | undefined, registry: X509Certificate | undefined): Promise<Map<string, KeyVerdict>> {
  const keys = new Map<string, KeyVerdict>();
  const registryId = registry ? identityOfCertificate(registry).participantId : null;
  for (const key of await store.keys()) {
    try {
      const publicKey = boundPublicKey(key, ca);
      if (registryId !== null) {
        const binder = identityOfCertificate(new X509Certificate(key.certificatePem)).participantId;
        if (binder !== registryId) throw new Error(`key ${key.kid} is bound by participant ${binder}'s certificate, not by the registry's (${registryId})`);
      }
      keys.set(key.kid, publicKey);
    } catch (error) {
      keys.set(key.kid, error as Error);
    }
  }
  return keys;
}

/** Every participant's registered certificates (PEM), oldest first, each from the time it was registered. */
export async function registeredCertificates(store: ParticipantStore): Promise<Array<[string, RegisteredCertificate[]]>> {
  const all: Array<[string, RegisteredCertificate[]]> = [];
  for (let offset = 0; ; offset += MAX_PAGE) {
    const page = await store.list({ offset, limit: MAX_PAGE });
    for (const p of page) {
      const history = (p.registeredCertificates ?? []).flatMap((c) => (c.certificatePem === null ? [] : [{ since: c.since, pem: c.certificatePem }]));
      // Participants registered before the history was kept: their one certificate, since registration.
      all.push([p.id, history.length > 0 ? history : p.certificatePem ? [{ since: p.registeredAt, pem: p.certificatePem }] : []]);
    }
    if (page.length < MAX_PAGE) return all;
  }
}
