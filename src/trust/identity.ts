import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PkiError } from '../core/errors.ts';

export const PARTICIPANT_URN_PREFIX = 'urn:kouan:participant:';
export const PARTICIPANT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const COUNTRY = /^[A-Z]{2}$/;

/** Who a peer is, as attested by its certificate (never by anything it writes in a message). */
export interface PeerIdentity {
  participantId: string;
  country: string;
  /** base64url SHA-256 of the certificate DER (RFC 8705 x5t#S256). */
  certThumbprint: string;
  /** Upper-case hex serial as issued by the data-space CA. */
  serial: string;
}

/** This participant: its certificate and the key that signs its tokens and documents. */
export interface LocalIdentity extends PeerIdentity {
  certPem: string;
  certDer: Buffer;
  key: KeyObject;
}

export const thumbprint = (der: Buffer): string => createHash('sha256').update(der).digest('base64url');

/** The participant id in a certificate's SAN URI, or undefined when there is none (or more than one). */
export function participantIdFromSan(subjectAltName: string | undefined): string | undefined {
  if (!subjectAltName) return undefined;
  const ids = subjectAltName
    .split(/,\s*/)
    .filter((entry) => entry.startsWith(`URI:${PARTICIPANT_URN_PREFIX}`))
    .map((entry) => entry.slice(`URI:${PARTICIPANT_URN_PREFIX}`.length));
  return ids.length === 1 && PARTICIPANT_ID.test(ids[0] ?? '') ? ids[0] : undefined;
}

export function countryFromSubject(subject: string): string | undefined {
  const match = /^C=([A-Z]{2})$/m.exec(subject);
  return match?.[1];
}

/** Reads the identity out of a certificate; throws PKI_BAD_CERTIFICATE when it is not a participant certificate. */
export function identityOfCertificate(cert: X509Certificate): PeerIdentity {
  const participantId = participantIdFromSan(cert.subjectAltName);
  const country = countryFromSubject(cert.subject);
  if (!participantId || !country) {
    throw new PkiError('PKI_BAD_CERTIFICATE', 'the certificate carries no participant id (SAN URI) or no country (C=)');
  }
  return { participantId, country, certThumbprint: thumbprint(cert.raw), serial: cert.serialNumber.toUpperCase() };
}

export function readCertificate(pem: string | Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new PkiError('PKI_BAD_CERTIFICATE');
  }
}

export function loadLocalIdentity(certPath: string, keyPath: string): LocalIdentity {
  const certPem = readFileSync(certPath, 'utf8');
  const cert = readCertificate(certPem);
  const key = createPrivateKey(readFileSync(keyPath));
  if (!cert.checkPrivateKey(key)) throw new PkiError('PKI_BAD_CERTIFICATE', `${keyPath} is not the key of ${certPath}`);
  return { ...identityOfCertificate(cert), certPem, certDer: cert.raw, key };
}
