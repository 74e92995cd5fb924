/**
 * The ledger's signing key: ES256 (P-256), because the registry signs a receipt for every record and ECDSA
 * signs in tens of microseconds where the certificate's RSA key takes a millisecond. The certificate's key
 * vouches for it once, with a signed binding stored beside the chain (docs/decisions/2026-11-27-ledger-hash-chain.md).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { readOrCreateSecret } from '../../core/secret-file.ts';
import { identityOfCertificate, thumbprint, type LocalIdentity } from '../../trust/identity.ts';
import { canonicalJson, signCanonical, signDetached, verifyCanonical } from '../../trust/jws.ts';
import type { LedgerKey } from '../model.ts';

/** The public part of a P-256 key, as RFC 7638 orders it. */
const publicJwk = (key: KeyObject): JsonWebKey => {
  const { crv, kty, x, y } = createPublicKey(key).export({ format: 'jwk' });
  return { crv, kty, x, y };
};

/** RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, which is their RFC 8785 form. */
const jwkThumbprint = (jwk: JsonWebKey): string => createHash('sha256').update(canonicalJson(jwk)).digest('base64url');

/** The document the registry's certificate key signs to vouch for a ledger key. */
const bindingDocument = (key: Pick<LedgerKey, 'kid' | 'jwk' | 'createdAt'>, registry: string, certThumbprint: string) => ({
  kid: key.kid,
  jwk: JSON.parse(key.jwk) as JsonWebKey,
  registry,
  certThumbprint,
  at: key.createdAt,
});

export class LedgerSigner {
  readonly kid: string;
  readonly jwk: JsonWebKey;
  readonly #key: KeyObject;

  constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('the ledger signing key must be an EC P-256 key');
    this.#key = privateKey;
    this.jwk = publicJwk(privateKey);
    this.kid = jwkThumbprint(this.jwk);
  }

  /** Loads the key from a PKCS#8 PEM file, generating one (0600) when the file does not exist. */
  static fromFile(file: string): LedgerSigner {
    const pem = readOrCreateSecret(file, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    return new LedgerSigner(createPrivateKey(pem));
  }

  /** A detached JWS (ES256, kid) over the document's RFC 8785 form; synchronous, so appends can sign in their transaction. */
  sign(document: object): string {
    return signCanonical(canonicalJson(document), this.#key, { kid: this.kid });
  }

  /** This key, vouched for by the registry's certificate key. */
  async bind(registry: LocalIdentity, clock: Clock): Promise<LedgerKey> {
    const key = { kid: this.kid, jwk: JSON.stringify(this.jwk), createdAt: clock.now().toISOString() };
    const binding = await signDetached(bindingDocument(key, registry.participantId, registry.certThumbprint), registry);
    return { ...key, certificatePem: registry.certPem, binding };
  }
}

/**
 * The public key of a stored ledger key, once its binding verifies with the key of the certificate stored
 * beside it and, when `ca` is given, that certificate was issued by the CA. Throws with the reason otherwise.
 */
export function boundPublicKey(key: LedgerKey, ca?: X509Certificate): KeyObject {
  const cert = new X509Certificate(key.certificatePem);
  if (ca && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) throw new Error(`the certificate behind key ${key.kid} is not issued by the given CA`);
  const jwk = JSON.parse(key.jwk) as JsonWebKey;
  if (jwkThumbprint(jwk) !== key.kid) throw new Error(`key ${key.kid} is not the thumbprint of its JWK`);
  const document = bindingDocument(key, identityOfCertificate(cert).participantId, thumbprint(cert.raw));
  try {
    verifyCanonical(canonicalJson(document), key.binding, cert.publicKey);
  } catch {
    throw new Error(`the binding of key ${key.kid} does not verify with its certificate`);
  }
  return createPublicKey({ key: jwk, format: 'jwk' });
}
