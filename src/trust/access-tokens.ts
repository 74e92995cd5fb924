/**
 * Transfer access tokens (the endpoint data reference of an HTTP-PULL transfer): issued by the provider
 * for one transfer, bound to the consumer's certificate (cnf.x5t#S256), at most 15 minutes, and verified
 * by the provider's gateway with the provider's own key.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { epochSeconds, type Clock } from '../core/clock.ts';
import { TokenRejectedError } from '../core/errors.ts';
import type { LocalIdentity, PeerIdentity } from './identity.ts';
import { checkTokenTimes } from './token-times.ts';

export const MAX_ACCESS_TOKEN_SECONDS = 900;
/** How long after expiry a token may still be exchanged for a fresh one (never for data). */
export const REFRESH_GRACE_SECONDS = 3600;
const ALG = (key: KeyObject) => (key.asymmetricKeyType === 'ec' ? 'ES256' : 'PS256');

export interface AccessGrant {
  consumerId: string;
  consumerThumbprint: string;
  transferId: string;
  agreementId: string;
}

export interface AccessClaims extends AccessGrant {
  exp: number;
  jti: string;
}

export async function issueAccessToken(provider: LocalIdentity, clock: Clock, grant: AccessGrant, ttlSeconds = MAX_ACCESS_TOKEN_SECONDS): Promise<{ token: string; expiresAt: string }> {
  const now = epochSeconds(clock);
  const exp = now + Math.min(ttlSeconds, MAX_ACCESS_TOKEN_SECONDS);
  const token = await new SignJWT({ transfer_id: grant.transferId, agreement_id: grant.agreementId, cnf: { 'x5t#S256': grant.consumerThumbprint } })
    .setProtectedHeader({ alg: ALG(provider.key), typ: 'kouan-access+jwt' })
    .setIssuer(provider.participantId)
    .setAudience(provider.participantId)
    .setSubject(grant.consumerId)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(provider.key);
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/**
 * Verifies an access token presented by `peer` on a mutual-TLS connection to the provider's gateway. The refresh
 * path passes `expiredGraceSeconds` (REFRESH_GRACE_SECONDS): the grace loosens the expiry check only; iat and nbf
 * are still held to `skewSeconds`, and the lifetime to MAX_ACCESS_TOKEN_SECONDS.
 */
export async function verifyAccessToken(token: string | undefined, peer: PeerIdentity, provider: { participantId: string; publicKey: KeyObject }, clock: Clock, expiredGraceSeconds = 0, skewSeconds = 5): Promise<AccessClaims> {
  return claimsFor(await verifiedPayload(token, provider, clock, skewSeconds, expiredGraceSeconds), peer);
}

/**
 * The gateway's verifier: a token whose signature and claims verified once is remembered until it expires, so
 * each further request costs a map look-up instead of a signature check. What depends on the request is checked
 * every time: expiry against the clock, and the binding to the certificate and participant presenting it. The
 * memory is bounded (oldest first out); forgetting a token only costs verifying it again.
 */
export class AccessTokenVerifier {
  readonly #provider: { participantId: string; publicKey: KeyObject };
  readonly #clock: Clock;
  readonly #skewSeconds: number;
  readonly #limit: number;
  readonly #verified = new Map<string, Record<string, unknown>>();

  constructor(provider: { participantId: string; publicKey: KeyObject }, clock: Clock, options: { skewSeconds?: number; limit?: number } = {}) {
    this.#provider = provider;
    this.#clock = clock;
    this.#skewSeconds = options.skewSeconds ?? 5;
    this.#limit = options.limit ?? 10_000;
  }

  async verify(token: string | undefined, peer: PeerIdentity): Promise<AccessClaims> {
    if (!token) throw new TokenRejectedError('TOKEN_MISSING');
    let payload = this.#verified.get(token);
    if (payload !== undefined && (payload.exp as number) + this.#skewSeconds <= epochSeconds(this.#clock)) {
      this.#verified.delete(token);
      throw new TokenRejectedError('TOKEN_EXPIRED');
    }
    if (payload === undefined) {
      payload = await verifiedPayload(token, this.#provider, this.#clock, this.#skewSeconds);
      if (this.#verified.size >= this.#limit) this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, payload);
    }
    return claimsFor(payload, peer);
  }
}

/**
 * The payload of a token whose signature, header and time claims verify; nothing here depends on who presents it.
 * jose checks exp with the skew plus any grace; iat, nbf and the lifetime are checked with the skew alone.
 */
async function verifiedPayload(token: string | undefined, provider: { participantId: string; publicKey: KeyObject }, clock: Clock, skewSeconds: number, expiredGraceSeconds = 0): Promise<Record<string, unknown>> {
  if (!token) throw new TokenRejectedError('TOKEN_MISSING');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, provider.publicKey, { algorithms: ['PS256', 'ES256'], typ: 'kouan-access+jwt', issuer: provider.participantId, audience: provider.participantId, currentDate: clock.now(), clockTolerance: skewSeconds + expiredGraceSeconds, requiredClaims: ['sub', 'exp', 'iat', 'jti'] }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenRejectedError('TOKEN_EXPIRED');
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new TokenRejectedError('TOKEN_SIGNATURE_INVALID');
    if (error instanceof joseErrors.JOSEAlgNotAllowed) throw new TokenRejectedError('TOKEN_ALG_NOT_ALLOWED');
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf' && error.reason === 'check_failed') throw new TokenRejectedError('TOKEN_NOT_YET_VALID', error.message);
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new TokenRejectedError(error.claim === 'aud' ? 'TOKEN_AUDIENCE_MISMATCH' : error.claim === 'iss' ? 'TOKEN_ISSUER_MISMATCH' : 'TOKEN_CLAIM_MISSING', error.message);
    throw new TokenRejectedError('TOKEN_MALFORMED');
  }
  const claims = payload as Record<string, unknown>;
  checkTokenTimes(claims, { nowSeconds: epochSeconds(clock), skewSeconds, maxLifetimeSeconds: MAX_ACCESS_TOKEN_SECONDS });
  return claims;
}

/** The claims of a verified token for the participant presenting it: bound to its certificate, issued to it. */
function claimsFor(claims: Record<string, unknown>, peer: PeerIdentity): AccessClaims {
  if ((claims.cnf as Record<string, unknown> | undefined)?.['x5t#S256'] !== peer.certThumbprint) throw new TokenRejectedError('TOKEN_BINDING_MISMATCH');
  if (claims.sub !== peer.participantId) throw new TokenRejectedError('TOKEN_ISSUER_MISMATCH', 'the token was issued to another participant');
  if (typeof claims.transfer_id !== 'string' || typeof claims.agreement_id !== 'string') throw new TokenRejectedError('TOKEN_CLAIM_MISSING');
  return { consumerId: peer.participantId, consumerThumbprint: peer.certThumbprint, transferId: claims.transfer_id, agreementId: claims.agreement_id, exp: claims.exp as number, jti: String(claims.jti) };
}
