import { TokenRejectedError } from '../core/errors.ts';

export interface TokenTimeLimits {
  /** Now, in seconds since the epoch, from the verifier's injected clock. */
  nowSeconds: number;
  /** How far the issuer's clock may run ahead of ours. */
  skewSeconds: number;
  /** The longest a token may live, counted from iat and from nbf. */
  maxLifetimeSeconds: number;
}

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * The time claims every token verifier checks itself, whatever jose was told: `iat` is required and not later than
 * now + skew (a token issued in the future would otherwise outlive the lifetime cap by as much), `nbf` when present
 * likewise, and the lifetime counted from `iat` and from `nbf` never above the cap. Expiry stays with jose (exp
 * against now - tolerance), so that the refresh path can allow its grace on `exp` alone.
 */
export function checkTokenTimes(claims: { iat?: unknown; nbf?: unknown; exp?: unknown }, limits: TokenTimeLimits): void {
  const { iat, nbf, exp } = claims;
  if (!isNumericDate(iat)) throw new TokenRejectedError('TOKEN_CLAIM_MISSING', 'iat must be a NumericDate');
  if (!isNumericDate(exp)) throw new TokenRejectedError('TOKEN_CLAIM_MISSING', 'exp must be a NumericDate');
  if (nbf !== undefined && !isNumericDate(nbf)) throw new TokenRejectedError('TOKEN_CLAIM_MISSING', 'nbf must be a NumericDate');
  const latest = limits.nowSeconds + limits.skewSeconds;
  if (iat > latest) throw new TokenRejectedError('TOKEN_NOT_YET_VALID', `iat is ${iat - limits.nowSeconds}s in the future (allowed skew ${limits.skewSeconds}s)`);
  if (nbf !== undefined && nbf > latest) throw new TokenRejectedError('TOKEN_NOT_YET_VALID', `nbf is ${nbf - limits.nowSeconds}s in the future (allowed skew ${limits.skewSeconds}s)`);
  for (const [name, from] of [['iat', iat], ['nbf', nbf]] as const) {
    if (from !== undefined && exp - from > limits.maxLifetimeSeconds) {
      throw new TokenRejectedError('TOKEN_LIFETIME_TOO_LONG', `token lifetime from ${name} ${exp - from}s exceeds ${limits.maxLifetimeSeconds}s`);
    }
  }
}
