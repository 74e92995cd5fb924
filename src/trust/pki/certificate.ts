/**
 * Participant certificates, encoded with @peculiar/asn1-x509 and signed synchronously with node:crypto by the CA's
 * RSA key. node-forge (which makes the CA itself) cannot encode an EC subject key, and @peculiar/x509's generator
 * signs through WebCrypto, which is asynchronous; this keeps issuance synchronous and the subject key any type
 * Node supports (P-256 by default: ES256 signatures are ~70x cheaper than RSA-3072 ones, see bench/RESULTS.md).
 */
import { createHash, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn1 from '@peculiar/asn1-x509';
import type * as x509 from '@peculiar/x509';

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

export interface CertificateRequest {
  caCertPem: string;
  caKey: KeyObject;
  /** Hex, positive (no sign-padding byte needed). */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subject: x509.Name;
  publicKey: KeyObject;
  altNames: asn1.GeneralName[];
  keyUsage: asn1.KeyUsageFlags;
}

const extension = (extnID: string, critical: boolean, value: unknown): asn1.Extension =>
  new asn1.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
const keyIdentifier = (spki: asn1.SubjectPublicKeyInfo): ArrayBuffer => arrayBuffer(createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest());

const arrayBuffer = (bytes: Buffer): ArrayBuffer => new Uint8Array(bytes).buffer;

/** A TLS server-and-client certificate for a participant, as PEM. */
export function signParticipantCertificate(request: CertificateRequest): string {
  if (request.caKey.asymmetricKeyType !== 'rsa') throw new Error('the data-space CA key must be RSA');
  const caCert = AsnConvert.parse(new X509Certificate(request.caCertPem).raw, asn1.Certificate);
  const caSpki = caCert.tbsCertificate.subjectPublicKeyInfo;
  const spki = AsnConvert.parse(request.publicKey.export({ type: 'spki', format: 'der' }), asn1.SubjectPublicKeyInfo);
  const algorithm = new asn1.AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA, parameters: null });
  const tbsCertificate = new asn1.TBSCertificate({
    version: asn1.Version.v3,
    serialNumber: arrayBuffer(Buffer.from(request.serial, 'hex')),
    signature: algorithm,
    issuer: caCert.tbsCertificate.subject,
    validity: new asn1.Validity({ notBefore: request.notBefore, notAfter: request.notAfter }),
    subject: AsnConvert.parse(request.subject.toArrayBuffer(), asn1.Name),
    subjectPublicKeyInfo: spki,
    extensions: new asn1.Extensions([
      extension(asn1.id_ce_basicConstraints, true, new asn1.BasicConstraints({ cA: false })),
      extension(asn1.id_ce_keyUsage, true, new asn1.KeyUsage(request.keyUsage)),
      extension(asn1.id_ce_extKeyUsage, false, new asn1.ExtendedKeyUsage([asn1.id_kp_serverAuth, asn1.id_kp_clientAuth])),
      extension(asn1.id_ce_subjectAltName, false, new asn1.SubjectAlternativeName(request.altNames)),
      extension(asn1.id_ce_subjectKeyIdentifier, false, new asn1.SubjectKeyIdentifier(keyIdentifier(spki))),
      extension(asn1.id_ce_authorityKeyIdentifier, false, new asn1.AuthorityKeyIdentifier({ keyIdentifier: new asn1.KeyIdentifier(keyIdentifier(caSpki)) })),
    ]),
  });
  const signatureValue = sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), request.caKey);
  const certificate = new asn1.Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue: arrayBuffer(signatureValue) });
  const der = Buffer.from(AsnConvert.serialize(certificate));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}
