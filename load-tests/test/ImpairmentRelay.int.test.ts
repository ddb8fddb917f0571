import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { jest } from '@jest/globals';
import { ImpairmentRelay, ImpairmentTcpProxy } from '../src/impairment/index.js';
import type { ImpairmentRelayOptions, ImpairmentTcpProxyOptions } from '../src/impairment/index.js';
import { percentile } from '../src/stats.js';

jest.setTimeout(15_000);

/*
 * The relay with real UDP sockets on loopback: a client sends a paced, numbered
 * stream through it to an echo target and back, and measures what came through.
 * Packet layout: u32 sequence, u8 client tag, f64 send time (performance.now()).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function bound(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
  return socket;
}

function closeAll(sockets: dgram.Socket[]): Promise<void> {
  return Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
}

/** Echoes every datagram to its sender, recording what arrived and from where. */
class EchoTarget {
  readonly arrivals: { seq: number; tag: number; bytes: number; atMs: number; fromPort: number }[] = [];
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (message, rinfo) => {
      this.arrivals.push({ seq: message.readUInt32BE(0), tag: message.readUInt8(4), bytes: message.length, atMs: performance.now(), fromPort: rinfo.port });
      socket.send(message, rinfo.port, rinfo.address);
    });
  }
  static async start(): Promise<EchoTarget> {
    return new EchoTarget(await bound());
  }
  get port(): number {
    return this.socket.address().port;
  }
  clear(): void {
    this.arrivals.length = 0;
  }
}

/** Sends numbered packets to the relay and collects the echoes with their round-trip times. */
class StreamClient {
  readonly echoes: { seq: number; tag: number; rttMs: number; sentAtMs: number }[] = [];
  readonly sentAtMs: number[] = [];
  private constructor(
    readonly socket: dgram.Socket,
    readonly tag: number,
  ) {
    socket.on('message', (message) => {
      const sentAtMs = message.readDoubleBE(5);
      this.echoes.push({ seq: message.readUInt32BE(0), tag: message.readUInt8(4), rttMs: performance.now() - sentAtMs, sentAtMs });
    });
  }
  static async start(tag = 0): Promise<StreamClient> {
    return new StreamClient(await bound(), tag);
  }
  clear(): void {
    this.echoes.length = 0;
    this.sentAtMs.length = 0;
  }
  /** `count` packets of `size` bytes, `batch` at a time every `intervalMs`. */
  async send(port: number, { count, size = 200, intervalMs = 5, batch = 1 }: { count: number; size?: number; intervalMs?: number; batch?: number }): Promise<void> {
    for (let seq = 0; seq < count; ) {
      for (let i = 0; i < batch && seq < count; i++, seq++) {
        const packet = Buffer.alloc(size);
        packet.writeUInt32BE(seq, 0);
        packet.writeUInt8(this.tag, 4);
        const now = performance.now();
        packet.writeDoubleBE(now, 5);
        this.sentAtMs[seq] = now;
        this.socket.send(packet, port, '127.0.0.1');
      }
      await sleep(intervalMs);
    }
  }
  /** Waits until no echo has come for `quietMs`. */
  async settle(quietMs = 150): Promise<void> {
    for (let seen = -1; seen !== this.echoes.length; ) {
      seen = this.echoes.length;
      await sleep(quietMs);
    }
  }
}

const median = (xs: number[]) => percentile(xs, 50);

