import { createPrivateKey, webcrypto } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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

/** Writes DIR/ca.crl, signed by the CA, listing every revoked serial, with a CRL number higher than any before. */
export async function writeCrl(ca: CaDirectory, clock: Clock, validityDays = 7): Promise<string> {
  ca.requireCa();
  // Higher than the last number recorded and than the CRL on disk, and recorded before the CRL is written: a CRL
  // number is never issued twice, even if the CA stops between the two writes or one of the files was restored.
  const number = nextCrlNumber(ca);
  writeAtomic(ca.crlNumberPath, `${number}\n`);
  const now = clock.now();
  const pem = await signCrl(ca, {
    number,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + validityDays * DAY_MS),
    entries: ca
      .readIndex()
      .filter((entry) => entry.revokedAt !== null)
      .map((entry) => ({ serialNumber: entry.serial, revocationDate: new Date(entry.revokedAt as string) })),
  });
  writeAtomic(ca.crlPath, pem);
  return ca.crlPath;
}

export interface CrlContent {
  /** The CRL number extension (RFC 5280 §5.2.3): higher in every CRL the CA issues. */
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: Array<{ serialNumber: string; revocationDate: Date }>;
}

/** A CRL signed by the CA of `ca`, as PEM; writeCrl chooses its number, this signs whatever it is given. */
export async function signCrl(ca: CaDirectory, content: CrlContent): Promise<string> {
  const caCert = new x509.X509Certificate(readFileSync(ca.certPath, 'utf8'));
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(readFileSync(ca.keyPath)).export({ type: 'pkcs8', format: 'der' }),
    RSA_SHA256,
    false,
    ['sign'],
  );
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCert.subjectName,
    thisUpdate: content.thisUpdate,
    nextUpdate: content.nextUpdate,
    signingAlgorithm: RSA_SHA256,
    signingKey,
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(caCert), crlNumberExtension(content.number)],
    entries: content.entries,
  });
  // OpenSSL and Node expect the RFC 7468 label 'X509 CRL'.
  return `${x509.PemConverter.encode(crl.rawData, 'X509 CRL')}\n`;
}

const ID_CE_CRL_NUMBER = '2.5.29.20';

/** The CRL number extension (non-critical, RFC 5280 §5.2.3) as DER: INTEGER, minimal two's complement. */
function crlNumberExtension(number: bigint): x509.Extension {
  if (number < 0n) throw new Error('a CRL number is not negative');
  let hex = number.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const content = Buffer.from(hex, 'hex');
  if (content.length > 20) throw new Error('a CRL number has at most 20 octets');
  return new x509.Extension(ID_CE_CRL_NUMBER, false, Buffer.concat([Buffer.from([0x02, content.length]), content]));
}

/** The CRL number of a CRL (null when it carries none); a number that is not a non-negative INTEGER is refused. */
export function crlNumberOf(crl: x509.X509Crl): bigint | null {
  const extension = crl.extensions.find((e) => e.type === ID_CE_CRL_NUMBER);
  if (!extension) return null;
  const der = Buffer.from(extension.value);
  const length = der[1] ?? 0;
  if (der[0] !== 0x02 || length === 0 || length > 21 || der.length !== 2 + length || ((der[2] ?? 0) & 0x80) !== 0) {
    throw new Error('the CRL number is not a non-negative INTEGER of at most 20 octets');
  }
  return BigInt(`0x${der.subarray(2).toString('hex')}`);
}

function nextCrlNumber(ca: CaDirectory): bigint {
  let last = 0n;
  if (existsSync(ca.crlNumberPath)) last = BigInt(readFileSync(ca.crlNumberPath, 'utf8').trim());
  if (existsSync(ca.crlPath)) {
    const onDisk = crlNumberOf(new x509.X509Crl(readFileSync(ca.crlPath, 'utf8')));
    if (onDisk !== null && onDisk > last) last = onDisk;
  }
  return last + 1n;
}
