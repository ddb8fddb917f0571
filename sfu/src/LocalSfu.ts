import type { types } from 'mediasoup';
import { subscribeRoom, type RoomEvent } from './roomEvents.js';
import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { TransportOptions, WireDtlsParameters, WireRtpCapabilities, WireRtpParameters } from '@classbridge/protocol';
import { TypedEmitter } from './TypedEmitter.js';
import { WorkerPool } from './WorkerPool.js';
import type { PooledWorker } from './WorkerPool.js';
import { Room } from './Room.js';
import { RoomPipe } from './RoomPipe.js';
import { MediaTap } from './MediaTap.js';
import type { ProducerAppData, SfuPeer } from './SfuPeer.js';
import { mediaCodecs } from './config.js';
import type { SfuConfig } from './config.js';
import type {
  ConsumeRequest,
  ConsumeResult,
  ConsumerTraffic,
  PipeTraffic,
  MediaTapInfo,
  MediaTapRequest,
  PipeEndpoint,
  PipedProducer,
  ProduceRequest,
  ProducerSummary,
  SfuControl,
  SfuEvents,
  SfuStats,
} from './SfuControl.js';

/** How long room creation waits for a crashed worker's replacement. */
const REPLACEMENT_WAIT_MS = 5000;
/** A client needs one send and one recv transport; a few spare cover ICE trouble, more is abuse. */
const MAX_TRANSPORTS_PER_PEER = 4;

/** Shortest time between two keyframe requests to one video sender (PLI/FIR storms are throttled). */
const KEYFRAME_REQUEST_DELAY_MS = 250;

/**
 * The in-process SFU: a pool of mediasoup workers in this Node process.
 * The embedded default uses it directly; an SFU node in cluster mode serves it over Redis.
 */
export class LocalSfu extends TypedEmitter<SfuEvents> implements SfuControl {
  readonly #config: SfuConfig;
  readonly #logger: Logger;
  readonly #pool: WorkerPool;
  /** Rooms being created or live, keyed by room (lesson) id; a promise so concurrent joins share one router. */
  readonly #rooms = new Map<string, Promise<Room>>();
  /** Every router has the same capabilities (same codec list), so no room is needed to answer for one. */
  readonly #rtpCapabilities: WireRtpCapabilities;
  #closed = false;

  private constructor(config: SfuConfig, logger: Logger, pool: WorkerPool, rtpCapabilities: WireRtpCapabilities) {
    super();
    this.#config = config;
    this.#logger = logger;
    this.#pool = pool;
    this.#rtpCapabilities = rtpCapabilities;
    pool.on('died', ({ index, pid }) => this.emit('workerDied', { workerIndex: index, pid }));
  }

