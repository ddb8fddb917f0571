import type {
  MediaSource,
  TransportOptions,
  WireDtlsParameters,
  WireRtpCapabilities,
  WireRtpParameters,
} from '@classbridge/protocol';
import type { TypedEmitter } from './TypedEmitter.js';
import type { RoomEvent } from './roomEvents.js';

/*
 * The SFU's control interface: what signaling asks of the media plane.
 *
 * Everything here is plain JSON in and out and every call is async, so the same
 * interface can be served in-process (LocalSfu, the embedded default) or by an
 * SFU node in another process reached over Redis (cluster mode). Rooms are keyed
 * by lesson id and peers by participant id; the SFU checks that a peer only
 * touches its own transports, producers and consumers. Roles and floor rules are
 * signaling's business, not the SFU's.
 */

export interface ProduceRequest {
  transportId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  rtpParameters: WireRtpParameters;
  paused: boolean;
}

export interface ConsumeRequest {
  producerId: string;
  rtpCapabilities: WireRtpCapabilities;
}

export interface ConsumeResult {
  consumerId: string;
  producerId: string;
  producerPeerId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  rtpParameters: WireRtpParameters;
  producerPaused: boolean;
}

export interface ProducerSummary {
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  paused: boolean;
}

/** Where the other node sends a pipe's media. */
export interface PipeEndpoint {
  pipeId: string;
  ip: string;
  port: number;
}

/** A producer as it leaves through a pipe: what the receiving node needs to recreate it. */
export interface PipedProducer {
  producerId: string;
  peerId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  rtpParameters: WireRtpParameters;
  paused: boolean;
}

/** Counters for metrics and capacity reports. */
export interface SfuStats {
  workers: number;
  workerRestarts: number;
  rooms: number;
  /** Participants with transports here. */
  peers: number;
  transports: number;
  producers: number;
  consumers: number;
  /** Node-to-node pipes (a lesson spanning SFU nodes). */
  pipes: number;
  /** CPU seconds the media workers have used (user + system; a restarted worker counts from zero): rate() of it is cores busy forwarding. */
  workerCpuSeconds: number;
}

/** Per-consumer traffic, for tests and diagnostics. */
export interface ConsumerTraffic {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  paused: boolean;
  producerPaused: boolean;
  packetCount: number;
  byteCount: number;
}

/** Traffic through one pipe of a lesson (node-to-node: in a cluster, the metro link). */
export interface PipeTraffic {
  pipeId: string;
  bytesSent: number;
  bytesReceived: number;
  /** Producers arriving through it, and consumers sending through it. */
  producersIn: number;
  consumersOut: number;
}

/** What a receiver outside the SFU (the recorder) asks for: one producer's media as plain RTP. */
export interface MediaTapRequest {
  producerId: string;
  /** Where the SFU sends RTP, RTCP muxed on the same port (the receiver's UDP socket). */
  destination: { ip: string; port: number };
  /** Codecs the receiver can depacketize; a producer in another codec is refused (INVALID_MEDIA_PARAMETERS). */
  rtpCapabilities: WireRtpCapabilities;
}

export interface MediaTapInfo {
  tapId: string;
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  /** What the receiver gets: codec, payload type, clock rate, SSRC. */
  rtpParameters: WireRtpParameters;
  producerPaused: boolean;
  /** The SFU's sending address, so the receiver can ignore strangers' packets. */
  origin: { ip: string; port: number } | null;
}

export interface SfuEvents extends Record<string, unknown> {
  /** A room lost its media (its worker died); its peers must rebuild transports. */
  roomClosed: { roomId: string; reason: 'worker-died' | 'closed' };
  /** A producer disappeared without the peer asking (e.g. its transport closed). */
  producerClosed: { roomId: string; peerId: string; producerId: string };
  /** A consumer closed because its producer went away. */
  consumerClosed: { roomId: string; peerId: string; consumerId: string };
  /** The layers forwarded to a simulcast/SVC consumer changed (null: nothing forwarded). */
  consumerLayersChanged: { roomId: string; peerId: string; consumerId: string; spatialLayer: number | null; temporalLayer: number | null };
  /** Dominant speaker changed (null: silence). */
  activeSpeaker: { roomId: string; peerId: string | null };
  /** Loudness of audible peers (dBov, -127..0), a few times per second. */
  audioLevels: { roomId: string; levels: Array<{ peerId: string; volume: number }> };
  workerDied: { workerIndex: number; pid: number };
  /** A media tap stopped: its producer closed, its room closed, or someone closed it. */
  mediaTapClosed: { roomId: string; tapId: string; producerId: string; reason: 'producer-closed' | 'room-closed' | 'closed' };
  /**
   * The tapped producer's sender sent an RTCP sender report for one of its streams (any simulcast
   * layer): its wall clock (Unix ms) at that RTP timestamp. Receivers use them for lip sync.
   */
  mediaTapSenderReport: { roomId: string; tapId: string; ssrc: number; ntpMs: number; rtpTimestamp: number };
}

