import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { Server as SocketServer } from 'socket.io';
import type { Socket } from 'socket.io';
import { NOTIFICATION_EVENT, REQUEST_EVENT } from '@classbridge/protocol';
import { mediaCodecs } from '@classbridge/sfu';

export interface RawServerOptions {
  host: string;
  port: number;
  /** First WebRTC port; worker i listens on rtcPort + i (as ClassBridge's SFU does). */
  rtcPort: number;
  workers: number;
  initialAvailableOutgoingBitrate?: number;
  /** Media sockets' kernel buffers, as ClassBridge's SFU sets them (RTC_SOCKET_BUFFER_BYTES). */
  socketBufferBytes: number;
}

interface WorkerSlot {
  worker: types.Worker;
  server: types.WebRtcServer;
  routers: number;
}

interface RawRoom {
  router: types.Router;
  slot: WorkerSlot;
  producers: Map<string, { producer: types.Producer; participantId: string; source: string }>;
  sockets: Set<Socket>;
}

interface RawPeer {
  room: RawRoom;
  participantId: string;
  rtpCapabilities: types.RtpCapabilities;
  transports: Map<string, types.WebRtcTransport>;
  recvTransport: types.WebRtcTransport | null;
  consumers: Map<string, types.Consumer>;
}

/**
 * The load tester's yardstick: bare mediasoup behind the same request envelope as
 * ClassBridge (join, transports, produce, consume, resume, layers), with nothing
 * else on the media path: no rooms' observers, no taps, no floor, no auth. The
 * token is `lessonId:participantId`. Loopback only: it trusts whoever connects.
 */
export class RawMediasoupServer {
  readonly #workers: WorkerSlot[] = [];
  readonly #rooms = new Map<string, Promise<RawRoom>>();
  #http: http.Server | null = null;
  #io: SocketServer | null = null;
  #closed = false;
  url = '';

  static async start(options: RawServerOptions): Promise<RawMediasoupServer> {
    if (!['127.0.0.1', '::1', 'localhost'].includes(options.host)) throw new Error('the raw mediasoup server listens on loopback only');
    const server = new RawMediasoupServer(options);
    await server.#start();
    return server;
  }

  private constructor(readonly options: RawServerOptions) {}

  get workerPids(): number[] {
    return this.#workers.map(({ worker }) => worker.pid);
  }

