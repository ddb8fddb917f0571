import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type {
  ErrorBody,
  FloorState,
  JoinResponse,
  LessonView,
  MediaSource,
  Notification,
  NotificationMap,
  ParticipantView,
  ProducerInfo,
  ProducerPauseReason,
  TransportOptions,
} from '@classbridge/protocol';
import { Emitter } from './Emitter.js';
import { SignalingConnection } from './SignalingConnection.js';
import { cameraConstraints, microphoneConstraints, produceOptions } from './publishing.js';
import type { CameraOptions, MicrophoneOptions } from './publishing.js';

export type ConnectionState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';

export interface RemoteTrack {
  consumerId: string;
  producerId: string;
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
}

/** Events of a ClassBridgeClient. */
export interface ClientEvents extends Record<string, unknown> {
  connectionStateChanged: { state: ConnectionState; reason?: string };
  /** A remote participant's track is ready to attach to a <video>/<audio> element. */
  trackAdded: RemoteTrack;
  trackRemoved: RemoteTrack;
  participantJoined: ParticipantView;
  participantUpdated: ParticipantView;
  participantLeft: { participantId: string };
  activeSpeaker: { participantId: string | null };
  audioLevels: NotificationMap['audioLevels'];
  floorChanged: FloorState;
  spotlightChanged: { participantId: string | null };
  /** One of your own sources was paused or resumed by the server (floor, teacher's mute) or by you. */
  localSourceChanged: { source: MediaSource; paused: boolean; reason?: ProducerPauseReason };
  /** Final for this client: removed by the teacher, replaced by a newer connection, or the token expired (get a new one). */
  removed: NotificationMap['removed'];
  lessonEnded: { reason: string };
  error: ErrorBody;
}

export interface ClientOptions {
  /** Signaling URL, e.g. https://classbridge.example.edu */
  url: string;
  /** Access token minted for this participant and lesson. */
  token: string;
  /** The lesson you mean to join; the server refuses (WRONG_LESSON) a token for another one. */
  lessonId?: string;
}

export interface InboundStats {
  consumerId: string;
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  /** Negotiated codec, e.g. video/VP8; null before the first packet. */
  codec: string | null;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  framesDecoded: number;
  /** Seconds. */
  jitter: number;
}

/** Rejoin attempts after a drop, backing off from 0.5 s to 4 s (about 20 s in all). */
const MAX_REJOIN_ATTEMPTS = 8;

interface Published {
  track: MediaStreamTrack;
  producer: types.Producer | null;
  /** Preferred codec's mime type (e.g. video/H264), resolved against the Device on each (re)build. */
  codecMimeType?: string;
  /** Muted by the user; survives a rejoin. */
  mutedByUser?: boolean;
}

/**
 * The ClassBridge browser SDK: join a lesson, publish camera / microphone / screen,
 * receive everyone else, and (as teacher) run floor control.
 *
 * After a dropped connection or a media-server restart it rejoins by itself and
 * publishes the same tracks again.
 */
export class ClassBridgeClient extends Emitter<ClientEvents> {
  readonly #signaling: SignalingConnection;
  #device: Device | null = null;
  #sendTransportReady: Promise<types.Transport> | null = null;
  #recvTransport: types.Transport | null = null;
  readonly #published = new Map<MediaSource, Published>();
  readonly #remote = new Map<string, RemoteTrack & { consumer: types.Consumer }>();
  /** Producers the server created paused (a room mic without the floor), until produce() returns. */
  readonly #heldByServer = new Map<string, ProducerPauseReason>();
  /** Set while the recv transport is being built: producers announced meanwhile. */
  #pendingProducers: Map<string, ProducerInfo> | null = null;
  #state: ConnectionState = 'new';
  #joinInfo: JoinResponse | null = null;
  #setup: Promise<JoinResponse> | null = null;
  #closed = false;

