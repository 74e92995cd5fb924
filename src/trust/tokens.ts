import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { epochSeconds, type Clock } from '../core/clock.ts';
import { TokenRejectedError } from '../core/errors.ts';
import type { LocalIdentity, PeerIdentity } from './identity.ts';
import { checkTokenTimes } from './token-times.ts';

/** Signature algorithms by key type; nothing else (none, HMAC, other key types) is ever accepted. */
const ALGORITHMS: Record<string, readonly string[]> = { rsa: ['PS256', 'RS256'], ec: ['ES256'], 'rsa-pss': ['PS256'] };
const signingAlgorithm = (key: KeyObject): string => (key.asymmetricKeyType === 'ec' ? 'ES256' : 'PS256');

export const MAX_REQUEST_TOKEN_SECONDS = 300;
const JTI = /^[A-Za-z0-9._~-]{8,128}$/;

export type TokenClaims = JWTPayload & { cnf: { 'x5t#S256': string }; [claim: string]: unknown };

export interface IssueTokenOptions {
  audience: string;
  ttlSeconds: number;
  claims?: Record<string, unknown>;
}

/** Signs tokens as this participant, bound to its own TLS certificate (RFC 8705). */
export class TokenIssuer {
  readonly #identity: LocalIdentity;
  readonly #clock: Clock;

  constructor(identity: LocalIdentity, clock: Clock) {
    this.#identity = identity;
    this.#clock = clock;
  }

  async issue({ audience, ttlSeconds, claims = {} }: IssueTokenOptions): Promise<string> {
    const now = epochSeconds(this.#clock);
    return new SignJWT({ ...claims, cnf: { 'x5t#S256': this.#identity.certThumbprint } })
      .setProtectedHeader({ alg: signingAlgorithm(this.#identity.key), typ: 'JWT' })
      .setIssuer(this.#identity.participantId)
      .setSubject(this.#identity.participantId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomUUID())
      .sign(this.#identity.key);
  }
}

/** Remembers token ids until their tokens expire, so that a replay within the lifetime is refused. */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #clock: Clock;
  readonly #capacity: number;

  constructor(clock: Clock, capacity = 1_000_000) {
    this.#clock = clock;
    this.#capacity = capacity;
  }

  /** Records the id; false when it was already seen and has not expired. */
  remember(id: string, expiresAtSeconds: number): boolean {
    const now = epochSeconds(this.#clock);
    const until = this.#seen.get(id);
    if (until !== undefined && until >= now) return false;
    if (this.#seen.size >= this.#capacity) this.sweep(now);
    // When still full every remembered token is live: refuse rather than forget one (deny when in doubt).
    if (this.#seen.size >= this.#capacity) return false;
    this.#seen.set(id, expiresAtSeconds);
    return true;
  }

  sweep(now = epochSeconds(this.#clock)): void {
    for (const [id, until] of this.#seen) if (until < now) this.#seen.delete(id);
  }

  get size(): number {
    return this.#seen.size;
  }
}

export interface VerifyTokenOptions {
  /** This participant: the token's required audience. */
  audience: string;
  clock: Clock;
  skewSeconds: number;
  maxLifetimeSeconds: number;
  replay?: ReplayGuard;
}

/**
 * Verifies a token presented on a mutual-TLS connection: signed with the key of the certificate the
 * peer presented, bound to that certificate, issued by that participant, for us, issued and valid by now
 * (iat, nbf), within its lifetime counted from iat and from nbf, and (with a ReplayGuard) never seen
 * before. Each failure has its own reason code.
 */
export async function verifyBoundToken(token: string | undefined, peer: PeerIdentity, peerKey: KeyObject, options: VerifyTokenOptions): Promise<TokenClaims> {
  if (!token) throw new TokenRejectedError('TOKEN_MISSING');
  const allowed = ALGORITHMS[peerKey.asymmetricKeyType ?? ''] ?? [];
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new TokenRejectedError('TOKEN_MALFORMED');
  }
  if (typeof alg !== 'string' || !allowed.includes(alg)) {
    throw new TokenRejectedError('TOKEN_ALG_NOT_ALLOWED', `algorithm '${String(alg)}' is not allowed; expected one of ${allowed.join(', ')}`);
  }
  if (token.split('.').some((part, _i, parts) => parts.length !== 3 || part === '')) throw new TokenRejectedError('TOKEN_MALFORMED');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, peerKey, {
      algorithms: [...allowed],
      currentDate: options.clock.now(),
      clockTolerance: options.skewSeconds,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
    }));
  } catch (error) {
    throw joseFailure(error);
  }
  const claims = payload as TokenClaims;
  const isText = (v: unknown) => typeof v === 'string' && v !== '';
  if (!isText(claims.iss) || !isText(claims.sub)) throw new TokenRejectedError('TOKEN_CLAIM_MISSING', 'iss and sub must be participant ids');
  if (!(isText(claims.aud) || (Array.isArray(claims.aud) && claims.aud.length > 0 && claims.aud.every(isText)))) {
    throw new TokenRejectedError('TOKEN_CLAIM_MISSING', 'aud must be a participant id or a list of them');
  }
  if (typeof claims.jti !== 'string' || !JTI.test(claims.jti)) throw new TokenRejectedError('TOKEN_CLAIM_MISSING', 'jti must be 8-128 URL-safe characters');
  if (typeof claims.cnf?.['x5t#S256'] !== 'string') throw new TokenRejectedError('TOKEN_CLAIM_MISSING', 'cnf.x5t#S256 is required');
  if (claims.iss !== peer.participantId || claims.sub !== peer.participantId) throw new TokenRejectedError('TOKEN_ISSUER_MISMATCH');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(options.audience)) throw new TokenRejectedError('TOKEN_AUDIENCE_MISMATCH');
  checkTokenTimes(claims, { nowSeconds: epochSeconds(options.clock), skewSeconds: options.skewSeconds, maxLifetimeSeconds: options.maxLifetimeSeconds });
  const exp = claims.exp as number;
  if (claims.cnf['x5t#S256'] !== peer.certThumbprint) throw new TokenRejectedError('TOKEN_BINDING_MISMATCH');
  if (options.replay && !options.replay.remember(`${peer.participantId} ${claims.jti}`, exp + options.skewSeconds)) {
    throw new TokenRejectedError('TOKEN_REPLAYED');
  }
  return claims;
}

function joseFailure(error: unknown): TokenRejectedError {
  if (error instanceof joseErrors.JWTExpired) return new TokenRejectedError('TOKEN_EXPIRED');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new TokenRejectedError('TOKEN_SIGNATURE_INVALID');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new TokenRejectedError('TOKEN_ALG_NOT_ALLOWED');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') {
      return error.reason === 'check_failed' ? new TokenRejectedError('TOKEN_NOT_YET_VALID') : new TokenRejectedError('TOKEN_CLAIM_MISSING', `claim ${error.claim}: ${error.message}`);
    }
    return new TokenRejectedError('TOKEN_CLAIM_MISSING', `claim ${error.claim}: ${error.message}`);
  }
  return new TokenRejectedError('TOKEN_MALFORMED');
}
