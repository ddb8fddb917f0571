import net from 'node:net';

/** A UDP or TCP endpoint. */
export interface RelayEndpoint {
  host: string;
  port: number;
}

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The ranges a test's own network namespace may use. */
const privateRanges = new net.BlockList();
privateRanges.addSubnet('10.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('172.16.0.0', 12, 'ipv4');
privateRanges.addSubnet('192.168.0.0', 16, 'ipv4');
privateRanges.addSubnet('fc00::', 7, 'ipv6');

/** An IPv4-mapped IPv6 literal (::ffff:a.b.c.d) as plain IPv4, anything else unchanged. */
function unmapped(ip: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
}

function inList(list: net.BlockList, ip: string): boolean {
  const plain = unmapped(ip);
  const family = net.isIP(plain);
  return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether `ip` (a literal) is loopback: 127.0.0.0/8 or ::1 (also IPv4-mapped). */
export function isLoopback(ip: string): boolean {
  return inList(loopback, ip);
}

/** Whether `ip` is in 10/8, 172.16/12, 192.168/16 or fc00::/7, the ranges a test's network namespace may use. */
export function isPrivateAddress(ip: string): boolean {
  return inList(privateRanges, ip);
}

/**
 * The address to use for `host`, or a thrown error if it may not be a target.
 * Nothing but loopback or a private network namespace is ever a target: loopback
 * always passes; a private address only if the caller lists it in `allowed`
 * (an address of a network namespace the test made itself); names other than
 * `localhost` are never resolved.
 */
export function checkTargetHost(host: string, allowed: readonly string[] = []): string {
  const ip = unmapped(host === 'localhost' ? '127.0.0.1' : host.replace(/^\[(.*)\]$/, '$1'));
  if (!net.isIP(ip)) throw new Error(`impairment target ${host} is not an IP address (only loopback or an allowed namespace address may be a target)`);
  if (isLoopback(ip)) return ip;
  if (!isPrivateAddress(ip)) throw new Error(`impairment target ${ip} is neither loopback nor a private network-namespace address: refused`);
  const permitted = new net.BlockList();
  for (const address of allowed) {
    const plain = unmapped(address);
    if (isPrivateAddress(plain)) permitted.addAddress(plain, net.isIPv4(plain) ? 'ipv4' : 'ipv6');
  }
  if (!inList(permitted, ip)) {
    throw new Error(`impairment target ${ip} is not loopback; list it in allowNamespaceTargets if it is in a network namespace this test made`);
  }
  return ip;
}

/** Parses "host:port", "[v6]:port" or an endpoint object, and checks the host with {@link checkTargetHost}. */
export function parseTarget(target: string | RelayEndpoint, allowed: readonly string[] = []): RelayEndpoint {
  let host: string;
  let port: number;
  if (typeof target === 'string') {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(target);
    if (!match) throw new Error(`impairment target "${target}" is not host:port`);
    host = (match[1] ?? match[2])!;
    port = Number(match[3]);
  } else {
    ({ host, port } = target);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`impairment target port ${port} is not 1..65535`);
  return { host: checkTargetHost(host, allowed), port };
}