  constructor(options: ClientOptions) {
    super();
    this.#signaling = new SignalingConnection(options.url, options.token, options.lessonId);
    this.#signaling.on('notification', (notification) => this.#onNotification(notification));
    this.#signaling.on('refused', (error) => {
      this.#setState('failed', error.code);
      this.emit('error', error);
    });
    this.#signaling.on('disconnected', ({ reason }) => {
      if (this.#closed) return;
      this.#dropMedia();
      this.#setState('reconnecting', reason);
    });
    this.#signaling.on('connected', ({ reconnect }) => {
      // Only a client that had joined rejoins by itself.
      if (reconnect && !this.#closed && this.#setup) void this.#rejoin('reconnected');
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The participant this client is, once joined. */
  get self(): ParticipantView | null {
    return this.#joinInfo?.self ?? null;
  }

  get lesson(): LessonView | null {
    return this.#joinInfo?.lesson ?? null;
  }

  /** Remote tracks currently received. */
  remoteTracks(): RemoteTrack[] {
    return [...this.#remote.values()].map(({ consumer: _consumer, ...track }) => track);
  }

  /** Receive statistics per remote track (from the browser's inbound-rtp stats): for quality meters and tests. */
  async getReceiveStats(): Promise<InboundStats[]> {
    return Promise.all(
      [...this.#remote.values()].map(async (remote) => {
        const report = await remote.consumer.getStats();
        const stats: InboundStats = { consumerId: remote.consumerId, participantId: remote.participantId, source: remote.source, kind: remote.kind, codec: null, packetsReceived: 0, packetsLost: 0, bytesReceived: 0, framesDecoded: 0, jitter: 0 };
        report.forEach((entry: Record<string, unknown>) => {
          if (entry['type'] !== 'inbound-rtp') return;
          const codec = report.get(String(entry['codecId'])) as { mimeType?: string } | undefined;
          stats.codec = codec?.mimeType ?? stats.codec;
          stats.packetsReceived += Number(entry['packetsReceived'] ?? 0);
          stats.packetsLost += Number(entry['packetsLost'] ?? 0);
          stats.bytesReceived += Number(entry['bytesReceived'] ?? 0);
          stats.framesDecoded += Number(entry['framesDecoded'] ?? 0);
          stats.jitter = Math.max(stats.jitter, Number(entry['jitter'] ?? 0));
        });
        return stats;
      }),
    );
  }

  /** Connects, joins the lesson and starts receiving. Resolves with the lesson's state at join time. */
  join(): Promise<JoinResponse> {
    if (this.#closed) return Promise.reject(new ClassBridgeError(ErrorCode.InvalidState, 'client is closed'));
    this.#setState('connecting');
    this.#setup ??= this.#setupMedia().catch((error: unknown) => {
      this.#setup = null;
      this.#setState('failed', error instanceof Error ? error.message : String(error));
      throw error;
    });
    return this.#setup;
  }

  async publishCamera(options?: CameraOptions): Promise<MediaStreamTrack> {
    const stream = await navigator.mediaDevices.getUserMedia(cameraConstraints(options));
    return this.publishTrack('camera', firstTrack(stream), options?.codec ? { codecMimeType: `video/${options.codec}` } : {});
  }

  async publishMicrophone(options?: MicrophoneOptions): Promise<MediaStreamTrack> {
    const stream = await navigator.mediaDevices.getUserMedia(microphoneConstraints(options));
    return this.publishTrack('microphone', firstTrack(stream));
  }

  async publishScreen(): Promise<MediaStreamTrack> {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10 } }, audio: false });
    const track = firstTrack(stream);
    track.contentHint = 'detail';
    return this.publishTrack('screen', track);
  }

  /** Publishes a track you captured yourself; `codecMimeType` (e.g. 'video/H264') picks the codec. */
  async publishTrack(source: MediaSource, track: MediaStreamTrack, options: { codecMimeType?: string } = {}): Promise<MediaStreamTrack> {
    if (!this.#joinInfo) throw new ClassBridgeError(ErrorCode.NotJoined, 'join() first');
    await this.unpublish(source);
    const published: Published = { track, producer: null, ...options };
    this.#published.set(source, published);
    // The browser ended it (e.g. "stop sharing"): unpublish, unless it was replaced meanwhile.
    track.addEventListener('ended', () => {
      if (this.#published.get(source)?.track === track) void this.unpublish(source);
    });
    await this.#produce(source, published);
    return track;
  }

  async unpublish(source: MediaSource): Promise<void> {
    const published = this.#published.get(source);
    if (!published) return;
    this.#published.delete(source);
    const producer = published.producer;
    published.track.stop();
    if (producer && !producer.closed) {
      producer.close();
      await this.#signaling.request('closeProducer', { producerId: producer.id }).catch(() => undefined);
    }
  }

  /** Mutes or unmutes a source you publish. Unmuting a room microphone needs the floor (FLOOR_REQUIRED otherwise). */
  async setSourceEnabled(source: MediaSource, enabled: boolean): Promise<void> {
    const published = this.#published.get(source);
    const producer = published?.producer;
    if (!published || !producer) throw new ClassBridgeError(ErrorCode.NotFound, `${source} is not published`);
    await this.#signaling.request(enabled ? 'resumeProducer' : 'pauseProducer', { producerId: producer.id });
    published.mutedByUser = !enabled;
    if (enabled) producer.resume();
    else producer.pause();
    this.emit('localSourceChanged', { source, paused: !enabled, reason: 'owner' });
  }

  /** Asks for a simulcast layer of a remote video (0 = smallest); thumbnails need only 0. */
  async setPreferredLayer(consumerId: string, spatialLayer: 0 | 1 | 2): Promise<void> {
    await this.#signaling.request('setConsumerPreferredLayers', { consumerId, spatialLayer });
  }

  // Floor control (举手 / 发言) and moderation. The server checks every one of these.
  raiseHand = () => this.#signaling.request('raiseHand', {});
  lowerHand = () => this.#signaling.request('lowerHand', {});
  grantFloor = (participantId: string) => this.#signaling.request('grantFloor', { participantId });
  revokeFloor = (participantId: string) => this.#signaling.request('revokeFloor', { participantId });
  muteParticipant = (participantId: string) => this.#signaling.request('muteParticipant', { participantId });
  removeParticipant = (participantId: string) => this.#signaling.request('removeParticipant', { participantId });
  spotlight = (participantId: string | null) => this.#signaling.request('spotlight', { participantId });
  endLesson = () => this.#signaling.request('endLesson', {});

  /** Leaves the lesson and releases camera and microphone. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    if (this.#signaling.connected) await this.#signaling.request('leave', {}).catch(() => undefined);
    this.#close('left');
  }

  // ---- internals ----------------------------------------------------------

  /**
   * Builds the media path: Device, (join or resync), recv transport, consumers, our producers.
   * `sync` keeps the joined session and only rebuilds media (after the SFU lost the room).
   */
  async #setupMedia(mode: 'join' | 'sync' = 'join'): Promise<JoinResponse> {
    await this.#waitConnected();
    const { rtpCapabilities } = await this.#signaling.request('getRouterRtpCapabilities', {});
    const device = new Device();
    await device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    this.#device = device;
    // Producers announced from here until the recv transport exists are queued, not lost.
    this.#pendingProducers = new Map();
    const state =
      mode === 'join'
        ? await this.#signaling.request('join', { rtpCapabilities: device.rtpCapabilities as never })
        : await this.#signaling.request('sync', {});
    this.#joinInfo = state;
    this.#recvTransport = await this.#createTransport('recv');
    const pending = this.#pendingProducers;
    this.#pendingProducers = null;
    for (const producer of state.producers) pending.set(producer.producerId, producer);
    await Promise.all([...pending.values()].map((producer) => this.#consume(producer)));
    for (const [source, published] of this.#published) await this.#produce(source, published);
    this.#setState('connected');
    if (state.activeSpeaker) this.emit('activeSpeaker', { participantId: state.activeSpeaker });
    return state;
  }

  /**
   * After a reconnect (new socket: join again) or a media reset (same session: resync),
   * throw away media state and rebuild with the same tracks, retrying while the SFU recovers.
   */
  async #rejoin(reason: 'reconnected' | 'media-reset'): Promise<void> {
    this.#dropMedia();
    this.#setState('reconnecting', reason);
    for (let attempt = 1; attempt <= MAX_REJOIN_ATTEMPTS && !this.#closed; attempt++) {
      this.#setup = this.#setupMedia(reason === 'reconnected' ? 'join' : 'sync');
      try {
        await this.#setup;
        return;
      } catch (error) {
        this.#dropMedia();
        this.emit('error', toErrorBody(error));
        if (attempt === MAX_REJOIN_ATTEMPTS) {
          this.#setup = null;
          this.#setState('failed', error instanceof Error ? error.message : String(error));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(4000, 250 * 2 ** attempt)));
      }
    }
  }

  #waitConnected(): Promise<void> {
    if (this.#signaling.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offConnected = this.#signaling.on('connected', () => {
        offConnected();
        offRefused();
        resolve();
      });
      const offRefused = this.#signaling.on('refused', (error) => {
        offConnected();
        offRefused();
        reject(new ClassBridgeError(error.code, error.message));
      });
    });
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const device = this.#device!;
    const options: TransportOptions = await this.#signaling.request('createTransport', { direction });
    const params = options as unknown as types.TransportOptions;
    const transport = direction === 'send' ? device.createSendTransport(params) : device.createRecvTransport(params);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#signaling.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(callback, errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = appData['source'] as MediaSource;
        this.#signaling
          .request('produce', { transportId: transport.id, kind, source, rtpParameters: rtpParameters as never })
          .then(({ producerId, pausedReason }) => {
            if (pausedReason) this.#heldByServer.set(producerId, pausedReason);
            callback({ id: producerId });
          }, errback);
      });
    }
    transport.on('connectionstatechange', (state) => {
      // ICE restart recovers from a changed network path without a new transport.
      if (state === 'disconnected' || state === 'failed') {
        this.#signaling
          .request('restartIce', { transportId: transport.id })
          .then(({ iceParameters }) => transport.restartIce({ iceParameters }))
          .catch(() => undefined);
      }
    });
    return transport;
  }

  async #produce(source: MediaSource, published: Published): Promise<void> {
    // Shared promise: concurrent publishes (camera and microphone at once) use one send transport.
    this.#sendTransportReady ??= this.#createTransport('send').catch((error: unknown) => {
      this.#sendTransportReady = null; // let the next publish try again
      throw error;
    });
    const sendTransport = await this.#sendTransportReady;
    const wanted = published.codecMimeType?.toLowerCase();
    const codec = wanted ? this.#device?.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === wanted) : undefined;
    if (wanted && !codec) throw new ClassBridgeError(ErrorCode.InvalidMediaParameters, `${published.codecMimeType} is not supported here`);
    const producer = await sendTransport.produce(produceOptions(source, published.track, codec));
    published.producer = producer;
    const heldReason = this.#heldByServer.get(producer.id);
    this.#heldByServer.delete(producer.id);
    if (heldReason) {
      producer.pause();
      this.emit('localSourceChanged', { source, paused: true, reason: heldReason });
    } else if (published.mutedByUser) {
      // Rebuilt after a reconnect: stay muted as the user left it.
      await this.#signaling.request('pauseProducer', { producerId: producer.id });
      producer.pause();
    }
  }

  async #consume(producer: ProducerInfo): Promise<void> {
    const recv = this.#recvTransport;
    if (!recv || recv.closed) return;
    try {
      const answer = await this.#signaling.request('consume', { producerId: producer.producerId });
      const consumer = await recv.consume({
        id: answer.consumerId,
        producerId: answer.producerId,
        kind: answer.kind,
        rtpParameters: answer.rtpParameters as types.RtpParameters,
      });
      const remote = { consumerId: consumer.id, producerId: answer.producerId, participantId: answer.participantId, source: answer.source, kind: answer.kind, track: consumer.track, consumer };
      this.#remote.set(consumer.id, remote);
      await this.#signaling.request('resumeConsumer', { consumerId: consumer.id });
      this.emit('trackAdded', this.#public(remote));
    } catch (error) {
      // The producer may have gone meanwhile; anything else is worth surfacing.
      if (error instanceof ClassBridgeError && error.code === ErrorCode.NotFound) return;
      this.emit('error', toErrorBody(error));
    }
  }

  #removeConsumer(match: (remote: RemoteTrack) => boolean): void {
    for (const [consumerId, remote] of this.#remote) {
      if (!match(remote)) continue;
      this.#remote.delete(consumerId);
      remote.consumer.close();
      this.emit('trackRemoved', this.#public(remote));
    }
  }

  #onNotification({ method, data }: Notification): void {
    switch (method) {
      case 'producerAdded': {
        const producer = data as NotificationMap['producerAdded'];
        if (producer.participantId === this.#joinInfo?.self.participantId) break; // our own
        if (this.#pendingProducers) this.#pendingProducers.set(producer.producerId, producer);
        else void this.#consume(producer);
        break;
      }
      case 'producerRemoved': {
        const { producerId } = data as NotificationMap['producerRemoved'];
        this.#pendingProducers?.delete(producerId);
        this.#removeConsumer((remote) => remote.producerId === producerId);
        break;
      }
      case 'consumerClosed': {
        const { consumerId } = data as NotificationMap['consumerClosed'];
        this.#removeConsumer((remote) => remote.consumerId === consumerId);
        break;
      }
      case 'producerPaused':
      case 'producerResumed':
        this.#onProducerPauseChange(method, data as NotificationMap['producerPaused']);
        break;
      case 'participantJoined':
      case 'participantUpdated':
        if (this.#joinInfo && (data as ParticipantView).participantId === this.#joinInfo.self.participantId) {
          this.#joinInfo.self = data as ParticipantView;
        }
        this.emit(method, data as ParticipantView);
        break;
      case 'participantLeft':
      case 'activeSpeaker':
      case 'audioLevels':
      case 'floorChanged':
      case 'spotlightChanged':
        this.emit(method, data as never);
        break;
      case 'mediaReset':
        void this.#rejoin('media-reset');
        break;
      case 'removed':
        this.emit('removed', data as NotificationMap['removed']);
        this.#close('removed');
        break;
      case 'lessonEnded':
        this.emit('lessonEnded', data as NotificationMap['lessonEnded']);
        this.#close('lesson-ended');
        break;
      default:
        break;
    }
  }

  /** Mirror the server's pause of our own producers locally: no point sending what the SFU drops. */
  #onProducerPauseChange(method: 'producerPaused' | 'producerResumed', data: NotificationMap['producerPaused']): void {
    for (const [source, published] of this.#published) {
      const producer = published.producer;
      if (!producer || producer.id !== data.producerId) continue;
      if (method === 'producerPaused') producer.pause();
      else producer.resume();
      this.emit('localSourceChanged', { source, paused: method === 'producerPaused', ...(method === 'producerPaused' ? { reason: data.reason } : {}) });
    }
  }

  #dropMedia(): void {
    this.#removeConsumer(() => true);
    void this.#sendTransportReady?.then((transport) => transport.close(), () => undefined);
    this.#recvTransport?.close();
    this.#sendTransportReady = null;
    this.#recvTransport = null;
    for (const published of this.#published.values()) published.producer = null;
    this.#pendingProducers = null;
  }

  #close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropMedia();
    for (const published of this.#published.values()) published.track.stop();
    this.#published.clear();
    this.#signaling.close();
    this.#setState('closed', reason);
  }

  #setState(state: ConnectionState, reason?: string): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('connectionStateChanged', reason === undefined ? { state } : { state, reason });
  }

  #public(remote: RemoteTrack & { consumer: types.Consumer }): RemoteTrack {
    const { consumer: _consumer, ...track } = remote;
    return track;
  }
}

function firstTrack(stream: MediaStream): MediaStreamTrack {
  const track = stream.getTracks()[0];
  if (!track) throw new ClassBridgeError(ErrorCode.NotFound, 'no media track was captured');
  return track;
}

function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ClassBridgeError) return error.toBody();
  return { code: ErrorCode.Internal, message: error instanceof Error ? error.message : String(error) };
}
