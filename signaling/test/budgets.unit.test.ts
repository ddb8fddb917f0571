import { ErrorCode } from '@classbridge/protocol';
import { KeyedRateLimiter } from '../src/limits/KeyedRateLimiter.js';
import { ClientBudgets } from '../src/limits/ClientBudgets.js';
import { clientAddress } from '../src/limits/clientAddress.js';
import { loadConfig } from '../src/config.js';

function codeOf(run: () => unknown): { code?: string; retryAfterSeconds?: number } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error as { code?: string; retryAfterSeconds?: number };
  }
}

describe('KeyedRateLimiter', () => {
  it('keeps one budget per key and says when to retry', () => {
    const limiter = new KeyedRateLimiter({ burst: 2, perSecond: 0.5 }, 'attempts');
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('a', 0)]).toEqual([true, true, false]);
    expect(limiter.take('b', 0)).toBe(true);
    const refusal = codeOf(() => limiter.consume('a', 0));
    expect(refusal).toMatchObject({ code: ErrorCode.RateLimited, retryAfterSeconds: 2 });
    expect(limiter.take('a', 2000)).toBe(true);
  });

  it('assertAvailable refuses only once the budget is spent, and spends nothing', () => {
    const failures = new KeyedRateLimiter({ burst: 2, perSecond: 1 }, 'failures');
    expect(codeOf(() => failures.assertAvailable('x', 0))).toBeUndefined();
    failures.take('x', 0);
    expect(codeOf(() => failures.assertAvailable('x', 0))).toBeUndefined();
    failures.take('x', 0);
    expect(codeOf(() => failures.assertAvailable('x', 0))?.code).toBe(ErrorCode.RateLimited);
    expect(codeOf(() => failures.assertAvailable('x', 1000))).toBeUndefined();
  });

  it('forgets refilled keys and never holds more than its maximum', () => {
    const limiter = new KeyedRateLimiter({ burst: 1, perSecond: 10 }, 'x', 100);
    for (let i = 0; i < 1000; i++) limiter.take(`addr-${i}`, 0);
    expect(limiter.size).toBe(100);
    limiter.take('late', 5000);
    expect(limiter.size).toBe(1);
  });
});

describe('ClientBudgets sockets per participant', () => {
  it('counts open sockets and frees a place on close', () => {
    const config = loadConfig({ DEMO: '1', MAX_SOCKETS_PER_PARTICIPANT: '2' }, 2);
    const budgets = new ClientBudgets(config.limits);
    expect([budgets.openSocket('L/p'), budgets.openSocket('L/p'), budgets.openSocket('L/p')]).toEqual([true, true, false]);
    expect(budgets.openSocket('L/q')).toBe(true);
    budgets.closeSocket('L/p');
    expect(budgets.openSocket('L/p')).toBe(true);
    budgets.closeSocket('L/p');
    budgets.closeSocket('L/p');
    budgets.closeSocket('L/q');
    expect(budgets.participantsTracked).toBe(0);
  });
});

describe('clientAddress', () => {
  it('uses the TCP peer unless proxies are trusted', () => {
    expect(clientAddress('10.0.0.5', '1.2.3.4', 0)).toBe('10.0.0.5');
    expect(clientAddress('::ffff:127.0.0.1', undefined, 0)).toBe('127.0.0.1');
  });

  it('takes the address the nearest untrusted hop reported, ignoring what clients wrote before it', () => {
    expect(clientAddress('10.0.0.5', '1.2.3.4', 1)).toBe('1.2.3.4');
    // A client cannot pick its budget by prepending addresses: only the proxy's own entry is used.
    expect(clientAddress('10.0.0.5', '9.9.9.9, 1.2.3.4', 1)).toBe('1.2.3.4');
    expect(clientAddress('10.0.0.5', '9.9.9.9, 1.2.3.4, 10.0.0.4', 2)).toBe('1.2.3.4');
    expect(clientAddress('10.0.0.5', 'garbage', 1)).toBe('10.0.0.5');
  });

  it('groups IPv6 clients by /64', () => {
    expect(clientAddress('2001:db8:1:2::1', undefined, 0)).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8:1:2:ffff::9', undefined, 0)).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8:1:3::1', undefined, 0)).not.toBe('2001:db8:1:2::/64');
  });
});

describe('limit configuration', () => {
  it('reads "<burst>/<per second>" budgets and refuses malformed ones', () => {
    expect(loadConfig({ DEMO: '1', CONNECT_RATE_PER_IP: '50/2.5' }, 2).limits.connectsPerIp).toEqual({ burst: 50, perSecond: 2.5 });
    expect(() => loadConfig({ DEMO: '1', CONNECT_RATE_PER_IP: '50' }, 2)).toThrow(/CONNECT_RATE_PER_IP/);
    expect(() => loadConfig({ DEMO: '1', REST_RATE_PER_IP: '0/1' }, 2)).toThrow(/REST_RATE_PER_IP/);
    expect(() => loadConfig({ DEMO: '1', CORS_ORIGINS: 'javascript:alert(1)' }, 2)).toThrow(/CORS_ORIGINS/);
  });

  it('defaults fit 200 classrooms behind one address joining at once', () => {
    const { limits } = loadConfig({ DEMO: '1' }, 2);
    // Each classroom: one socket, a reconnect or two, and ~50 requests while joining a lesson.
    expect(limits.connectsPerIp.burst).toBeGreaterThanOrEqual(200 * 3);
    expect(limits.requestsPerIp.burst).toBeGreaterThanOrEqual(200 * 50);
  });
});