  static async start(config: SfuConfig, logger: Logger): Promise<LocalSfu> {
    const pool = await WorkerPool.start(config, logger);
    // A short-lived router tells the capabilities every room's router will have.
    const probe = await pool.leastLoaded().worker.createRouter({ mediaCodecs });
    const rtpCapabilities = probe.rtpCapabilities as WireRtpCapabilities;
    probe.close();
    return new LocalSfu(config, logger, pool, rtpCapabilities);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Worker PIDs, for diagnostics and the worker-death test. */
  workerPids(): number[] {
    return this.#pool.pids();
  }

  async getRouterRtpCapabilities(roomId: string): Promise<WireRtpCapabilities> {
    const room = await this.#rooms.get(roomId)?.catch(() => undefined);
    return room && !room.closed ? (room.router.rtpCapabilities as WireRtpCapabilities) : this.#rtpCapabilities;
  }

  async createTransport(roomId: string, peerId: string, direction: 'send' | 'recv'): Promise<TransportOptions> {
    const room = await this.#room(roomId);
    const peer = room.peer(peerId);
    if (peer.transports.size + peer.transportsInFlight >= MAX_TRANSPORTS_PER_PEER) {
      throw new ClassBridgeError(ErrorCode.Conflict, `at most ${MAX_TRANSPORTS_PER_PEER} transports per participant`);
    }
    peer.transportsInFlight++;
    let transport: types.WebRtcTransport;
    try {
      transport = await room.router.createWebRtcTransport({
        webRtcServer: room.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: this.#config.initialAvailableOutgoingBitrate,
        appData: { peerId, direction },
      });
    } finally {
      peer.transportsInFlight--;
    }
    if (peer.closed) {
      transport.close();
      throw new ClassBridgeError(ErrorCode.InvalidState, 'peer left while its transport was being created');
    }
    peer.transports.set(transport.id, transport);
    transport.observer.on('close', () => peer.transports.delete(transport.id));
    if (direction === 'recv' && this.#config.minOutgoingBitrate > 0) await transport.setMinOutgoingBitrate(this.#config.minOutgoingBitrate).catch(() => undefined);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: WireDtlsParameters): Promise<void> {
    const transport = (await this.#peer(roomId, peerId)).transport(transportId);
    await this.#mediaCall('connectTransport', () => transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
  }

  async restartIce(roomId: string, peerId: string, transportId: string): Promise<TransportOptions['iceParameters']> {
    const transport = (await this.#peer(roomId, peerId)).transport(transportId);
    return this.#whileOpen(transport, 'transport', () => transport.restartIce());
  }

  async requestKeyFrames(roomId: string, peerId: string, transportId: string): Promise<void> {
    const room = await this.#room(roomId);
    const peer = this.#existingPeer(room, peerId);
    const transport = peer.transport(transportId);
    const receiving = transport.appData['direction'] === 'recv';
    // A receive transport carries all of the peer's consumers; a sent video reaches the others
    // through their consumers of it, and asking any of them reaches its producer (mediasoup
    // merges requests for the same stream).
    const consumers = receiving
      ? [...peer.consumers.values()]
      : [...peer.producers.values()]
          .filter((producer) => producer.appData.transportId === transportId)
          .flatMap((producer) => [...room.peers.values()].flatMap((other) => [...other.consumers.values()].filter((consumer) => consumer.producerId === producer.id)));
    const video = consumers.filter((consumer) => consumer.kind === 'video' && !consumer.closed && !consumer.paused && !consumer.producerPaused);
    await Promise.all(video.map((consumer) => this.#whileOpen(consumer, 'consumer', () => consumer.requestKeyFrame()).catch(() => undefined)));
  }

  async produce(roomId: string, peerId: string, request: ProduceRequest): Promise<ProducerSummary> {
    const room = await this.#room(roomId);
    const peer = this.#existingPeer(room, peerId);
    const transport = peer.transport(request.transportId);
    if (transport.appData['direction'] !== 'send') throw new ClassBridgeError(ErrorCode.BadRequest, 'produce needs a send transport');
    const producer = await this.#mediaCall('produce', () =>
      transport.produce<ProducerAppData>({
        kind: request.kind,
        rtpParameters: request.rtpParameters as types.RtpParameters,
        paused: request.paused,
        // A throttle on keyframe requests: many receivers losing packets at once (a rural link
        // hiccup) ask for one keyframe per quarter second, not a storm of them.
        ...(request.kind === 'video' ? { keyFrameRequestDelay: KEYFRAME_REQUEST_DELAY_MS } : {}),
        appData: { peerId, source: request.source, transportId: transport.id },
      }),
    );
    // The transport may have closed while the worker created the producer (its participant left): mediasoup
    // then hands back a producer object that looks open but exists nowhere. Close it and say so.
    if (transport.closed || peer.closed) {
      producer.close();
      throw new ClassBridgeError(ErrorCode.NotFound, 'the transport closed while publishing (the participant left)');
    }
    peer.producers.set(producer.id, producer);
    producer.observer.on('close', () => peer.producers.delete(producer.id));
    // Closed by its transport, not by closeProducer(): signaling must tell the others.
    producer.on('transportclose', () => this.emit('producerClosed', { roomId, peerId, producerId: producer.id }));
    if (producer.kind === 'audio') await this.#whileOpen(producer, 'producer', () => room.observeAudio(producer));
    if (producer.closed) throw new ClassBridgeError(ErrorCode.NotFound, 'the producer closed while it was being created (its participant left)');
    return summarize(producer);
  }

  async setProducerPaused(roomId: string, peerId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = (await this.#peer(roomId, peerId)).producer(producerId);
    await this.#whileOpen(producer, 'producer', () => (paused ? producer.pause() : producer.resume()));
  }

  async setProducerPriority(roomId: string, producerId: string, priority: number): Promise<void> {
    const room = await this.#room(roomId);
    const producer = this.#findProducer(room, producerId);
    const bounded = Math.max(1, Math.min(255, Math.round(priority)));
    producer.appData.priority = bounded;
    const consumers = [...room.peers.values()].flatMap((peer) => [...peer.consumers.values()].filter((consumer) => consumer.producerId === producerId));
    await Promise.all(consumers.map((consumer) => this.#whileOpen(consumer, 'consumer', () => consumer.setPriority(bounded)).catch(() => undefined)));
  }

  async closeProducer(roomId: string, peerId: string, producerId: string): Promise<void> {
    (await this.#peer(roomId, peerId)).producer(producerId).close();
  }

  async listProducers(roomId: string): Promise<ProducerSummary[]> {
    const room = await this.#rooms.get(roomId);
    if (!room) return [];
    const local = [...room.peers.values()].flatMap((peer) => [...peer.producers.values()]);
    const piped = [...room.pipes.values()].flatMap((pipe) => [...pipe.incoming.values()]);
    return [...local, ...piped].map(summarize);
  }

  async consume(roomId: string, peerId: string, request: ConsumeRequest): Promise<ConsumeResult> {
    const room = await this.#room(roomId);
    const peer = room.peers.get(peerId);
    if (!peer) throw new ClassBridgeError(ErrorCode.InvalidState, 'create a recv transport before consuming');
    const rtpCapabilities = request.rtpCapabilities as types.RtpCapabilities;
    const producer = this.#findProducer(room, request.producerId);
    if (producer.appData.peerId === peerId) throw new ClassBridgeError(ErrorCode.BadRequest, 'cannot consume your own producer');
    const alreadyConsuming = peer.consumesInFlight.has(producer.id) || [...peer.consumers.values()].some((existing) => existing.producerId === producer.id);
    if (alreadyConsuming) throw new ClassBridgeError(ErrorCode.Conflict, 'you already consume this producer');
    if (!room.router.canConsume({ producerId: producer.id, rtpCapabilities })) {
      throw new ClassBridgeError(ErrorCode.InvalidMediaParameters, 'your RTP capabilities cannot receive this producer');
    }
    const transport = peer.recvTransport();
    peer.consumesInFlight.add(producer.id);
    let consumer: types.Consumer;
    try {
      // Start paused: the client resumes once its consumer is ready, so no keyframe is wasted.
      // enableRtx: mediasoup keeps sent packets for receivers' NACKs, by default for video only. For
      // audio too: a lost Opus packet on a rural downlink is resent (≤ 1 s old) before the
      // receiver's jitter buffer has to conceal it.
      consumer = await this.#mediaCall('consume', () => transport.consume({ producerId: producer.id, rtpCapabilities, paused: true, enableRtx: true, appData: { peerId } }));
    } finally {
      peer.consumesInFlight.delete(producer.id);
    }
    if (transport.closed || peer.closed) {
      consumer.close();
      throw new ClassBridgeError(ErrorCode.NotFound, 'the transport closed while consuming (the participant left)');
    }
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
    consumer.on('producerclose', () => this.emit('consumerClosed', { roomId, peerId, consumerId: consumer.id }));
    const priority = producer.appData.priority;
    if (priority !== undefined && priority !== 1) await this.#whileOpen(consumer, 'consumer', () => consumer.setPriority(priority));
    consumer.on('layerschange', (layers) =>
      this.emit('consumerLayersChanged', { roomId, peerId, consumerId: consumer.id, spatialLayer: layers?.spatialLayer ?? null, temporalLayer: layers?.temporalLayer ?? null }),
    );
    return {
      consumerId: consumer.id,
      producerId: producer.id,
      producerPeerId: producer.appData.peerId,
      source: producer.appData.source,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as WireRtpParameters,
      producerPaused: consumer.producerPaused,
    };
  }

  async setConsumerPaused(roomId: string, peerId: string, consumerId: string, paused: boolean): Promise<void> {
    const consumer = (await this.#peer(roomId, peerId)).consumer(consumerId);
    await this.#whileOpen(consumer, 'consumer', () => (paused ? consumer.pause() : consumer.resume()));
  }

  async setConsumerPreferredLayers(
    roomId: string,
    peerId: string,
    consumerId: string,
    layers: { spatialLayer: number; temporalLayer?: number },
  ): Promise<void> {
    const consumer = (await this.#peer(roomId, peerId)).consumer(consumerId);
    if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return;
    await this.#whileOpen(consumer, 'consumer', () => consumer.setPreferredLayers(layers));
  }

  async consumerTraffic(roomId: string, peerId: string): Promise<ConsumerTraffic[]> {
    const peer = await this.#peer(roomId, peerId);
    return Promise.all(
      [...peer.consumers.values()].map(async (consumer) => {
        const stats = await consumer.getStats();
        // The first entry is the outbound stream towards this peer.
        const outbound = stats.find((entry) => entry.type === 'outbound-rtp');
        return {
          consumerId: consumer.id,
          producerId: consumer.producerId,
          kind: consumer.kind,
          paused: consumer.paused,
          producerPaused: consumer.producerPaused,
          packetCount: outbound?.packetCount ?? 0,
          byteCount: outbound?.byteCount ?? 0,
        };
      }),
    );
  }

  async openRoom(roomId: string): Promise<{ nodeId: string }> {
    await this.#room(roomId);
    return { nodeId: this.#config.nodeId ?? 'local' };
  }

  onRoom(roomId: string, listener: (event: RoomEvent) => void): () => void {
    return subscribeRoom(this, roomId, listener);
  }

  async pipeTraffic(roomId: string): Promise<PipeTraffic[]> {
    const room = await this.#rooms.get(roomId)?.catch(() => undefined);
    if (!room) return [];
    return Promise.all(
      [...room.pipes.values()].filter((pipe) => !pipe.closed).map(async (pipe) => {
        const [stats] = await pipe.transport.getStats();
        return { pipeId: pipe.id, bytesSent: stats?.bytesSent ?? 0, bytesReceived: stats?.bytesReceived ?? 0, producersIn: pipe.incoming.size, consumersOut: pipe.outgoing.size };
      }),
    );
  }

  async openMediaTap(roomId: string, request: MediaTapRequest): Promise<MediaTapInfo> {
    const room = await this.#rooms.get(roomId)?.catch(() => undefined);
    if (!room || room.closed) throw new ClassBridgeError(ErrorCode.NotFound, `no media room for lesson ${roomId}`);
    const producer = this.#findProducer(room, request.producerId);
    const rtpCapabilities = request.rtpCapabilities as types.RtpCapabilities;
    if (!room.router.canConsume({ producerId: producer.id, rtpCapabilities })) {
      throw new ClassBridgeError(ErrorCode.InvalidMediaParameters, 'the receiver cannot depacketize this producer\'s codec');
    }
    const transport = await room.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: this.#config.tapListenIp },
      rtcpMux: true,
      comedia: false,
      appData: { tap: true },
    });
    let consumer: types.Consumer;
    try {
      await transport.connect({ ip: request.destination.ip, port: request.destination.port });
      // Paused until the best layer is chosen: the first layer forwarded is then the one kept, and its
      // RTP clock (the sender reports' reference for lip sync) never changes under the receiver.
      consumer = await this.#whileOpen(producer, 'producer', () => transport.consume({ producerId: producer.id, rtpCapabilities, paused: true }));
      // Record the best layer: mediasoup clamps the wish to what the producer actually sends.
      if (consumer.type === 'simulcast' || consumer.type === 'svc') await consumer.setPreferredLayers({ spatialLayer: 15, temporalLayer: 15 });
      await consumer.resume();
    } catch (error) {
      transport.close();
      throw error;
    }
    if (room.closed || producer.closed) {
      transport.close();
      throw new ClassBridgeError(ErrorCode.NotFound, 'the producer closed while its tap was being opened');
    }
    const tap = new MediaTap(transport, consumer, producer, producer.appData.peerId, producer.appData.source);
    room.taps.set(tap.id, tap);
    tap.on('senderReport', (report) => this.emit('mediaTapSenderReport', { roomId, tapId: tap.id, ...report }));
    tap.on('closed', ({ reason }) => {
      room.taps.delete(tap.id);
      this.emit('mediaTapClosed', { roomId, tapId: tap.id, producerId: tap.producerId, reason });
    });
    return {
      tapId: tap.id,
      producerId: tap.producerId,
      peerId: tap.peerId,
      kind: tap.kind,
      source: tap.source,
      rtpParameters: tap.rtpParameters,
      producerPaused: tap.producerPaused,
      origin: tap.origin ?? null,
    };
  }

  async requestTapKeyFrame(roomId: string, tapId: string): Promise<void> {
    const tap = await this.#tap(roomId, tapId);
    await this.#whileOpen(tap, 'media tap', () => tap.requestKeyFrame());
  }

  async closeMediaTap(roomId: string, tapId: string): Promise<void> {
    const room = await this.#rooms.get(roomId)?.catch(() => undefined);
    room?.taps.get(tapId)?.close();
  }

  async #tap(roomId: string, tapId: string): Promise<MediaTap> {
    const room = await this.#rooms.get(roomId)?.catch(() => undefined);
    const tap = room?.taps.get(tapId);
    if (!tap) throw new ClassBridgeError(ErrorCode.NotFound, `no media tap ${tapId} in lesson ${roomId}`);
    return tap;
  }

  async openPipe(roomId: string): Promise<PipeEndpoint> {
    const room = await this.#room(roomId);
    const transport = await room.router.createPipeTransport({
      listenInfo: { protocol: 'udp', ip: this.#config.pipeListenIp, ...(this.#config.pipeAnnouncedAddress ? { announcedAddress: this.#config.pipeAnnouncedAddress } : {}) },
      // Loss between nodes is repaired between nodes, not by every receiver.
      enableRtx: true,
    });
    if (room.closed) {
      transport.close();
      throw new ClassBridgeError(ErrorCode.NotFound, `the media room of lesson ${roomId} closed`);
    }
    const pipe = new RoomPipe(transport);
    room.pipes.set(pipe.id, pipe);
    transport.observer.on('close', () => room.pipes.delete(pipe.id));
    return { pipeId: pipe.id, ...pipe.endpoint };
  }

  async connectPipe(roomId: string, pipeId: string, remote: { ip: string; port: number }): Promise<void> {
    const pipe = await this.#pipe(roomId, pipeId);
    await this.#mediaCall('connectPipe', () => pipe.transport.connect({ ip: remote.ip, port: remote.port }));
  }

  async sendThroughPipe(roomId: string, pipeId: string, producerId: string): Promise<PipedProducer> {
    const pipe = await this.#pipe(roomId, pipeId);
    const producer = this.#findProducer(await this.#room(roomId), producerId);
    if (pipe.outgoing.has(producerId)) throw new ClassBridgeError(ErrorCode.Conflict, `producer ${producerId} goes through this pipe already`);
    const consumer = await this.#whileOpen(producer, 'producer', () => pipe.transport.consume({ producerId }));
    if (pipe.closed) {
      consumer.close();
      throw new ClassBridgeError(ErrorCode.NotFound, 'the pipe closed meanwhile');
    }
    pipe.outgoing.set(producerId, consumer);
    consumer.observer.on('close', () => pipe.outgoing.delete(producerId));
    return {
      producerId,
      peerId: producer.appData.peerId,
      source: producer.appData.source,
      kind: producer.kind,
      rtpParameters: consumer.rtpParameters as WireRtpParameters,
      paused: producer.paused,
    };
  }

  async receiveFromPipe(roomId: string, pipeId: string, piped: PipedProducer): Promise<ProducerSummary> {
    const room = await this.#room(roomId);
    const pipe = await this.#pipe(roomId, pipeId);
    if (pipe.incoming.has(piped.producerId)) throw new ClassBridgeError(ErrorCode.Conflict, `producer ${piped.producerId} came through this pipe already`);
    const producer = await this.#mediaCall('receiveFromPipe', () =>
      pipe.transport.produce<ProducerAppData>({
        id: piped.producerId,
        kind: piped.kind,
        rtpParameters: piped.rtpParameters as types.RtpParameters,
        paused: piped.paused,
        appData: { peerId: piped.peerId, source: piped.source, transportId: pipe.id },
      }),
    );
    if (pipe.closed) {
      producer.close();
      throw new ClassBridgeError(ErrorCode.NotFound, 'the pipe closed meanwhile');
    }
    pipe.incoming.set(producer.id, producer);
    producer.observer.on('close', () => pipe.incoming.delete(producer.id));
    // Speakers on the other node count here too.
    if (producer.kind === 'audio') await this.#whileOpen(producer, 'producer', () => room.observeAudio(producer));
    return summarize(producer);
  }

  async setPipedProducerPaused(roomId: string, pipeId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = (await this.#pipe(roomId, pipeId)).incoming.get(producerId);
    if (!producer) throw new ClassBridgeError(ErrorCode.NotFound, `no producer ${producerId} came through pipe ${pipeId}`);
    await this.#whileOpen(producer, 'producer', () => (paused ? producer.pause() : producer.resume()));
  }

  async closePipedProducer(roomId: string, pipeId: string, producerId: string): Promise<void> {
    const producer = (await this.#pipe(roomId, pipeId)).incoming.get(producerId);
    if (!producer) return; // gone already: closing is idempotent
    // Consumers of it here close with it; signaling hears of each (consumerClosed).
    producer.close();
  }

  async closePipe(roomId: string, pipeId: string): Promise<void> {
    (await this.#pipe(roomId, pipeId)).close();
  }

  async #pipe(roomId: string, pipeId: string): Promise<RoomPipe> {
    const room = await this.#rooms.get(roomId)?.catch(() => undefined);
    const pipe = room?.pipes.get(pipeId);
    if (!pipe || pipe.closed) throw new ClassBridgeError(ErrorCode.NotFound, `no pipe ${pipeId} in lesson ${roomId}`);
    return pipe;
  }

  async closePeer(roomId: string, peerId: string): Promise<void> {
    const room = await this.#rooms.get(roomId)?.catch(() => undefined);
    room?.closePeer(peerId);
  }

  async closeRoom(roomId: string): Promise<void> {
    const pending = this.#rooms.get(roomId);
    const room = await pending?.catch(() => undefined);
    room?.close();
    // Only the room asked for: a new one may have been opened for the same lesson meanwhile.
    if (this.#rooms.get(roomId) === pending) this.#rooms.delete(roomId);
  }

  async stats(): Promise<SfuStats> {
    const rooms = await Promise.all([...this.#rooms.values()].map((pending) => pending.catch(() => undefined)));
    const stats: SfuStats = { workers: this.#pool.size, workerRestarts: this.#pool.restarts, rooms: 0, peers: 0, transports: 0, producers: 0, consumers: 0, pipes: 0, workerCpuSeconds: await this.#pool.cpuSeconds() };
    for (const room of rooms) {
      if (!room || room.closed) continue;
      stats.rooms++;
      stats.peers += room.peers.size;
      stats.pipes += room.pipes.size;
      for (const peer of room.peers.values()) {
        stats.transports += peer.transports.size;
        stats.producers += peer.producers.size;
        stats.consumers += peer.consumers.size;
      }
    }
    return stats;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Rooms first, so they close as 'closed' rather than as victims of their workers closing.
    const rooms = await Promise.all([...this.#rooms.values()].map((pending) => pending.catch(() => undefined)));
    for (const room of rooms) room?.close();
    this.#rooms.clear();
    this.#pool.close();
    this.removeAllListeners();
  }

  #room(roomId: string): Promise<Room> {
    if (this.#closed) return Promise.reject(new ClassBridgeError(ErrorCode.MediaUnavailable, 'SFU is closed'));
    let pending = this.#rooms.get(roomId);
    if (!pending) {
      pending = this.#createRoom(roomId);
      this.#rooms.set(roomId, pending);
      pending.catch(() => this.#rooms.delete(roomId));
    }
    return pending;
  }

  async #createRoom(roomId: string): Promise<Room> {
    const slot = await this.#liveWorker();
    const room = await Room.create(roomId, slot.worker, slot.webRtcServer, mediaCodecs, this.#logger);
    room.on('closed', ({ reason }) => {
      this.#rooms.delete(roomId);
      this.emit('roomClosed', { roomId, reason });
    });
    room.on('activeSpeaker', ({ peerId }) => this.emit('activeSpeaker', { roomId, peerId }));
    room.on('audioLevels', ({ levels }) => this.emit('audioLevels', { roomId, levels }));
    this.#logger.info({ roomId, worker: slot.index }, 'room created');
    return room;
  }

  /** A live worker; right after a crash, waits briefly for its replacement instead of failing the lesson. */
  async #liveWorker(): Promise<PooledWorker> {
    if (this.#pool.size === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, REPLACEMENT_WAIT_MS);
        this.#pool.once('replaced', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    try {
      return this.#pool.leastLoaded();
    } catch {
      throw new ClassBridgeError(ErrorCode.MediaUnavailable, 'no media worker is available');
    }
  }

  async #peer(roomId: string, peerId: string): Promise<SfuPeer> {
    return this.#existingPeer(await this.#room(roomId), peerId);
  }

  #existingPeer(room: Room, peerId: string): SfuPeer {
    const peer = room.peers.get(peerId);
    if (!peer) throw new ClassBridgeError(ErrorCode.NotFound, 'you have no transports in this lesson');
    return peer;
  }

  /**
   * Runs a call on a media object that may close meanwhile (its peer left, its producer went away):
   * that race is answered NOT_FOUND, as if the request had come a moment later, never INTERNAL.
   */
  async #whileOpen<T>(target: { closed: boolean }, what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      // The worker may have dropped it (its producer or transport went away) a moment before we hear of it.
      const gone = target.closed || (error instanceof Error && /not found/i.test(error.message));
      if (gone) throw new ClassBridgeError(ErrorCode.NotFound, `the ${what} closed meanwhile`);
      throw error;
    }
  }

  /**
   * mediasoup throws TypeError/UnsupportedError/Error for parameters it cannot use: the client's fault,
   * answered with a stable code and a safe message. mediasoup's own text (internal names, worker
   * method names) goes to the log only.
   */
  async #mediaCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ClassBridgeError) throw error;
      const name = error instanceof Error ? error.name : '';
      if (name === 'TypeError' || name === 'UnsupportedError' || name === 'Error') {
        this.#logger.info({ operation, detail: error instanceof Error ? error.message.slice(0, 500) : String(error) }, 'media parameters rejected');
        throw new ClassBridgeError(ErrorCode.InvalidMediaParameters, REJECTED[operation] ?? 'the media server rejected these parameters');
      }
      throw error;
    }
  }

  #findProducer(room: Room, producerId: string): types.Producer<ProducerAppData> {
    for (const peer of room.peers.values()) {
      const producer = peer.producers.get(producerId);
      if (producer) return producer;
    }
    // Producers of other SFU nodes, received through pipes, are consumed like local ones.
    for (const pipe of room.pipes.values()) {
      const producer = pipe.incoming.get(producerId);
      if (producer) return producer;
    }
    throw new ClassBridgeError(ErrorCode.NotFound, `no producer ${producerId} in this lesson`);
  }
}

function summarize(producer: types.Producer<ProducerAppData>): ProducerSummary {
  return {
    producerId: producer.id,
    peerId: producer.appData.peerId,
    kind: producer.kind,
    source: producer.appData.source,
    paused: producer.paused,
  };
}

/** What a client is told when mediasoup refuses its parameters (the details stay in the log). */
const REJECTED: Record<string, string> = {
  connectTransport: 'the DTLS parameters were rejected (or the transport is connected already)',
  produce: 'the RTP parameters were rejected (unsupported codec, or an SSRC, MID or RID already in use)',
  consume: 'cannot consume this producer with these RTP capabilities',
};