export interface SfuControl extends TypedEmitter<SfuEvents> {
  /**
   * Opens a lesson's media room now, if it is not open (otherwise it opens with a participant's
   * first transport), and says which SFU node hosts it (in a cluster, the node its main classroom's
   * region picks; participants elsewhere are piped to it).
   */
  openRoom(roomId: string): Promise<{ nodeId: string }>;
  /** Calls `listener` with this room's events only, until the returned function is called; its errors are contained. */
  onRoom(roomId: string, listener: (event: RoomEvent) => void): () => void;
  /** Router RTP capabilities of a room; does not open the room (rooms open with a participant's first transport). */
  getRouterRtpCapabilities(roomId: string): Promise<WireRtpCapabilities>;
  createTransport(roomId: string, peerId: string, direction: 'send' | 'recv'): Promise<TransportOptions>;
  connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: WireDtlsParameters): Promise<void>;
  restartIce(roomId: string, peerId: string, transportId: string): Promise<TransportOptions['iceParameters']>;
  /**
   * The peer's media path through this transport came back after an outage. Video resumes only
   * with a key frame, and receivers ask for one only after waiting in vain for the lost packets
   * (over a second): this asks at once — for each video the transport receives, or, for a send
   * transport, from each video producer on it.
   */
  requestKeyFrames(roomId: string, peerId: string, transportId: string): Promise<void>;
  produce(roomId: string, peerId: string, request: ProduceRequest): Promise<ProducerSummary>;
  setProducerPaused(roomId: string, peerId: string, producerId: string, paused: boolean): Promise<void>;
  /**
   * Which video a receiver whose link cannot carry everything keeps first: the SFU gives its
   * bitrate to consumers of higher priority (1–255) before the rest. Applies to the producer's
   * consumers now and to those created later.
   */
  setProducerPriority(roomId: string, producerId: string, priority: number): Promise<void>;
  closeProducer(roomId: string, peerId: string, producerId: string): Promise<void>;
  listProducers(roomId: string): Promise<ProducerSummary[]>;
  consume(roomId: string, peerId: string, request: ConsumeRequest): Promise<ConsumeResult>;
  setConsumerPaused(roomId: string, peerId: string, consumerId: string, paused: boolean): Promise<void>;
  setConsumerPreferredLayers(
    roomId: string,
    peerId: string,
    consumerId: string,
    layers: { spatialLayer: number; temporalLayer?: number },
  ): Promise<void>;
  consumerTraffic(roomId: string, peerId: string): Promise<ConsumerTraffic[]>;
  /** Bytes through each pipe of a lesson (none for a lesson on one SFU): what crosses between nodes. */
  pipeTraffic(roomId: string): Promise<PipeTraffic[]>;
  /**
   * Sends a copy of one producer's media to a receiver outside the SFU (the recorder): a plain-RTP
   * transport and a consumer on the lesson's router, forwarding the best simulcast layer. Not a peer:
   * it needs no participant, and it closes with its producer and its room (mediaTapClosed).
   */
  openMediaTap(roomId: string, request: MediaTapRequest): Promise<MediaTapInfo>;
  /** Asks the tapped producer for a key frame (a capture file starting, a frame lost). */
  requestTapKeyFrame(roomId: string, tapId: string): Promise<void>;
  closeMediaTap(roomId: string, tapId: string): Promise<void>;
  /**
   * Node-to-node pipes for a lesson spanning SFU nodes. Each node opens a pipe in the lesson's room
   * (openPipe, which opens the room if needed) and connects it to the other's endpoint; a producer
   * the other node needs is sent through once (sendThroughPipe here, receiveFromPipe there, with
   * what sendThroughPipe returned): one copy per producer per node, never per receiver. A received
   * producer is consumed by this node's peers like a local one.
   */
  openPipe(roomId: string): Promise<PipeEndpoint>;
  connectPipe(roomId: string, pipeId: string, remote: { ip: string; port: number }): Promise<void>;
  /** CONFLICT if the producer goes through this pipe already. */
  sendThroughPipe(roomId: string, pipeId: string, producerId: string): Promise<PipedProducer>;
  /** CONFLICT if it came through this pipe already. */
  receiveFromPipe(roomId: string, pipeId: string, producer: PipedProducer): Promise<ProducerSummary>;
  /** The sending node paused or resumed a producer this node received through a pipe. */
  setPipedProducerPaused(roomId: string, pipeId: string, producerId: string, paused: boolean): Promise<void>;
  /** The sending node's producer closed: its copy here closes (and this node's consumers of it). */
  closePipedProducer(roomId: string, pipeId: string, producerId: string): Promise<void>;
  closePipe(roomId: string, pipeId: string): Promise<void>;
  /** Close everything a peer has in a room (leave, disconnect, removal). */
  closePeer(roomId: string, peerId: string): Promise<void>;
  closeRoom(roomId: string): Promise<void>;
  stats(): Promise<SfuStats>;
  readonly closed: boolean;
  close(): Promise<void>;
}
