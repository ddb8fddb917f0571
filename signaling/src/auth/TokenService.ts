import jwt from 'jsonwebtoken';
import { accessClaimsSchema, ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AccessClaims } from '@classbridge/protocol';

const ISSUER = 'classbridge';
const AUDIENCE = 'classbridge-lesson';
/** Longest lesson-day token we mint. */
export const MAX_TOKEN_TTL_SECONDS = 12 * 3600;

/** Mints and verifies lesson access tokens (HS256 JWTs). */
export class TokenService {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  mint(claims: AccessClaims, ttlSeconds: number): { token: string; expiresAt: string } {
    const ttl = Math.min(Math.max(1, Math.floor(ttlSeconds)), MAX_TOKEN_TTL_SECONDS);
    const token = jwt.sign(accessClaimsSchema.parse(claims), this.#secret, {
      algorithm: 'HS256',
      expiresIn: ttl,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    return { token, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }

  /** Throws ClassBridgeError UNAUTHORIZED or TOKEN_EXPIRED. */
  verify(token: unknown): AccessClaims {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'an access token is required');
    }
    let payload: unknown;
    try {
      // Pinning the algorithm rejects "alg: none" and key-confusion tricks.
      payload = jwt.verify(token, this.#secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new ClassBridgeError(ErrorCode.TokenExpired, 'the access token has expired');
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'the access token is invalid');
    }
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) throw new ClassBridgeError(ErrorCode.Unauthorized, 'the access token has invalid claims');
    return claims.data;
  }
}
