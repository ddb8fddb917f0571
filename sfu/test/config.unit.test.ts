import type os from 'node:os';
import { resolveAnnouncedAddress } from '@classbridge/sfu';

const nic = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({ address, internal, family, netmask: '', mac: '', cidr: null }) as os.NetworkInterfaceInfo;

describe('resolveAnnouncedAddress', () => {
  const interfaces = { lo: [nic('127.0.0.1', true)], eth0: [nic('fe80::1', false, 'IPv6'), nic('10.20.30.40', false)] };

  it('keeps an explicit announced address', () => {
    expect(resolveAnnouncedAddress({ listenIp: '0.0.0.0', announcedAddress: 'media.school.example' }, interfaces)).toBe('media.school.example');
  });

  it('announces the LAN IPv4 address for a wildcard listen address', () => {
    expect(resolveAnnouncedAddress({ listenIp: '0.0.0.0' }, interfaces)).toBe('10.20.30.40');
  });

  it('falls back to loopback when there is no LAN address', () => {
    expect(resolveAnnouncedAddress({ listenIp: '0.0.0.0' }, { lo: [nic('127.0.0.1', true)] })).toBe('127.0.0.1');
  });

  it('announces nothing extra for a concrete listen address', () => {
    expect(resolveAnnouncedAddress({ listenIp: '192.168.1.5' }, interfaces)).toBeUndefined();
  });
});
