import jwt from 'jsonwebtoken';
import { accessClaimsSchema, ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AccessClaims } from '@classbridge/protocol';

const ISSUER = 'classbridge';
const AUDIENCE = 'classbridge-lesson';
/** Longest lesson-day token we mint (TOKEN_MAX_TTL_SECONDS may lower it). */
export const MAX_TOKEN_TTL_SECONDS = 12 * 3600;
/** Clock difference between the minting host and this one that `iat` may show. */
const CLOCK_TOLERANCE_SECONDS = 60;

export interface VerifiedToken {
  claims: AccessClaims;
  /** When the token expires, in ms since the epoch: sessions end then. */
  expiresAtMs: number;
}

/** Mints and verifies lesson access tokens (HS256 JWTs). */
export class TokenService {
  readonly #secret: string;
  readonly #maxTtlSeconds: number;

  /** Tokens without `exp` or `iat`, or living longer than `maxTtlSeconds`, are refused. */
  constructor(secret: string, maxTtlSeconds: number = MAX_TOKEN_TTL_SECONDS) {
    this.#secret = secret;
    this.#maxTtlSeconds = maxTtlSeconds;
  }

  mint(claims: AccessClaims, ttlSeconds: number): { token: string; expiresAt: string } {
    const ttl = Math.min(Math.max(1, Math.floor(ttlSeconds)), this.#maxTtlSeconds);
    const valid = accessClaimsSchema.safeParse(claims);
    if (!valid.success) {
      const issue = valid.error.issues[0];
      throw new ClassBridgeError(ErrorCode.BadRequest, `cannot mint this token: ${issue?.path.join('.') ?? 'claims'}: ${issue?.message ?? 'invalid'}`);
    }
    const token = jwt.sign(valid.data, this.#secret, {
      algorithm: 'HS256',
      expiresIn: ttl,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    return { token, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }

  /** Throws ClassBridgeError UNAUTHORIZED or TOKEN_EXPIRED. */
  verify(token: unknown, now: number = Date.now()): VerifiedToken {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'an access token is required');
    }
    let payload: jwt.JwtPayload | string;
    try {
      // Pinning the algorithm rejects "alg: none" and key-confusion tricks.
      payload = jwt.verify(token, this.#secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: Math.floor(now / 1000) });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new ClassBridgeError(ErrorCode.TokenExpired, 'the access token has expired');
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'the access token is invalid');
    }
    if (typeof payload === 'string') throw new ClassBridgeError(ErrorCode.Unauthorized, 'the access token is invalid');
    const { exp, iat } = payload;
    // A token that never expires, or outlives the policy, is as good as a password: refuse it.
    if (typeof exp !== 'number' || typeof iat !== 'number') {
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'the access token must carry exp and iat');
    }
    if (exp - iat > this.#maxTtlSeconds || iat > now / 1000 + CLOCK_TOLERANCE_SECONDS || exp > now / 1000 + this.#maxTtlSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'the access token lives longer than this server allows');
    }
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) throw new ClassBridgeError(ErrorCode.Unauthorized, 'the access token has invalid claims');
    return { claims: claims.data, expiresAtMs: exp * 1000 };
  }
}