describe('ImpairmentRelay on loopback', () => {
  let echo: EchoTarget;
  let client: StreamClient;
  const relays: ImpairmentRelay[] = [];
  const sockets: dgram.Socket[] = [];

  async function startRelay(options: Partial<ImpairmentRelayOptions> = {}): Promise<ImpairmentRelay> {
    const relay = new ImpairmentRelay({ target: `127.0.0.1:${echo.port}`, ...options });
    relays.push(relay);
    await relay.start();
    return relay;
  }

  beforeEach(async () => {
    echo = await EchoTarget.start();
    client = await StreamClient.start();
    sockets.push(echo.socket, client.socket);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.close()));
    await closeAll(sockets.splice(0));
  });

  it('loses the configured share in each direction independently', async () => {
    const relay = await startRelay({ up: { loss: 0.1 }, seed: 7 });
    await client.send(relay.port, { count: 3000, batch: 30, intervalMs: 3 });
    await client.settle();
    const upLoss = 1 - echo.arrivals.length / 3000;
    expect(upLoss).toBeGreaterThan(0.08);
    expect(upLoss).toBeLessThan(0.12);
    expect(client.echoes).toHaveLength(echo.arrivals.length); // the way back is clean
    const up = relay.stats().up;
    expect(up.packetsIn).toBe(3000);
    expect(up.dropped.loss).toBe(3000 - echo.arrivals.length);
    expect(up.packetsForwarded).toBe(echo.arrivals.length);
    expect(relay.stats().down.dropped.loss).toBe(0);

    // Swap: the target now gets everything, the client loses a tenth of the echoes.
    relay.set({ down: { loss: 0.1 }, up: {} });
    relay.resetStats();
    echo.clear();
    client.clear();
    await client.send(relay.port, { count: 3000, batch: 30, intervalMs: 3 });
    await client.settle();
    expect(echo.arrivals).toHaveLength(3000);
    const downLoss = 1 - client.echoes.length / 3000;
    expect(downLoss).toBeGreaterThan(0.08);
    expect(downLoss).toBeLessThan(0.12);
    expect(relay.stats().down.dropped.loss).toBe(3000 - client.echoes.length);
    expect(relay.stats().up.dropped.loss).toBe(0);
  });

  it('makes bursty loss bursty', async () => {
    const relay = await startRelay({ up: { burstLoss: { meanLoss: 0.1, meanBurstLength: 4 } }, seed: 3 });
    await client.send(relay.port, { count: 3000, batch: 30, intervalMs: 3 });
    await client.settle();
    const got = new Set(echo.arrivals.map((a) => a.seq));
    let lost = 0;
    let bursts = 0;
    for (let seq = 0; seq < 3000; seq++) {
      if (!got.has(seq)) {
        lost++;
        if (seq === 0 || got.has(seq - 1)) bursts++;
      }
    }
    expect(lost / 3000).toBeGreaterThan(0.06);
    expect(lost / 3000).toBeLessThan(0.14);
    // Independent loss at 10% would give runs of 1.1 on average.
    expect(lost / bursts).toBeGreaterThan(2.5);
  });

  it('adds the configured delay per direction, with jitter in bounds and order kept', async () => {
    const relay = await startRelay();
    await client.send(relay.port, { count: 50, intervalMs: 4 });
    await client.settle(50);
    const baseline = median(client.echoes.map((e) => e.rttMs));

    relay.set({ up: { delayMs: 40 }, down: { delayMs: 20 } });
    client.clear();
    await client.send(relay.port, { count: 100, intervalMs: 4 });
    await client.settle();
    const added = client.echoes.map((e) => e.rttMs - baseline);
    expect(client.echoes).toHaveLength(100);
    // Bounds allow for timers firing late on a busy machine; never more than 0.5 ms early per hop.
    expect(median(added)).toBeGreaterThan(59);
    expect(median(added)).toBeLessThan(65);
    expect(Math.min(...added)).toBeGreaterThan(58.5);
    expect(relay.stats().up.delayMs.p50).toBeGreaterThan(39.5);
    expect(relay.stats().up.delayMs.p50).toBeLessThan(43);
    expect(relay.stats().down.delayMs.p50).toBeGreaterThan(19.5);
    expect(relay.stats().down.delayMs.p50).toBeLessThan(23);

    // Down keeps its 20 ms: the round trip adds 20 + 40 ± 15.
    relay.set({ up: { delayMs: 40, jitterMs: 15 } });
    client.clear();
    await client.send(relay.port, { count: 200, intervalMs: 2 });
    await client.settle();
    const jittered = client.echoes.map((e) => e.rttMs - baseline);
    expect(client.echoes).toHaveLength(200);
    expect(Math.min(...jittered)).toBeGreaterThan(44.5);
    expect(percentile(jittered, 90)).toBeLessThan(77);
    // Order kept at 2 ms spacing bunches packets towards the late end, so the spread is under the full 30 ms; without jitter it is ~1–3 ms.
    expect(Math.max(...jittered) - Math.min(...jittered)).toBeGreaterThan(12);
    const seqs = client.echoes.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    relay.set({ up: { delayMs: 40, jitterMs: 15, keepOrder: false } });
    client.clear();
    await client.send(relay.port, { count: 200, intervalMs: 2 });
    await client.settle();
    const reordered = client.echoes.filter((e, i) => i > 0 && e.seq < client.echoes[i - 1]!.seq).length;
    expect(reordered).toBeGreaterThan(10);
  });

  it('caps throughput at the rate under overload, dropping at the full queue', async () => {
    // 800 kbit/s = 100 kB/s with a 10 kB queue (100 ms); offered: 1000-byte packets at about 200 kB/s.
    const relay = await startRelay({ up: { rateKbps: 800, queueBytes: 10_000 } });
    await client.send(relay.port, { count: 300, size: 1000, batch: 2, intervalMs: 10 });
    await client.settle();
    const sendSpanMs = client.sentAtMs.at(-1)! - client.sentAtMs[0]!;
    const offeredBytesPerMs = (300 * 1000) / sendSpanMs;
    expect(offeredBytesPerMs).toBeGreaterThan(150); // really an overload

    // Steady state: from the 20th arrival on, the link never idles.
    const arrivals = echo.arrivals.slice(20);
    const spanMs = arrivals.at(-1)!.atMs - arrivals[0]!.atMs;
    const throughput = (arrivals.length - 1) * 1000 / spanMs; // bytes per ms
    expect(throughput).toBeGreaterThan(95);
    expect(throughput).toBeLessThan(102);

    const { up } = relay.stats();
    expect(up.dropped.queue).toBeGreaterThan(60);
    expect(up.dropped.queue + up.packetsForwarded).toBe(300);
    expect(echo.arrivals).toHaveLength(up.packetsForwarded);
    // A full 10 kB queue at 100 bytes/ms holds a packet for about 100 ms.
    expect(up.delayMs.max).toBeGreaterThan(90);
    expect(up.delayMs.max).toBeLessThan(115);
    expect(up.delayMs.meanQueueDelay).toBeGreaterThan(50);
  });

  it('drops everything during an outage and carries traffic again after it', async () => {
    const relay = await startRelay();
    let outageAt = 0;
    const sending = client.send(relay.port, { count: 180, intervalMs: 5 });
    await sleep(250);
    outageAt = performance.now();
    relay.outage(300);
    await sending;
    await client.settle();
    const got = new Set(client.echoes.map((e) => e.seq));
    const during = client.sentAtMs.map((t, seq) => ({ t: t - outageAt, seq }));
    // Margins for packets still unread in the socket when the outage began, or sent as it ended.
    const before = during.filter((p) => p.t < -10);
    const inside = during.filter((p) => p.t > 2 && p.t < 298);
    const after = during.filter((p) => p.t > 302);
    expect(before.length).toBeGreaterThan(20);
    expect(inside.length).toBeGreaterThan(40);
    expect(after.length).toBeGreaterThan(20);
    expect(before.filter((p) => !got.has(p.seq))).toEqual([]);
    expect(inside.filter((p) => got.has(p.seq))).toEqual([]);
    expect(after.filter((p) => !got.has(p.seq))).toEqual([]);
    expect(relay.stats().up.dropped.outage).toBeGreaterThanOrEqual(inside.length);
    expect(relay.stats().up.dropped.outage).toBeLessThanOrEqual(inside.length + 4);
  });

  it('loses the packets in flight when an outage starts', async () => {
    const relay = await startRelay({ up: { delayMs: 100 } });
    await client.send(relay.port, { count: 10, intervalMs: 2 });
    relay.outage(150, 'up');
    await client.settle(300);
    expect(echo.arrivals).toHaveLength(0);
    expect(relay.stats().up).toMatchObject({ packetsIn: 10, packetsForwarded: 0, inFlight: 0, dropped: { outage: 10 } });
  });

  it('takes an outage of one direction without touching the other', async () => {
    const relay = await startRelay();
    const outageAt = performance.now() + 100;
    relay.scheduleOutage(100, 200, 'down');
    await client.send(relay.port, { count: 100, intervalMs: 5 });
    await client.settle();
    expect(echo.arrivals).toHaveLength(100);
    const { up, down } = relay.stats();
    expect(up.dropped.outage).toBe(0);
    expect(client.echoes).toHaveLength(100 - down.dropped.outage);
    const got = new Set(client.echoes.map((e) => e.seq));
    const sent = client.sentAtMs.map((t, seq) => ({ t: t - outageAt, seq }));
    const inside = sent.filter((p) => p.t > 5 && p.t < 195);
    expect(inside.length).toBeGreaterThan(10);
    expect(inside.filter((p) => got.has(p.seq))).toEqual([]);
    expect(sent.filter((p) => (p.t < -5 || p.t > 205) && !got.has(p.seq))).toEqual([]);
  });

  it('keeps several clients apart, each with its own upstream socket', async () => {
    const relay = await startRelay({ down: { delayMs: 10, jitterMs: 5 } });
    const others = await Promise.all([StreamClient.start(1), StreamClient.start(2)]);
    sockets.push(...others.map((c) => c.socket));
    const tagged = [client, ...others];
    await Promise.all(tagged.map((c) => c.send(relay.port, { count: 100, intervalMs: 2, batch: 2 })));
    await Promise.all(tagged.map((c) => c.settle()));
    for (const c of tagged) {
      expect(c.echoes).toHaveLength(100);
      expect(new Set(c.echoes.map((e) => e.tag))).toEqual(new Set([c.tag]));
    }
    const upstreamPorts = new Set(echo.arrivals.map((a) => a.fromPort));
    expect(upstreamPorts.size).toBe(3);
    // Each tag came from exactly one upstream port.
    for (const tag of [0, 1, 2]) expect(new Set(echo.arrivals.filter((a) => a.tag === tag).map((a) => a.fromPort)).size).toBe(1);
    expect(relay.stats().clients).toBe(3);
    expect(new Set(relay.clients().map((c) => c.upstreamPort))).toEqual(upstreamPorts);
  });

  it('drops clients beyond the limit', async () => {
    const relay = await startRelay({ maxClients: 1 });
    const other = await StreamClient.start(1);
    sockets.push(other.socket);
    await client.send(relay.port, { count: 5 });
    await other.send(relay.port, { count: 5 });
    await client.settle(50);
    expect(client.echoes).toHaveLength(5);
    expect(other.echoes).toHaveLength(0);
    expect(relay.stats().up.dropped.clients).toBe(5);
  });

  it('refuses targets that are not loopback or an allowed namespace address', () => {
    expect(() => new ImpairmentRelay({ target: '10.0.0.1:3478' })).toThrow(/allowNamespaceTargets/);
    expect(() => new ImpairmentRelay({ target: '192.168.1.10:3478' })).toThrow(/allowNamespaceTargets/);
    expect(() => new ImpairmentRelay({ target: '8.8.8.8:53', allowNamespaceTargets: ['8.8.8.8'] })).toThrow(/refused/);
    expect(() => new ImpairmentRelay({ target: 'turn.example.com:3478' })).toThrow(/not an IP address/);
    expect(() => new ImpairmentRelay({ target: `127.0.0.1:${echo.port}`, listenHost: '0.0.0.0' })).toThrow(/refused/);
    // A namespace the test made itself may be named; constructing opens no socket.
    expect(new ImpairmentRelay({ target: '10.200.1.2:3478', allowNamespaceTargets: ['10.200.1.2'] }).target).toEqual({ host: '10.200.1.2', port: 3478 });
  });

  it('releases its sockets on close and delivers nothing more', async () => {
    const relay = await startRelay();
    await client.send(relay.port, { count: 3 });
    await client.settle(50);
    const port = relay.port;
    const upstreamPort = relay.clients()[0]!.upstreamPort;
    relay.set({ up: { delayMs: 100 } });
    await client.send(relay.port, { count: 5, intervalMs: 1 });
    expect(relay.stats().up.inFlight).toBe(5);
    echo.clear();
    await relay.close();
    expect(relay.closed).toBe(true);
    await sleep(150);
    expect(echo.arrivals).toHaveLength(0);
    // Both the listening and the upstream port are free again.
    const rebound = await Promise.all(
      [port, upstreamPort].map(
        (p) =>
          new Promise<dgram.Socket>((resolve, reject) => {
            const socket = dgram.createSocket('udp4');
            socket.once('error', reject);
            socket.bind({ address: '127.0.0.1', port: p }, () => resolve(socket));
          }),
      ),
    );
    sockets.push(...rebound);
    await expect(relay.start()).rejects.toThrow(/closed/);
    await relay.close();
  });

  it('fails to start on a port in use, and is closed after', async () => {
    const taken = await bound();
    sockets.push(taken);
    const relay = new ImpairmentRelay({ target: `127.0.0.1:${echo.port}`, listenPort: taken.address().port });
    await expect(relay.start()).rejects.toThrow(/EADDRINUSE/);
    expect(relay.closed).toBe(true);
  });
});

