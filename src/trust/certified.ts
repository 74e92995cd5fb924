/**
 * Documents signed with a participant's certificate key and carried with that certificate, so that anyone who
 * trusts the data-space CA can check them later and elsewhere than on the connection they came over (a stored
 * policy-data bundle is checked again at every start). The certificate must be issued by the CA, not revoked on
 * the CRL in force, valid now, and name the participant the verifier expects; the JWS header must name its
 * thumbprint (x5t#S256).
 */
import { X509Certificate } from 'node:crypto';
import { SignatureError } from '../core/errors.ts';
import { identityOfCertificate, thumbprint, type LocalIdentity, type PeerIdentity } from './identity.ts';
import { canonicalJson, participantHeader, signCanonical, verifyCanonical } from './jws.ts';
import type { TrustStore } from './trust-store.ts';

export interface CertifiedSignature {
  /** Detached compact JWS over the document's RFC 8785 form (kid = participant id, x5t#S256 = certificate thumbprint). */
  signature: string;
  certificatePem: string;
}

/** Signs the document as `signer`, synchronously (it can run inside a database transaction). */
export function signCertified(document: unknown, signer: LocalIdentity): CertifiedSignature {
  const signature = signCanonical(canonicalJson(document), signer.key, participantHeader(signer));
  return { signature, certificatePem: signer.certPem };
}

/** The signer, once every check holds; a SignatureError naming the first that fails otherwise. */
export function verifyCertified(document: unknown, signed: CertifiedSignature, expect: { signer: string; trust: TrustStore; now: Date }): PeerIdentity {
  let cert: X509Certificate;
  let identity: PeerIdentity;
  try {
    cert = new X509Certificate(signed.certificatePem);
    identity = identityOfCertificate(cert);
  } catch {
    throw new SignatureError('the signing certificate is not a readable participant certificate');
  }
  const ca = expect.trust.caCertificate;
  if (!(cert.checkIssued(ca) && cert.verify(ca.publicKey))) throw new SignatureError('the signing certificate is not issued by the data-space CA');
  if (identity.participantId !== expect.signer) throw new SignatureError(`signed by participant ${identity.participantId}, not by ${expect.signer}`);
  if (expect.trust.isRevoked(identity.serial)) throw new SignatureError(`the signing certificate (serial ${identity.serial}) is revoked`);
  const now = expect.now.getTime();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) throw new SignatureError('the signing certificate is not valid at this time');
  const header = verifyCanonical(canonicalJson(document), signed.signature, cert.publicKey);
  if (header.thumbprint !== thumbprint(cert.raw) || header.kid !== identity.participantId) throw new SignatureError('the JWS header does not name the signing certificate');
  return identity;
}
