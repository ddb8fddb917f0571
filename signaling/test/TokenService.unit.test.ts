import jwt from 'jsonwebtoken';
import { ErrorCode } from '@classbridge/protocol';
import type { AccessClaims } from '@classbridge/protocol';
import { TokenService } from '../src/auth/TokenService.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const claims: AccessClaims = { sub: 'classroom-a', lessonId: 'lesson-1', role: 'classroom', name: 'Room A', school: 'Village', classroomId: 'a' };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('TokenService', () => {
  const tokens = new TokenService(SECRET);

  it('verifies what it minted and returns the claims', () => {
    const { token, expiresAt } = tokens.mint(claims, 60);
    const verified = tokens.verify(token);
    expect(verified.claims).toEqual(claims);
    expect(Math.abs(verified.expiresAtMs - Date.parse(expiresAt))).toBeLessThan(1500);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
  });

  it('refuses a missing or non-string token', () => {
    expect(codeOf(() => tokens.verify(undefined))).toBe(ErrorCode.Unauthorized);
    expect(codeOf(() => tokens.verify({ token: 'x' }))).toBe(ErrorCode.Unauthorized);
  });

  it('refuses a token signed with another secret (forged)', () => {
    const { token } = new TokenService('another-secret-another-secret-another').mint(claims, 60);
    expect(codeOf(() => tokens.verify(token))).toBe(ErrorCode.Unauthorized);
  });

  it('refuses an unsigned token (alg none)', () => {
    const unsigned = jwt.sign({ ...claims, iss: 'classbridge', aud: 'classbridge-lesson' }, '', { algorithm: 'none' });
    expect(codeOf(() => tokens.verify(unsigned))).toBe(ErrorCode.Unauthorized);
  });

  it('refuses a tampered payload (role escalation in the token)', () => {
    const { token } = tokens.mint(claims, 60);
    const [header, payload, signature] = token.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    forged.role = 'teacher';
    const tampered = [header, Buffer.from(JSON.stringify(forged)).toString('base64url'), signature].join('.');
    expect(codeOf(() => tokens.verify(tampered))).toBe(ErrorCode.Unauthorized);
  });

  it('reports an expired token as TOKEN_EXPIRED', () => {
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, { issuer: 'classbridge', audience: 'classbridge-lesson' });
    expect(codeOf(() => tokens.verify(expired))).toBe(ErrorCode.TokenExpired);
  });

  it('refuses well-signed tokens with invalid claims', () => {
    const bad = jwt.sign({ ...claims, role: 'superuser' }, SECRET, { issuer: 'classbridge', audience: 'classbridge-lesson', expiresIn: 60 });
    expect(codeOf(() => tokens.verify(bad))).toBe(ErrorCode.Unauthorized);
  });

  it('refuses tokens that never expire, have no iat, or outlive the maximum lifetime', () => {
    const sign = (payload: object, options: jwt.SignOptions = {}) => jwt.sign({ ...claims, ...payload }, SECRET, { issuer: 'classbridge', audience: 'classbridge-lesson', ...options });
    const now = Math.floor(Date.now() / 1000);
    const limited = new TokenService(SECRET, 3600);
    expect(codeOf(() => limited.verify(sign({})))).toBe(ErrorCode.Unauthorized); // no exp
    expect(codeOf(() => limited.verify(sign({}, { noTimestamp: true, expiresIn: 60 })))).toBe(ErrorCode.Unauthorized); // no iat
    expect(codeOf(() => limited.verify(sign({}, { expiresIn: 3601 })))).toBe(ErrorCode.Unauthorized);
    expect(codeOf(() => limited.verify(sign({ iat: now + 3600, exp: now + 3700 })))).toBe(ErrorCode.Unauthorized); // issued in the future
    expect(codeOf(() => limited.verify(sign({}, { expiresIn: 3600 })))).toBeUndefined();
    // Minting never exceeds the configured lifetime.
    const { expiresAt } = limited.mint(claims, 12 * 3600);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(3600 * 1000);
  });

  it('refuses display names with markup or control characters', () => {
    expect(codeOf(() => tokens.mint({ ...claims, name: '<img src=x onerror=alert(1)>' }, 60))).toBe(ErrorCode.BadRequest);
    const sneaky = jwt.sign({ ...claims, name: 'Room\u202eA' }, SECRET, { issuer: 'classbridge', audience: 'classbridge-lesson', expiresIn: 60 });
    expect(codeOf(() => tokens.verify(sneaky))).toBe(ErrorCode.Unauthorized);
    expect(tokens.verify(tokens.mint({ ...claims, name: '上岭村小学 四年级' }, 60).token).claims.name).toBe('上岭村小学 四年级');
  });
});
