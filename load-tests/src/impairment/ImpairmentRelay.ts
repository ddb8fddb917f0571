import dgram from 'node:dgram';
import type { LinkConditions } from './conditions.js';
import { realSchedulerClock } from './clock.js';
import { DeliveryScheduler } from './DeliveryScheduler.js';
import { DirectionCounters } from './DirectionStats.js';
import type { DirectionStats } from './DirectionStats.js';
import { ImpairedLink } from './ImpairedLink.js';
import { directionsOf, resolveRelayConditions } from './relayConditions.js';
import type { RelayDirection, RelayConditions } from './relayConditions.js';
import { checkTargetHost, isLoopback, parseTarget } from './targetPolicy.js';
import type { RelayEndpoint } from './targetPolicy.js';

export interface ImpairmentRelayOptions {
  /** Where to forward: "127.0.0.1:3478", "[::1]:3478" or an endpoint. Loopback only, unless listed in `allowNamespaceTargets`. */
  target: string | RelayEndpoint;
  /** Port to listen on (default 0: any free port; read it from {@link ImpairmentRelay.port} after start). */
  listenPort?: number;
  /** Address to listen on (default 127.0.0.1); loopback or an allowed namespace address. */
  listenHost?: string;
  /** Private addresses of network namespaces the caller made, which may then be targets or listen addresses. */
  allowNamespaceTargets?: readonly string[];
  /** Initial conditions client → target (default: a perfect link). */
  up?: LinkConditions;
  /** Initial conditions target → client (default: a perfect link). */
  down?: LinkConditions;
  /** Seed of the loss and jitter draws; the same seed and traffic give the same drops (default 1). */
  seed?: number;
  /** Most clients with their own upstream socket; packets from more are dropped as `clients` (default 64). */
  maxClients?: number;
  /**
   * Kernel receive and send buffer of each socket, in bytes (default 1 MiB, capped by
   * net.core.rmem_max/wmem_max): the default ~200 kB overflows in a burst of video while the relay is busy.
   */
  socketBufferBytes?: number;
}

/** Counters of both directions. */
export interface RelayStats {
  up: DirectionStats;
  down: DirectionStats;
  /** Clients seen, each with its own upstream socket. */
  clients: number;
  /** Since start or the last reset. */
  elapsedMs: number;
}

/** One client address and the upstream socket that speaks for it to the target. */
interface Client {
  address: string;
  port: number;
  upstream: dgram.Socket;
}

/**
 * A userspace netem for UDP: listens on loopback, forwards every datagram to one
 * target, and sends the target's replies back to the client they belong to, applying
 * loss, delay, jitter, a rate cap and outages per direction on the way. Each client
 * address gets its own upstream socket, as behind a NAT, so the target (a TURN server,
 * say) sees distinct clients. Both directions are one shared link each, like a
 * classroom's access link: every client's packets queue behind the same rate cap.
 *
 * Lifecycle: construct (checks the target), `start()`, change conditions at any time,
 * `close()`. Nothing but loopback or a private network namespace is ever a target.
 */
export class ImpairmentRelay {
  readonly target: RelayEndpoint;
  private readonly options: ImpairmentRelayOptions;
  private readonly listenHost: string;
  private readonly links: Record<RelayDirection, ImpairedLink>;
  private readonly counters: Record<RelayDirection, DirectionCounters> = { up: new DirectionCounters(), down: new DirectionCounters() };
  private readonly scheduler = new DeliveryScheduler(realSchedulerClock);
  private readonly clientsByKey = new Map<string, Client>();
  private socket: dgram.Socket | null = null;
  private listening: RelayEndpoint | null = null;
  private state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  private statsSinceMs = realSchedulerClock.now();

  /** Throws if the target or listen address is not allowed, or the conditions are invalid. */
  constructor(options: ImpairmentRelayOptions) {
    const allowed = options.allowNamespaceTargets ?? [];
    this.options = options;
    this.target = parseTarget(options.target, allowed);
    this.listenHost = checkTargetHost(options.listenHost ?? '127.0.0.1', allowed);
    const seed = options.seed ?? 1;
    this.links = { up: new ImpairedLink(options.up, seed), down: new ImpairedLink(options.down, seed + 0x9e3779b9) };
  }

