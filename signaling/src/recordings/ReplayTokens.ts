import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';

const ISSUER = 'classbridge';
/** Not the lesson audience: a lesson access token never opens a replay, and a replay token never joins a lesson. */
const AUDIENCE = 'classbridge-replay';

const claimsSchema = z.object({ lessonId: z.string().min(1).max(64), scope: z.literal('replay'), exp: z.number(), iat: z.number() });

/**
 * Signed, expiring replay tokens, each for the recordings of one lesson
 * (recordings of children are private). Minted through the admin REST API,
 * carried in replay URLs.
 */
export class ReplayTokens {
  readonly #secret: string;
  readonly #maxTtlSeconds: number;

  constructor(secret: string, maxTtlSeconds: number) {
    this.#secret = secret;
    this.#maxTtlSeconds = maxTtlSeconds;
  }

  mint(lessonId: string, ttlSeconds: number = this.#maxTtlSeconds): { token: string; expiresAt: string } {
    const ttl = Math.min(Math.max(60, Math.floor(ttlSeconds)), this.#maxTtlSeconds);
    const token = jwt.sign({ lessonId, scope: 'replay' }, this.#secret, { algorithm: 'HS256', expiresIn: ttl, issuer: ISSUER, audience: AUDIENCE });
    return { token, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }

  /** The lesson a token opens; throws UNAUTHORIZED or TOKEN_EXPIRED. */
  verify(token: string, now: number = Date.now()): { lessonId: string; expiresAtMs: number } {
    if (token.length === 0 || token.length > 2048) throw new ClassBridgeError(ErrorCode.Unauthorized, 'a replay token is required');
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.#secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: Math.floor(now / 1000) });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new ClassBridgeError(ErrorCode.TokenExpired, 'the replay link has expired');
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'the replay token is invalid');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success || claims.data.exp - claims.data.iat > this.#maxTtlSeconds + 60) {
      throw new ClassBridgeError(ErrorCode.Unauthorized, 'the replay token is invalid');
    }
    return { lessonId: claims.data.lessonId, expiresAtMs: claims.data.exp * 1000 };
  }
}
