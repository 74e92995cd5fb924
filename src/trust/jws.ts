import { constants, sign, verify, type KeyObject } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { SignatureError } from '../core/errors.ts';
import type { LocalIdentity } from './identity.ts';

// The package is CommonJS (module.exports = fn); its typings declare an ES default export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** RFC 8785 canonical JSON: the bytes every signature in Kouan is made over. */
export function canonicalJson(document: unknown): string {
  const text = canonicalize(document);
  if (text === undefined) throw new SignatureError('the document has no JSON form');
  return text;
}

type Algorithm = 'PS256' | 'RS256' | 'ES256';

/**
 * How each allowed algorithm maps onto node:crypto, and which keys it takes. The signatures are plain RFC 7518
 * ones (PSS salt of the hash length, ECDSA as r‖s), computed synchronously: jose goes through WebCrypto, which
 * costs several times the signature itself on every call.
 */
const ALGORITHMS: Record<Algorithm, { keyTypes: readonly string[]; options: (key: KeyObject) => Parameters<typeof verify>[2] }> = {
  PS256: { keyTypes: ['rsa', 'rsa-pss'], options: (key) => ({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }) },
  RS256: { keyTypes: ['rsa'], options: (key) => ({ key, padding: constants.RSA_PKCS1_PADDING }) },
  ES256: { keyTypes: ['ec'], options: (key) => ({ key, dsaEncoding: 'ieee-p1363' }) },
};
const MIN_RSA_BITS = 2048;

const isAlgorithm = (alg: unknown): alg is Algorithm => typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg);

/** Whether the key can make or check signatures of `alg` (ES256 only on P-256, RSA of at least 2048 bits). */
function fits(alg: Algorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType ?? '';
  if (!ALGORITHMS[alg].keyTypes.includes(type)) return false;
  const details = key.asymmetricKeyDetails ?? {};
  return type === 'ec' ? details.namedCurve === 'prime256v1' : (details.modulusLength ?? 0) >= MIN_RSA_BITS;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const signingInput = (protectedHeader: string, canonical: string): Buffer => Buffer.from(`${protectedHeader}.${b64(canonical)}`, 'utf8');

/** The algorithm a key signs with: ES256 for EC keys, PS256 for RSA. */
export const algorithmFor = (key: KeyObject): Algorithm => (key.asymmetricKeyType === 'ec' ? 'ES256' : 'PS256');

/**
 * Signs canonical JSON text with `key` and returns a detached compact JWS (`header..signature`); `header` adds
 * members (kid, x5t#S256) to the protected header. Synchronous, so it can run inside a database transaction.
 */
export function signCanonical(canonical: string, key: KeyObject, header: Record<string, string> = {}): string {
  const { protectedHeader, data, options } = signing(canonical, key, header);
  return `${protectedHeader}..${sign('sha256', data, options).toString('base64url')}`;
}

function signing(canonical: string, key: KeyObject, header: Record<string, string>) {
  const alg = algorithmFor(key);
  if (!fits(alg, key)) throw new SignatureError(`the key cannot sign ${alg}`);
  const protectedHeader = b64(JSON.stringify({ alg, ...header }));
  return { protectedHeader, data: signingInput(protectedHeader, canonical), options: ALGORITHMS[alg].options(key) as never };
}

/** The protected-header members that name a participant's signature: its id and its certificate's thumbprint. */
export const participantHeader = (signer: LocalIdentity): Record<string, string> => ({ kid: signer.participantId, 'x5t#S256': signer.certThumbprint });

/**
 * Signs a document as this participant and returns a detached compact JWS (`header..signature`):
 * the payload is the canonical JSON of the document and travels beside the signature, not inside it. The signature
 * is made on libuv's thread pool, so the event loop goes on meanwhile (a usage record per gateway request).
 */
export async function signDetached(document: unknown, signer: LocalIdentity): Promise<string> {
  const { protectedHeader, data, options } = signing(canonicalJson(document), signer.key, participantHeader(signer));
  const signature = await new Promise<Buffer>((resolve, reject) => sign('sha256', data, options, (error, value) => (error ? reject(error) : resolve(value))));
  return `${protectedHeader}..${signature.toString('base64url')}`;
}

export interface DetachedSignatureInfo {
  kid: string;
  thumbprint: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** What a verification checks before the signature itself: the form, the header, the algorithm against the key. */
function parsedForVerification(canonical: string, jws: string, publicKey: KeyObject) {
  const parts = jws.split('.');
  const [protectedHeader = '', payload, signature = ''] = parts;
  if (parts.length !== 3 || payload !== '' || !BASE64URL.test(protectedHeader) || !BASE64URL.test(signature)) throw new SignatureError('not a detached compact JWS');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SignatureError('the JWS header is not readable');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SignatureError('the JWS header is not an object');
  const alg = header.alg;
  if (!isAlgorithm(alg)) throw new SignatureError(`algorithm '${String(alg)}' is not allowed`);
  if (header.crit !== undefined || header.b64 !== undefined) throw new SignatureError('JWS extensions (crit, b64) are not accepted');
  if (!fits(alg, publicKey)) throw new SignatureError(`the key does not fit algorithm ${alg}`);
  return {
    data: signingInput(protectedHeader, canonical),
    options: ALGORITHMS[alg].options(publicKey) as never,
    signature: Buffer.from(signature, 'base64url'),
    info: { kid: String(header.kid ?? ''), thumbprint: String(header['x5t#S256'] ?? '') },
  };
}

const INVALID = 'the signature does not verify over the canonical document';

/** Verifies a detached compact JWS over canonical JSON text with the signer's public key; synchronous. */
export function verifyCanonical(canonical: string, jws: string, publicKey: KeyObject): DetachedSignatureInfo {
  const { data, options, signature, info } = parsedForVerification(canonical, jws, publicKey);
  let valid = false;
  try {
    valid = verify('sha256', data, options, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new SignatureError(INVALID);
  return info;
}

/**
 * As verifyCanonical, with the signature check on libuv's thread pool: a batch of records verifies on every core
 * while the event loop goes on (the registry's intake; ES256 verification is its largest cost).
 */
export async function verifyCanonicalOffThread(canonical: string, jws: string, publicKey: KeyObject): Promise<DetachedSignatureInfo> {
  const { data, options, signature, info } = parsedForVerification(canonical, jws, publicKey);
  const valid = await new Promise<boolean>((resolve) => {
    try {
      verify('sha256', data, options, signature, (error, ok) => resolve(!error && ok));
    } catch {
      resolve(false);
    }
  });
  if (!valid) throw new SignatureError(INVALID);
  return info;
}

/** Verifies a detached compact JWS over the canonical JSON of the document with the signer's public key. */
export async function verifyDetached(document: unknown, jws: string, publicKey: KeyObject): Promise<DetachedSignatureInfo> {
  return verifyCanonical(canonicalJson(document), jws, publicKey);
}
