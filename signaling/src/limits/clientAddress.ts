import net from 'node:net';

/**
 * The address budgets are kept for: the TCP peer, or with `trustedHops` reverse
 * proxies in front, the address the nearest untrusted hop reported in
 * X-Forwarded-For. IPv6 clients are grouped by /64, since one host usually owns
 * a whole /64 and could otherwise rotate through it.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  const hops = trustedHops > 0 ? forwardedChain(forwardedFor) : [];
  // The chain as seen from here: client, proxies…, then the TCP peer; skip the trusted ones from the right.
  const chain = [...hops, peer ?? 'unknown'];
  const chosen = chain[Math.max(0, chain.length - 1 - trustedHops)] ?? 'unknown';
  return budgetKey(chosen);
}

function forwardedChain(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => net.isIP(part) !== 0);
}

function budgetKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (net.isIPv6(address)) return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
  return address;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
