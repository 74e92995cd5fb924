import { createPrivateKey, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import type { Clock } from '../../core/clock.ts';
import { PkiError } from '../../core/errors.ts';
import { writeAtomic } from '../../core/files.ts';
import { CaDirectory } from './ca-dir.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const DAY_MS = 86_400_000;
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** Marks certificates revoked (by serial or every one of a participant) and writes a new CRL. */
export async function revoke(
  dir: string,
  target: { serial: string } | { participantId: string },
  clock: Clock,
): Promise<string[]> {
  const ca = new CaDirectory(dir);
  ca.requireCa();
  const index = ca.readIndex();
  const now = clock.now().toISOString();
  const matches =
    'serial' in target
      ? index.filter((entry) => entry.serial === target.serial.toUpperCase())
      : index.filter((entry) => entry.participantId === target.participantId);
  if (matches.length === 0) {
    throw 'serial' in target
      ? new PkiError('PKI_UNKNOWN_SERIAL', `no certificate with serial ${target.serial} was issued by this CA`)
      : new PkiError('PKI_UNKNOWN_PARTICIPANT', `no certificate was issued to participant '${target.participantId}'`);
  }
  for (const entry of matches) entry.revokedAt ??= now;
  ca.writeIndex(index);
  await writeCrl(ca, clock);
  return matches.map((entry) => entry.serial);
}

/** Writes DIR/ca.crl, signed by the CA, listing every revoked serial. */
export async function writeCrl(ca: CaDirectory, clock: Clock, validityDays = 7): Promise<string> {
  ca.requireCa();
  const caCert = new x509.X509Certificate(readFileSync(ca.certPath, 'utf8'));
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(readFileSync(ca.keyPath)).export({ type: 'pkcs8', format: 'der' }),
    RSA_SHA256,
    false,
    ['sign'],
  );
  const now = clock.now();
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCert.subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + validityDays * DAY_MS),
    signingAlgorithm: RSA_SHA256,
    signingKey,
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(caCert)],
    entries: ca
      .readIndex()
      .filter((entry) => entry.revokedAt !== null)
      .map((entry) => ({ serialNumber: entry.serial, revocationDate: new Date(entry.revokedAt as string) })),
  });
  // OpenSSL and Node expect the RFC 7468 label 'X509 CRL'.
  writeAtomic(ca.crlPath, `${x509.PemConverter.encode(crl.rawData, 'X509 CRL')}\n`);
  return ca.crlPath;
}