/** Echoes every byte back, recording when bytes arrived. */
class TcpEcho {
  readonly arrivals: { atMs: number; bytes: number }[] = [];
  readonly connections = new Set<net.Socket>();
  private constructor(readonly server: net.Server) {
    server.on('connection', (socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        this.arrivals.push({ atMs: performance.now(), bytes: chunk.length });
        socket.write(chunk);
      });
    });
  }
  static async start(): Promise<TcpEcho> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    return new TcpEcho(server);
  }
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }
  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Resolves with everything read once `bytes` have come. */
function readBytes(socket: net.Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= bytes) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
  });
}

describe('ImpairmentTcpProxy on loopback', () => {
  let echo: TcpEcho;
  const proxies: ImpairmentTcpProxy[] = [];
  const sockets: net.Socket[] = [];

  async function startProxy(options: Partial<ImpairmentTcpProxyOptions> = {}): Promise<ImpairmentTcpProxy> {
    const proxy = new ImpairmentTcpProxy({ target: `127.0.0.1:${echo.port}`, ...options });
    proxies.push(proxy);
    await proxy.start();
    return proxy;
  }
  async function client(proxy: ImpairmentTcpProxy): Promise<net.Socket> {
    const socket = await connect(proxy.port);
    sockets.push(socket);
    return socket;
  }

  beforeEach(async () => {
    echo = await TcpEcho.start();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await echo.close();
  });

  it('adds the configured delay per direction', async () => {
    const proxy = await startProxy({ up: { delayMs: 30 }, down: { delayMs: 20 } });
    const socket = await client(proxy);
    const rtts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const reply = readBytes(socket, 4);
      socket.write('ping');
      expect((await reply).toString()).toBe('ping');
      rtts.push(performance.now() - started);
    }
    expect(median(rtts)).toBeGreaterThan(49);
    expect(median(rtts)).toBeLessThan(58); // timers fire late on a busy machine
    expect(proxy.stats()).toMatchObject({ open: 1, accepted: 1, up: { bytesIn: 40, bytesForwarded: 40 }, down: { bytesIn: 40, bytesForwarded: 40 } });
  });

  it('caps throughput at the rate and delivers the bytes intact and in order', async () => {
    const proxy = await startProxy({ up: { rateKbps: 1600, jitterMs: 5, delayMs: 5 } }); // 200 bytes/ms
    const socket = await client(proxy);
    const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251));
    const reply = readBytes(socket, payload.length);
    socket.write(payload);
    const echoed = await reply;
    expect(createHash('sha1').update(echoed).digest('hex')).toBe(createHash('sha1').update(payload).digest('hex'));
    const spanMs = echo.arrivals.at(-1)!.atMs - echo.arrivals[0]!.atMs;
    // 100 kB at 200 bytes/ms: 500 ms, less the first chunk's share.
    const throughput = (payload.length - echo.arrivals[0]!.bytes) / spanMs;
    expect(throughput).toBeGreaterThan(185);
    expect(throughput).toBeLessThan(205);
  });

  it('holds data through an outage, then delivers it all', async () => {
    const proxy = await startProxy();
    const socket = await client(proxy);
    const reply = readBytes(socket, 60 * 100);
    let outageAt = 0;
    for (let i = 0; i < 60; i++) {
      if (i === 20) {
        outageAt = performance.now();
        proxy.outage(200, 'up');
      }
      socket.write(Buffer.alloc(100, i));
      await sleep(5);
    }
    const echoed = await reply;
    expect(echoed.length).toBe(6000);
    for (let i = 0; i < 60; i++) expect(echoed[i * 100]).toBe(i);
    const during = echo.arrivals.filter((a) => a.atMs > outageAt + 2 && a.atMs < outageAt + 198);
    expect(during).toEqual([]);
    const after = echo.arrivals.filter((a) => a.atMs >= outageAt + 198);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!.atMs - outageAt).toBeLessThan(215);
  });

  it('refuses non-loopback targets and frees its port and connections on close', async () => {
    expect(() => new ImpairmentTcpProxy({ target: '10.0.0.1:3478' })).toThrow(/allowNamespaceTargets/);
    expect(() => new ImpairmentTcpProxy({ target: '1.1.1.1:443', allowNamespaceTargets: ['1.1.1.1'] })).toThrow(/refused/);
    const proxy = await startProxy({ up: { delayMs: 100 } });
    const socket = await client(proxy);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume(); // read whatever comes, so the end of the stream is seen
    socket.write('held');
    await sleep(20);
    const port = proxy.port;
    await proxy.close();
    expect(proxy.closed).toBe(true);
    await closed; // the client's connection was torn down
    await sleep(120);
    expect(echo.arrivals).toEqual([]); // data held at close never went out
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: '127.0.0.1', port }, resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
