import type { KeyObject } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { FlattenedSign, base64url, decodeProtectedHeader, flattenedVerify } from 'jose';
import { SignatureError } from '../core/errors.ts';
import type { LocalIdentity } from './identity.ts';

const ALLOWED = ['PS256', 'RS256', 'ES256'];
// The package is CommonJS (module.exports = fn); its typings declare an ES default export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** RFC 8785 canonical JSON: the bytes every signature in Kouan is made over. */
export function canonicalJson(document: unknown): string {
  const text = canonicalize(document);
  if (text === undefined) throw new SignatureError('the document has no JSON form');
  return text;
}

/**
 * Signs a document as this participant and returns a detached compact JWS (`header..signature`):
 * the payload is the canonical JSON of the document and travels beside the signature, not inside it.
 */
export async function signDetached(document: unknown, signer: LocalIdentity): Promise<string> {
  const jws = await new FlattenedSign(new TextEncoder().encode(canonicalJson(document)))
    .setProtectedHeader({
      alg: signer.key.asymmetricKeyType === 'ec' ? 'ES256' : 'PS256',
      kid: signer.participantId,
      'x5t#S256': signer.certThumbprint,
    })
    .sign(signer.key);
  return `${jws.protected}..${jws.signature}`;
}

export interface DetachedSignatureInfo {
  kid: string;
  thumbprint: string;
}

/** Verifies a detached compact JWS over the canonical JSON of the document with the signer's public key. */
export async function verifyDetached(document: unknown, jws: string, publicKey: KeyObject): Promise<DetachedSignatureInfo> {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '' || !parts[0] || !parts[2]) throw new SignatureError('not a detached compact JWS');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader({ protected: parts[0] });
  } catch {
    throw new SignatureError('the JWS header is not readable');
  }
  if (typeof header.alg !== 'string' || !ALLOWED.includes(header.alg)) throw new SignatureError(`algorithm '${String(header.alg)}' is not allowed`);
  try {
    await flattenedVerify(
      { protected: parts[0], payload: base64url.encode(canonicalJson(document)), signature: parts[2] },
      publicKey,
      { algorithms: ALLOWED },
    );
  } catch {
    throw new SignatureError('the signature does not verify over the canonical document');
  }
  return { kid: String(header.kid ?? ''), thumbprint: String(header['x5t#S256'] ?? '') };
}
