import { checkTargetHost, isLoopback, isPrivateAddress, parseTarget } from '../src/impairment/index.js';

describe('target policy', () => {
  it('knows loopback and private ranges', () => {
    for (const ip of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(isLoopback(ip)).toBe(true);
    for (const ip of ['128.0.0.1', '10.0.0.1', '::2', '8.8.8.8']) expect(isLoopback(ip)).toBe(false);
    for (const ip of ['10.200.0.2', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fd00::2']) expect(isPrivateAddress(ip)).toBe(true);
    for (const ip of ['172.32.0.1', '172.15.0.1', '8.8.8.8', 'fe80::1', '2001:db8::1']) expect(isPrivateAddress(ip)).toBe(false);
  });

  it('accepts loopback targets in every spelling', () => {
    expect(checkTargetHost('127.0.0.1')).toBe('127.0.0.1');
    expect(checkTargetHost('localhost')).toBe('127.0.0.1');
    expect(checkTargetHost('[::1]')).toBe('::1');
    expect(checkTargetHost('::ffff:127.0.0.2')).toBe('127.0.0.2');
  });

  it('refuses private addresses unless the caller allows them, and public ones always', () => {
    expect(() => checkTargetHost('10.200.0.2')).toThrow(/allowNamespaceTargets/);
    expect(checkTargetHost('10.200.0.2', ['10.200.0.2'])).toBe('10.200.0.2');
    expect(() => checkTargetHost('10.200.0.3', ['10.200.0.2'])).toThrow(/allowNamespaceTargets/);
    expect(() => checkTargetHost('8.8.8.8', ['8.8.8.8'])).toThrow(/neither loopback nor/);
    expect(() => checkTargetHost('0.0.0.0')).toThrow(/refused/);
    expect(() => checkTargetHost('example.com')).toThrow(/not an IP address/);
  });

  it('parses host:port forms', () => {
    expect(parseTarget('127.0.0.1:3478')).toEqual({ host: '127.0.0.1', port: 3478 });
    expect(parseTarget('[::1]:3478')).toEqual({ host: '::1', port: 3478 });
    expect(parseTarget('localhost:9')).toEqual({ host: '127.0.0.1', port: 9 });
    expect(parseTarget({ host: '127.0.0.1', port: 1 })).toEqual({ host: '127.0.0.1', port: 1 });
    expect(() => parseTarget('127.0.0.1')).toThrow(/host:port/);
    expect(() => parseTarget('127.0.0.1:0')).toThrow(/port/);
    expect(() => parseTarget('127.0.0.1:70000')).toThrow(/port/);
    expect(() => parseTarget('1.2.3.4:3478')).toThrow(/refused/);
  });
});
