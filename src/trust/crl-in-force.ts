/**
 * Which CRL may replace the one in force. A CRL only moves forward: its CRL number is higher than the one in force
 * and its thisUpdate is not older. Copying an older CRL back (into the CRL file, or into a fresh process whose kept
 * copy is newer) would re-admit every certificate revoked since; it is refused with TLS_CRL_ROLLBACK and the CRL in
 * force stays.
 */
import * as x509 from '@peculiar/x509';
import { CrlRefusedError } from '../core/errors.ts';
import { crlNumberOf } from './pki/crl.ts';

/** A CRL whose signature verified with the data-space CA's key, with what the ordering and the checks need. */
export interface VerifiedCrl {
  pem: string;
  der: Buffer;
  /** The CRL number extension; null for a CRL issued before the CA wrote one. */
  number: bigint | null;
  thisUpdate: Date;
  /** Revoked serial (upper-case hex) → revocation time (ISO). */
  revoked: ReadonlyMap<string, string>;
}

/** Parses `pem` and checks that the data-space CA signed it; TLS_CRL_INVALID otherwise. */
export async function verifiedCrl(caCert: x509.X509Certificate, pem: string): Promise<VerifiedCrl> {
  let crl: x509.X509Crl;
  let number: bigint | null;
  try {
    crl = new x509.X509Crl(pem);
    number = crlNumberOf(crl);
  } catch (error) {
    throw new CrlRefusedError('TLS_CRL_INVALID', `the CRL is not readable: ${(error as Error).message}`);
  }
  if (!(await crl.verify({ publicKey: caCert.publicKey }))) throw new CrlRefusedError('TLS_CRL_INVALID', 'the CRL is not signed by the data-space CA');
  return {
    pem,
    der: Buffer.from(crl.rawData),
    number,
    thisUpdate: crl.thisUpdate,
    revoked: new Map(crl.entries.map((entry) => [entry.serialNumber.toUpperCase(), entry.revocationDate.toISOString()])),
  };
}

const describe = (crl: VerifiedCrl): string => `CRL number ${crl.number ?? 'none'}, thisUpdate ${crl.thisUpdate.toISOString()}`;

/**
 * Whether `candidate` replaces `current`: false when it is the same CRL (the same DER, whatever the PEM around it),
 * true when it is newer; TLS_CRL_ROLLBACK when it is not newer: a lower CRL number, the same number with other
 * content, no number where the CRL in force has one, or an older thisUpdate. Between two CRLs without numbers
 * (a CA from before CRL numbers) only a later thisUpdate is newer.
 */
export function replaces(current: VerifiedCrl, candidate: VerifiedCrl): boolean {
  if (candidate.der.equals(current.der)) return false;
  const refuse = (why: string) => new CrlRefusedError('TLS_CRL_ROLLBACK', `${why}: the candidate has ${describe(candidate)}, the CRL in force ${describe(current)}; the CRL in force stays`);
  if (candidate.thisUpdate < current.thisUpdate) throw refuse('the CRL is older than the one in force');
  if (current.number === null) {
    if (candidate.number === null && candidate.thisUpdate <= current.thisUpdate) throw refuse('the CRL is not newer than the one in force');
    return true;
  }
  if (candidate.number === null) throw refuse('the CRL carries no CRL number');
  if (candidate.number === current.number) throw refuse('the CRL reuses the number of the one in force with other content');
  if (candidate.number < current.number) throw refuse('the CRL has a lower number than the one in force');
  return true;
}