  /** mediasoup objects alive now: zero everywhere after everyone left. */
  async stats(): Promise<Record<string, number>> {
    let transports = 0;
    let producers = 0;
    let consumers = 0;
    for (const pending of this.#rooms.values()) {
      const room = await pending;
      const dump = (await room.router.dump()) as unknown as { transportIds: string[]; mapProducerIdConsumerIds: Array<{ key: string; values: string[] }> };
      transports += dump.transportIds.length;
      producers += dump.mapProducerIdConsumerIds.length;
      for (const entry of dump.mapProducerIdConsumerIds) consumers += entry.values.length;
    }
    return { workers: this.#workers.length, rooms: this.#rooms.size, transports, producers, consumers };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#io?.close();
    await new Promise((resolve) => this.#http?.close(resolve) ?? resolve(undefined));
    for (const { worker } of this.#workers) worker.close();
  }

  async #start(): Promise<void> {
    const { host, rtcPort, workers } = this.options;
    for (let index = 0; index < workers; index++) {
      const worker = await mediasoup.createWorker({ logLevel: 'warn' });
      const buffers = this.options.socketBufferBytes > 0 ? { sendBufferSize: this.options.socketBufferBytes, recvBufferSize: this.options.socketBufferBytes } : {};
      const listen = { ip: host, port: rtcPort + index, ...buffers };
      const server = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ...listen }, { protocol: 'tcp', ...listen }] });
      this.#workers.push({ worker, server, routers: 0 });
    }
    this.#http = http.createServer((req, res) => {
      if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (req.url === '/stats') {
        void this.stats().then((stats) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...stats, workerPids: this.workerPids })));
        return;
      }
      res.writeHead(404).end();
    });
    this.#io = new SocketServer(this.#http, { transports: ['websocket'] });
    this.#io.on('connection', (socket) => this.#onConnection(socket));
    await new Promise<void>((resolve) => this.#http!.listen(this.options.port, host, resolve));
    this.url = `http://${host}:${(this.#http.address() as AddressInfo).port}`;
  }

  #room(lessonId: string): Promise<RawRoom> {
    let room = this.#rooms.get(lessonId);
    if (!room) {
      // The least loaded worker, as ClassBridge's pool picks.
      const slot = this.#workers.reduce((best, candidate) => (candidate.routers < best.routers ? candidate : best));
      slot.routers++;
      room = slot.worker.createRouter({ mediaCodecs }).then((router) => ({ router, slot, producers: new Map(), sockets: new Set() }));
      this.#rooms.set(lessonId, room);
    }
    return room;
  }

  #onConnection(socket: Socket): void {
    const token = String((socket.handshake.auth as { token?: unknown }).token ?? '');
    const [lessonId, participantId] = token.split(':');
    if (!lessonId || !participantId) return void socket.disconnect(true);
    let peer: RawPeer | null = null;
    const handlers: Record<string, (data: any) => Promise<unknown>> = {
      getRouterRtpCapabilities: async () => ({ rtpCapabilities: (await this.#room(lessonId)).router.rtpCapabilities }),
      join: async ({ rtpCapabilities }) => {
        const room = await this.#room(lessonId);
        peer = { room, participantId, rtpCapabilities, transports: new Map(), recvTransport: null, consumers: new Map() };
        room.sockets.add(socket);
        return { producers: [...room.producers.entries()].map(([producerId, p]) => ({ producerId, participantId: p.participantId, kind: p.producer.kind, source: p.source, paused: false })) };
      },
      createTransport: async ({ direction }) => {
        const current = must(peer);
        const transport = await current.room.router.createWebRtcTransport({
          webRtcServer: current.room.slot.server,
          enableUdp: true,
          enableTcp: true,
          preferUdp: true,
          initialAvailableOutgoingBitrate: this.options.initialAvailableOutgoingBitrate ?? 600_000,
        });
        current.transports.set(transport.id, transport);
        if (direction === 'recv') current.recvTransport = transport;
        return { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
      },
      connectTransport: async ({ transportId, dtlsParameters }) => {
        await mustTransport(peer, transportId).connect({ dtlsParameters });
        return {};
      },
      produce: async ({ transportId, kind, rtpParameters, source }) => {
        const current = must(peer);
        const producer = await mustTransport(peer, transportId).produce({ kind, rtpParameters });
        current.room.producers.set(producer.id, { producer, participantId, source });
        producer.observer.on('close', () => current.room.producers.delete(producer.id));
        const info = { producerId: producer.id, participantId, kind, source, paused: false };
        for (const other of current.room.sockets) if (other !== socket) other.emit(NOTIFICATION_EVENT, { method: 'producerAdded', data: info });
        return { producerId: producer.id, pausedReason: null };
      },
      consume: async ({ producerId }) => {
        const current = must(peer);
        const recv = current.recvTransport;
        const entry = current.room.producers.get(producerId);
        if (!recv || !entry) throw new Error('NOT_FOUND');
        const consumer = await recv.consume({ producerId, rtpCapabilities: current.rtpCapabilities, paused: true });
        current.consumers.set(consumer.id, consumer);
        consumer.observer.on('close', () => current.consumers.delete(consumer.id));
        return { consumerId: consumer.id, producerId, participantId: entry.participantId, source: entry.source, kind: consumer.kind, rtpParameters: consumer.rtpParameters, producerPaused: false };
      },
      resumeConsumer: async ({ consumerId }) => {
        await must(peer).consumers.get(consumerId)?.resume();
        return {};
      },
      setConsumerPreferredLayers: async ({ consumerId, spatialLayer }) => {
        await must(peer).consumers.get(consumerId)?.setPreferredLayers({ spatialLayer });
        return {};
      },
      grantFloor: async () => ({}),
      leave: async () => {
        closePeer();
        return {};
      },
    };
    const closePeer = () => {
      if (!peer) return;
      for (const transport of peer.transports.values()) transport.close();
      peer.room.sockets.delete(socket);
      peer = null;
    };
    socket.on(REQUEST_EVENT, (request: { method?: unknown; data?: unknown }, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const handler = typeof request?.method === 'string' ? handlers[request.method] : undefined;
      if (!handler) return void ack({ ok: false, error: { code: 'UNKNOWN_METHOD', message: String(request?.method) } });
      handler(request.data ?? {}).then(
        (data) => ack({ ok: true, data }),
        (error: Error) => ack({ ok: false, error: { code: 'RAW_SERVER_ERROR', message: error.message } }),
      );
    });
    socket.on('disconnect', closePeer);
  }
}

function must(peer: RawPeer | null): RawPeer {
  if (!peer) throw new Error('NOT_JOINED');
  return peer;
}

function mustTransport(peer: RawPeer | null, transportId: string): types.WebRtcTransport {
  const transport = must(peer).transports.get(transportId);
  if (!transport) throw new Error('no such transport');
  return transport;
}
