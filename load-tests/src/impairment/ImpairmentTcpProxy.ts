import net from 'node:net';
import { realSchedulerClock } from './clock.js';
import { directionsOf } from './relayConditions.js';
import type { RelayDirection } from './relayConditions.js';
import { StreamLink } from './StreamLink.js';
import type { StreamConditions } from './StreamLink.js';
import { StreamShaper } from './StreamShaper.js';
import { checkTargetHost, parseTarget } from './targetPolicy.js';
import type { RelayEndpoint } from './targetPolicy.js';

export interface ImpairmentTcpProxyOptions {
  /** Where to connect: "127.0.0.1:3478" or an endpoint. Loopback only, unless listed in `allowNamespaceTargets`. */
  target: string | RelayEndpoint;
  /** Port to listen on (default 0: any free port). */
  listenPort?: number;
  /** Address to listen on (default 127.0.0.1); loopback or an allowed namespace address. */
  listenHost?: string;
  /** Private addresses of network namespaces the caller made, which may then be targets or listen addresses. */
  allowNamespaceTargets?: readonly string[];
  /** Initial conditions client → target. */
  up?: StreamConditions;
  /** Initial conditions target → client. */
  down?: StreamConditions;
  /** Seed of the jitter draws (default 1). */
  seed?: number;
  /** Bytes held per connection and direction before the sender is paused (default 256 KiB). */
  highWaterBytes?: number;
}

/** Stream conditions for a proxy's directions; `both` is the base, `up`/`down` override its fields. */
export interface TcpProxyConditions {
  up?: StreamConditions;
  down?: StreamConditions;
  both?: StreamConditions;
}

/** Byte counts of one direction through the proxy. */
export interface StreamDirectionStats {
  bytesIn: number;
  bytesForwarded: number;
}

export interface TcpProxyStats {
  /** Connections open now. */
  open: number;
  /** Connections accepted since start. */
  accepted: number;
  up: StreamDirectionStats;
  down: StreamDirectionStats;
}

/** A client connection and its connection to the target. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  shapers: StreamShaper[];
}

/**
 * The TCP counterpart of ImpairmentRelay, for TURN over TCP and other stream
 * transports: each accepted connection is joined to a new connection to the target,
 * and each direction gets delay, jitter (never reordering), a rate cap shared by all
 * connections, and outages during which data is held, then delivered. Packet loss is
 * not modelled: TCP would only show it as delay.
 */
export class ImpairmentTcpProxy {
  readonly target: RelayEndpoint;
  private readonly options: ImpairmentTcpProxyOptions;
  private readonly listenHost: string;
  private readonly links: Record<RelayDirection, StreamLink>;
  private readonly pairs = new Set<Pair>();
  private readonly counts = { accepted: 0, up: { bytesIn: 0, bytesForwarded: 0 }, down: { bytesIn: 0, bytesForwarded: 0 } };
  private server: net.Server | null = null;
  private listening: RelayEndpoint | null = null;
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';

  /** Throws if the target or listen address is not allowed, or the conditions are invalid. */
  constructor(options: ImpairmentTcpProxyOptions) {
    const allowed = options.allowNamespaceTargets ?? [];
    this.options = options;
    this.target = parseTarget(options.target, allowed);
    this.listenHost = checkTargetHost(options.listenHost ?? '127.0.0.1', allowed);
    const seed = options.seed ?? 1;
    this.links = { up: new StreamLink(options.up, seed), down: new StreamLink(options.down, seed + 0x9e3779b9) };
  }

  /** Starts listening; resolves with the address. */
  async start(): Promise<RelayEndpoint> {
    if (this.state !== 'new') throw new Error(`ImpairmentTcpProxy cannot start: it is ${this.state}`);
    this.state = 'starting';
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.join(client));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: this.listenHost, port: this.options.listenPort ?? 0 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await this.close();
      throw error;
    }
    if (this.closed) throw new Error('ImpairmentTcpProxy was closed while starting');
    const { address, port } = server.address() as net.AddressInfo;
    this.listening = { host: address, port };
    this.state = 'started';
    return { ...this.listening };
  }

  /** Where clients connect; only after start(). */
  get address(): RelayEndpoint {
    if (!this.listening) throw new Error('ImpairmentTcpProxy is not started');
    return { ...this.listening };
  }

  get port(): number {
    return this.address.port;
  }

  /** True once close() has been called. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Replaces the conditions of the directions named, for data written from now on. Throws, changing nothing, if invalid. */
  set(change: TcpProxyConditions): void {
    const resolved: Partial<Record<RelayDirection, StreamConditions>> = {};
    for (const direction of ['up', 'down'] as const) {
      if (change.both || change[direction]) resolved[direction] = { ...change.both, ...change[direction] };
    }
    for (const conditions of Object.values(resolved)) new StreamLink(conditions); // validate all before changing any
    const now = realSchedulerClock.now();
    for (const [direction, conditions] of Object.entries(resolved) as [RelayDirection, StreamConditions][]) {
      this.links[direction].configure(conditions, now);
    }
  }

  /** The conditions in force. */
  conditions(): Record<RelayDirection, StreamConditions> {
    return { up: { ...this.links.up.conditions }, down: { ...this.links.down.conditions } };
  }

  /** Holds all data (in the directions given, default both) for `durationMs` from now; connections stay open. */
  outage(durationMs: number, direction: RelayDirection | 'both' = 'both'): void {
    const now = realSchedulerClock.now();
    for (const d of directionsOf(direction)) this.links[d].outages.addFor(now, durationMs);
  }

  stats(): TcpProxyStats {
    return { open: this.pairs.size, accepted: this.counts.accepted, up: { ...this.counts.up }, down: { ...this.counts.down } };
  }

  /** Stops listening and destroys every connection, data held included. Safe to call twice. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const pair of this.pairs) this.destroy(pair);
    const server = this.server;
    this.server = null;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private join(client: net.Socket): void {
    if (this.state !== 'started') {
      client.destroy();
      return;
    }
    this.counts.accepted++;
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, shapers: [] };
    const up = this.pipe('up', client, upstream);
    const down = this.pipe('down', upstream, client);
    pair.shapers.push(up, down);
    this.pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.destroy(pair));
      socket.on('close', () => this.destroy(pair));
    }
  }

  /** Shapes the bytes from `source` to `sink` through a direction's link. */
  private pipe(direction: RelayDirection, source: net.Socket, sink: net.Socket): StreamShaper {
    const counts = this.counts[direction];
    const shaper = new StreamShaper({
      link: () => this.links[direction],
      clock: realSchedulerClock,
      write: (chunk) => {
        counts.bytesForwarded += chunk.length;
        return sink.write(chunk);
      },
      backpressure: (paused) => (paused ? source.pause() : source.resume()),
      highWaterBytes: this.options.highWaterBytes,
    });
    source.on('data', (chunk: Buffer) => {
      counts.bytesIn += chunk.length;
      shaper.push(chunk);
    });
    source.on('end', () => shaper.end(() => sink.end()));
    sink.on('drain', () => shaper.drained());
    return shaper;
  }

  private destroy(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    for (const shaper of pair.shapers) shaper.stop();
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
