import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import * as asn1 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';
import type { Clock } from '../../core/clock.ts';
import { PkiError } from '../../core/errors.ts';
import { COUNTRY, PARTICIPANT_ID, PARTICIPANT_URN_PREFIX } from '../identity.ts';
import { writeAtomic } from '../../core/files.ts';
import { CaDirectory, type IssuedCertificate } from './ca-dir.ts';
import { signParticipantCertificate } from './certificate.ts';
import { writeCrl } from './crl.ts';

const DAY_MS = 86_400_000;

export interface InitCaOptions {
  dir: string;
  name?: string;
  keyBits?: number;
  validityDays?: number;
  clock: Clock;
}

/** Creates the data-space CA: a self-signed RSA (≥ 3072) certificate, its key (0600) and an empty CRL. */
export async function initCa(options: InitCaOptions): Promise<CaDirectory> {
  const ca = new CaDirectory(options.dir);
  if (ca.exists()) throw new PkiError('PKI_CA_EXISTS', `a CA already exists in ${options.dir}; it is never overwritten`);
  const keyBits = options.keyBits ?? 3072;
  if (keyBits < 3072) throw new PkiError('PKI_CA_MISSING', 'the CA key must have at least 3072 bits');
  ca.ensureDir();
  const keys = forge.pki.rsa.generateKeyPair({ bits: keyBits, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  const now = options.clock.now();
  const subject = [{ shortName: 'CN', value: options.name ?? 'Kouan data-space CA' }, { shortName: 'O', value: 'Kouan data port' }];
  cert.publicKey = keys.publicKey;
  cert.serialNumber = newSerial();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (options.validityDays ?? 3650) * DAY_MS);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  writeAtomic(ca.keyPath, pkcs8Pem(keys.privateKey), 0o600);
  writeAtomic(ca.certPath, forge.pki.certificateToPem(cert));
  ca.writeIndex([]);
  await writeCrl(ca, options.clock);
  return ca;
}

export interface IssueOptions {
  dir: string;
  participantId: string;
  country: string;
  dns?: string[];
  ips?: string[];
  organization?: string;
  /** The participant's key: EC P-256 (default; ES256 signatures) or RSA of keyBits (PS256). */
  keyType?: 'ec' | 'rsa';
  /** RSA modulus length (default 3072); ignored for EC keys. */
  keyBits?: number;
  /** Validity in days from now (default 365); ignored when notAfter is given. */
  validityDays?: number;
  notBefore?: Date;
  notAfter?: Date;
  clock: Clock;
}

export interface IssuedPem {
  certPem: string;
  keyPem: string;
  record: IssuedCertificate;
}

/** Issues a participant certificate usable as TLS server and client certificate. */
export function issueCertificate(options: IssueOptions): IssuedPem {
  if (!PARTICIPANT_ID.test(options.participantId)) {
    throw new PkiError('PKI_BAD_PARTICIPANT_ID', `bad participant id '${options.participantId}': 1-64 of a-z 0-9 . _ -, starting with a letter or digit`);
  }
  if (!COUNTRY.test(options.country)) {
    throw new PkiError('PKI_BAD_COUNTRY', `bad country '${options.country}': an ISO 3166-1 alpha-2 code such as CN or DE`);
  }
  for (const ip of options.ips ?? []) {
    if (!isIP(ip)) throw new PkiError('PKI_BAD_CERTIFICATE', `bad IP address '${ip}'`);
  }
  const ca = new CaDirectory(options.dir);
  const { certPem: caCertPem, key: caKey } = ca.requireCa();
  const index = ca.readIndex();
  const now = options.clock.now();
  const notBefore = options.notBefore ?? new Date(now.getTime() - 60_000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + (options.validityDays ?? 365) * DAY_MS);
  if (notAfter <= notBefore) throw new PkiError('PKI_BAD_CERTIFICATE', 'notAfter must be later than notBefore');

  let serial = newSerial();
  while (index.some((entry) => entry.serial === serial)) serial = newSerial();
  const keyType = options.keyType ?? 'ec';
  const keys = keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: options.keyBits ?? 3072 });
  const subject = new x509.Name([
    { C: [options.country] },
    ...(options.organization ? [{ O: [options.organization] }] : []),
    { CN: [options.participantId] },
  ]);
  const certPem = signParticipantCertificate({
    caCertPem,
    caKey,
    serial,
    notBefore,
    notAfter,
    subject,
    publicKey: keys.publicKey,
    altNames: [
      new asn1.GeneralName({ uniformResourceIdentifier: `${PARTICIPANT_URN_PREFIX}${options.participantId}` }),
      ...(options.dns ?? []).map((dNSName) => new asn1.GeneralName({ dNSName })),
      ...(options.ips ?? []).map((iPAddress) => new asn1.GeneralName({ iPAddress })),
    ],
    keyUsage: keyType === 'ec' ? asn1.KeyUsageFlags.digitalSignature : asn1.KeyUsageFlags.digitalSignature | asn1.KeyUsageFlags.keyEncipherment,
  });

  const record: IssuedCertificate = {
    serial: serial.toUpperCase(),
    participantId: options.participantId,
    country: options.country,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    issuedAt: now.toISOString(),
    revokedAt: null,
  };
  ca.writeIndex([...index, record]);
  return { certPem, keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), record };
}

/** Writes PREFIX.crt and PREFIX.key (0600). */
export function writeIssued(prefix: string, issued: IssuedPem): { certPath: string; keyPath: string } {
  const certPath = `${prefix}.crt`;
  const keyPath = `${prefix}.key`;
  writeAtomic(keyPath, issued.keyPem, 0o600);
  writeAtomic(certPath, issued.certPem);
  return { certPath, keyPath };
}

/** A positive 128-bit serial whose first byte never needs a sign-padding zero. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex').toUpperCase();
}

const pkcs8Pem = (key: forge.pki.rsa.PrivateKey): string =>
  createPrivateKey(forge.pki.privateKeyToPem(key)).export({ type: 'pkcs8', format: 'pem' }).toString();