  /** Binds the listening socket; resolves with its address. */
  async start(): Promise<RelayEndpoint> {
    if (this.state !== 'new') throw new Error(`ImpairmentRelay cannot start: it is ${this.state}`);
    this.state = 'starting';
    const socket = dgram.createSocket(this.listenHost.includes(':') ? 'udp6' : 'udp4');
    this.socket = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: this.listenHost, port: this.options.listenPort ?? 0 }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await this.close();
      throw error;
    }
    if (this.closed) throw new Error('ImpairmentRelay was closed while starting');
    enlargeBuffers(socket, this.options.socketBufferBytes);
    // After binding, errors are per datagram (e.g. ICMP unreachable); they must not crash the process.
    socket.on('error', () => this.counters.down.sendFailed());
    socket.on('message', (message, rinfo) => this.fromClient(message, rinfo));
    const { address, port } = socket.address();
    this.listening = { host: address, port };
    this.statsSinceMs = realSchedulerClock.now();
    this.state = 'started';
    return { ...this.listening };
  }

  /** Where clients send to; only after start(). */
  get address(): RelayEndpoint {
    if (!this.listening) throw new Error('ImpairmentRelay is not started');
    return { ...this.listening };
  }

  /** The port clients send to; only after start(). */
  get port(): number {
    return this.address.port;
  }

  /** True once close() has been called. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Replaces the conditions of the directions named (a field left out means none of
   * that impairment); the other direction keeps its own. Takes effect for the next
   * packet; packets already in flight keep their times. Throws, changing nothing, on invalid conditions.
   *
   *   relay.set({ up: { loss: 0.05 }, down: { delayMs: 80, jitterMs: 20 } });
   *   relay.set({ both: { rateKbps: 512 } });
   */
  set(change: RelayConditions): void {
    const resolved = resolveRelayConditions(change);
    for (const conditions of Object.values(resolved)) new ImpairedLink(conditions); // validate all before changing any
    const now = realSchedulerClock.now();
    for (const [direction, conditions] of Object.entries(resolved) as [RelayDirection, LinkConditions][]) {
      this.links[direction].configure(conditions, now);
    }
  }

  /** The conditions in force. */
  conditions(): Record<RelayDirection, LinkConditions> {
    return { up: { ...this.links.up.conditions }, down: { ...this.links.down.conditions } };
  }

  /** Drops everything (in the directions given, default both) for `durationMs` from now, packets in flight included. */
  outage(durationMs: number, direction: RelayDirection | 'both' = 'both'): void {
    this.scheduleOutage(0, durationMs, direction);
  }

  /** An outage that starts `startInMs` from now and lasts `durationMs`. */
  scheduleOutage(startInMs: number, durationMs: number, direction: RelayDirection | 'both' = 'both'): void {
    if (!(startInMs >= 0)) throw new RangeError(`an outage starts 0 ms or more from now, got ${startInMs}`);
    const start = realSchedulerClock.now() + startInMs;
    for (const d of directionsOf(direction)) this.links[d].outages.addFor(start, durationMs);
  }

  /** Cancels every outage, current and scheduled. */
  clearOutages(): void {
    for (const link of Object.values(this.links)) link.outages.clear();
  }

  /** A snapshot of the counters. */
  stats(): RelayStats {
    return {
      up: this.counters.up.snapshot(),
      down: this.counters.down.snapshot(),
      clients: this.clientsByKey.size,
      elapsedMs: Math.round(realSchedulerClock.now() - this.statsSinceMs),
    };
  }

  /** Zeroes the counters, e.g. after a warm-up. */
  resetStats(): void {
    this.counters.up.reset();
    this.counters.down.reset();
    this.statsSinceMs = realSchedulerClock.now();
  }

  /** Each client seen and the local port of the upstream socket that speaks for it. */
  clients(): { client: RelayEndpoint; upstreamPort: number }[] {
    return [...this.clientsByKey.values()].map((c) => ({ client: { host: c.address, port: c.port }, upstreamPort: boundPort(c.upstream) }));
  }

  /** Discards packets in flight and closes every socket; resolves when they are closed. Safe to call twice. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.scheduler.stop();
    const sockets = [...(this.socket ? [this.socket] : []), ...[...this.clientsByKey.values()].map((c) => c.upstream)];
    this.clientsByKey.clear();
    this.socket = null;
    await Promise.all(sockets.map(closeSocket));
  }

  private fromClient(message: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.state !== 'started') return;
    const client = this.clientFor(rinfo);
    if (!client) {
      this.counters.up.received(message.length);
      this.counters.up.droppedFor('clients');
      return;
    }
    this.impair('up', message, () =>
      client.upstream.send(message, this.target.port, this.target.host, (error) => error && this.counters.up.sendFailed()),
    );
  }

  private fromTarget(client: Client, message: Buffer, rinfo: dgram.RemoteInfo): void {
    // Like an endpoint-dependent NAT: only the target may answer through this mapping.
    if (this.state !== 'started' || rinfo.port !== this.target.port || rinfo.address !== this.target.host) return;
    const socket = this.socket!;
    this.impair('down', message, () =>
      socket.send(message, client.port, client.address, (error) => error && this.counters.down.sendFailed()),
    );
  }

  /** Runs one packet through a direction's link, then sends it when and if the link delivers it. */
  private impair(direction: RelayDirection, message: Buffer, send: () => void): void {
    const link = this.links[direction];
    const counters = this.counters[direction];
    const arrivedMs = realSchedulerClock.now();
    counters.received(message.length);
    const verdict = link.admit(arrivedMs, message.length);
    if (verdict.drop) {
      counters.droppedFor(verdict.drop);
      return;
    }
    counters.accepted();
    this.scheduler.at(verdict.deliverAtMs, () => {
      const nowMs = realSchedulerClock.now();
      if (link.isDown(nowMs)) {
        counters.abandoned('outage');
        return;
      }
      counters.forwarded(message.length, nowMs - arrivedMs, verdict.queueDelayMs);
      send();
    });
  }

  /** The client's upstream socket, made on its first packet; null beyond maxClients. */
  private clientFor(rinfo: dgram.RemoteInfo): Client | null {
    const key = `${rinfo.address}|${rinfo.port}`;
    const known = this.clientsByKey.get(key);
    if (known) return known;
    if (this.clientsByKey.size >= (this.options.maxClients ?? 64)) return null;
    const ipv6 = this.target.host.includes(':');
    const upstream = dgram.createSocket(ipv6 ? 'udp6' : 'udp4');
    const client: Client = { address: rinfo.address, port: rinfo.port, upstream };
    upstream.on('error', () => this.counters.up.sendFailed());
    upstream.on('message', (message, from) => this.fromTarget(client, message, from));
    // Sends made before the bind completes are queued by dgram.
    const bindHost = isLoopback(this.target.host) ? (ipv6 ? '::1' : '127.0.0.1') : ipv6 ? '::' : '0.0.0.0';
    upstream.bind({ address: bindHost, port: 0 }, () => enlargeBuffers(upstream, this.options.socketBufferBytes));
    this.clientsByKey.set(key, client);
    return client;
  }
}

/** Asks for bigger kernel buffers; the kernel caps them at its maximum, and a refusal leaves the defaults. */
function enlargeBuffers(socket: dgram.Socket, bytes = 1024 * 1024): void {
  try {
    socket.setRecvBufferSize(bytes);
    socket.setSendBufferSize(bytes);
  } catch {
    // Closed before the bind finished, or the system refused: the defaults still work, with more drops in bursts.
  }
}

/** The socket's local port, or 0 while it is still binding. */
function boundPort(socket: dgram.Socket): number {
  try {
    return socket.address().port;
  } catch {
    return 0;
  }
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed, or never bound
    }
  });
}
