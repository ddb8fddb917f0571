import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import { ClassBridgeError, ErrorCode, canPublish } from '@classbridge/protocol';
import type {
  EchoWarning,
  ErrorBody,
  FloorState,
  JoinResponse,
  LessonView,
  MediaSource,
  NetworkQuality,
  Notification,
  NotificationMap,
  ParticipantView,
  ProducerInfo,
  ProducerPauseReason,
  TransportOptions,
} from '@classbridge/protocol';
import { Emitter } from './Emitter.js';
import { EchoDuck } from './EchoDuck.js';
import { SignalingConnection } from './SignalingConnection.js';
import { cameraConstraints, microphoneConstraints, produceOptions } from './publishing.js';
import type { CameraOptions, MicrophoneOptions } from './publishing.js';
import { layerCount, captureSize } from './simulcast.js';
import { activePairBytesReceived, activePairOutgoingBitrate, inboundStats, outboundStats } from './stats.js';
import { linkQuality, sampleOf } from './linkQuality.js';
import type { LinkSample } from './linkQuality.js';
import { MediaPathWatch } from './MediaPathWatch.js';
import { CLEAR_LINK, chooseSpatialLayer, nextLossState, topHeightFrom } from './layerChoice.js';
import type { LossState } from './layerChoice.js';
import type { InboundStats, OutboundStats } from './stats.js';

export type ConnectionState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';

/** A track received from another participant. */
export interface RemoteTrack {
  consumerId: string;
  producerId: string;
  participantId: string;
  /** Who sends it (name, role, school), as known when it arrived; null for an unknown sender. */
  participant: ParticipantView | null;
  source: MediaSource;
  kind: 'audio' | 'video';
  /** Paused by its sender or the server (muted, or a room microphone without the floor): show "mic off". */
  paused: boolean;
  track: MediaStreamTrack;
}

/** A remote source was paused or resumed (someone muted, lost or got the floor). */
export interface RemoteSourceChange {
  participantId: string;
  producerId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  paused: boolean;
  /** Why it is paused: its owner, the teacher's mute, or no floor. */
  reason?: ProducerPauseReason;
}

/** Events of a ClassBridgeClient. */
export interface ClientEvents {
  connectionStateChanged: { state: ConnectionState; reason?: string };
  /** A remote participant's track is ready to attach to a <video>/<audio> element. */
  trackAdded: RemoteTrack;
  trackRemoved: RemoteTrack;
  /** Someone is in the lesson: fired for everyone already there when you join, then for each newcomer. */
  participantJoined: ParticipantView;
  /** Hand, floor or connection state of a participant changed. */
  participantUpdated: ParticipantView;
  participantLeft: { participantId: string };
  /** A remote source was paused or resumed: "Room 2 mic off". */
  remoteSourceChanged: RemoteSourceChange;
  activeSpeaker: { participantId: string | null };
  audioLevels: NotificationMap['audioLevels'];
  floorChanged: FloorState;
  spotlightChanged: { participantId: string | null };
  /** One of your own sources was paused or resumed by the server (floor, teacher's mute) or by you. */
  localSourceChanged: { source: MediaSource; paused: boolean; reason?: ProducerPauseReason };
  /** Final for this client: removed by the teacher, replaced by a newer connection, or the token expired (get a new one). */
  removed: NotificationMap['removed'];
  /** Final for this client: the teacher or an administrator ended the lesson. */
  lessonEnded: NotificationMap['lessonEnded'];
  /** The lesson started or stopped being recorded: show a "recording" indicator while `recording` is true. */
  recordingChanged: NotificationMap['recordingChanged'];
  /**
   * A live caption: partials while someone speaks (same `captionId`, newer text replaces older),
   * then `final: true` when the utterance ends.
   */
  caption: NotificationMap['caption'];
  /**
   * A transport's media path died (nothing received for 1 s while media should flow; the client
   * restarts ICE at once) or came back. `send`: your published media; `recv`: what you receive.
   */
  mediaPath: { direction: 'send' | 'recv'; state: 'dead' | 'flowing' };
  /**
   * Every 2 s: the quality of this client's link from what it receives (0–5, null when nothing
   * should arrive; see linkQuality), with the figures behind it. The server gets it too: the
   * teacher's console shows each classroom's, operators get it as metrics.
   */
  networkQuality: NetworkQuality;
  /**
   * The server hears the teacher come back through a classroom's microphone (its loudspeakers leak
   * past the echo canceller), or stopped hearing it (`warning: null`). `self`: it is your room —
   * show the hint to turn the loudspeakers down or move the microphone away from them.
   */
  echo: { participantId: string; self: boolean; warning: EchoWarning | null };
  /** Something failed that the client could not hide (a track it could not receive, a refused publish, a join timeout). */
  error: ErrorBody;
}

export interface ClientOptions {
  /** Signaling URL, e.g. https://classbridge.example.edu */
  url: string;
  /** Access token minted for this participant and lesson. */
  token: string;
  /** The lesson you mean to join; the server refuses (WRONG_LESSON) a token for another one. */
  lessonId?: string;
  /** How long join() may take before it fails with TIMEOUT (default 15 000 ms): an unreachable server or a blocked socket. */
  joinTimeoutMs?: number;
  /**
   * Send media only through the server's TURN relay (a network that lets nothing else through,
   * or a test that puts an impaired link in between). ICE servers themselves always come from the
   * server, with credentials minted for this participant.
   */
  forceRelay?: boolean;
}

export type { InboundStats, OutboundStats } from './stats.js';

/** Rejoin attempts after a drop, backing off from 0.5 s to 4 s (about 20 s in all). */
const MAX_REJOIN_ATTEMPTS = 8;
const DEFAULT_JOIN_TIMEOUT_MS = 15_000;
/** Link quality: sampled this often, reported to the server on change and at least this often. */
const NETWORK_SAMPLE_MS = 2_000;
const NETWORK_REPORT_EVERY_MS = 10_000;
const round1 = (value: number) => Math.round(value * 10) / 10;
/** How often a transport's media path is sampled (MediaPathWatch). */
const MEDIA_PATH_SAMPLE_MS = 250;
/** Server answers that no retry can change: the rejoin stops and the client fails with them. */
const FINAL_CODES: ReadonlySet<string> = new Set([ErrorCode.Forbidden, ErrorCode.TokenExpired, ErrorCode.Unauthorized, ErrorCode.InvalidState, ErrorCode.WrongLesson, ErrorCode.LimitExceeded]);
/** A replayed publish refused with one of these is dropped (and reported), not retried forever. */
const REFUSED_PUBLISH_CODES: ReadonlySet<string> = new Set([ErrorCode.Forbidden, ErrorCode.BadRequest, ErrorCode.InvalidMediaParameters]);

interface Published {
  track: MediaStreamTrack;
  producer: types.Producer | null;
  /** Preferred codec's mime type (e.g. video/H264), resolved against the Device on each (re)build. */
  codecMimeType?: string;
  /** Music mode (microphone only). */
  music?: boolean;
  /** Muted by the user; survives a rejoin. */
  mutedByUser?: boolean;
}

interface Remote extends RemoteTrack {
  consumer: types.Consumer;
  spatialLayer: number | null;
  temporalLayer: number | null;
  /** Device pixels the page shows it at (setRenderSize), null: not said. */
  renderHeight: number | null;
  /** The top layer's height, once a frame at a known layer was seen. */
  topHeight: number | null;
  /** The layer this client last asked for; `manual`: the app chose it (setPreferredLayer), not adaptation. */
  askedLayer: number | null;
  manual: boolean;
}

/**
 * The ClassBridge browser SDK: join a lesson, publish camera / microphone / screen,
 * receive everyone else, and (as teacher) run floor control.
 *
 * After a dropped connection or a media-server restart it rejoins by itself and
 * publishes the same tracks again. A closed client (left, removed, lesson ended,
 * token expired) stays closed: create a new one to join again.
 */
export class ClassBridgeClient extends Emitter<ClientEvents> {
  readonly #signaling: SignalingConnection;
  readonly #forceRelay: boolean;
  readonly #joinTimeoutMs: number;
  #device: Device | null = null;
  #sendTransportReady: Promise<types.Transport> | null = null;
  #recvTransport: types.Transport | null = null;
  #echoDuck: { duck: EchoDuck; producer: types.Producer; original: MediaStreamTrack } | null = null;
  readonly #published = new Map<MediaSource, Published>();
  /** Who holds the floor now (from join and floorChanged): picks this client's jitter-buffer profile. */
  #floorHolders: readonly string[] = [];
  /** Whether the receive link counts as lossy (with hysteresis, from the network samples): layer choices made between samples use it too. */
  #lossState: LossState = CLEAR_LINK;
  /** Transports with an ICE restart in flight. */
  readonly #restartingIce = new Set<string>();
  /** One publish/unpublish of a source at a time: concurrent calls queue instead of racing. */
  readonly #sourceQueues = new Map<MediaSource, Promise<unknown>>();
  readonly #remote = new Map<string, Remote>();
  /** Everyone else in the lesson, by participant id (kept after they leave, marked not connected). */
  readonly #participants = new Map<string, ParticipantView>();
  /** Remote producers and their pause state, known before (and without) a consumer. */
  readonly #producers = new Map<string, ProducerInfo>();
  /** Producers the server created paused (a room mic without the floor), until produce() returns. */
  readonly #heldByServer = new Map<string, ProducerPauseReason>();
  /** Set while the recv transport is being built: producers announced meanwhile. */
  #pendingProducers: Map<string, ProducerInfo> | null = null;
  #state: ConnectionState = 'new';
  #joinInfo: JoinResponse | null = null;
  #setup: Promise<JoinResponse> | null = null;
  /** This socket's server-side session has joined: a retry resynchronises instead of joining twice. */
  #sessionJoined = false;
  #rejoining = false;
  /** This client asked to end the lesson and waits for the answer. */
  #endingLesson = false;
  /** The lesson has ended (closing waits for the answer to our own endLesson). */
  #lessonOver = false;
  /** The lesson is being recorded (from the join answer and recordingChanged notifications). */
  #recording = false;
  /** recordingChanged notifications seen: one arriving while a join is answered wins over the answer. */
  #recordingNotices = 0;
  /** activeSpeaker notifications seen: one arriving while a join is answered is newer than the answer. */
  #speakerNotices = 0;
  /** Bumped by every setup attempt; a superseded attempt stops at its next step. */
  #attempt = 0;
  #closed = false;
  /** The server said the lesson moved to another node: reconnect after its close. */
  #reopenAfterDisconnect = false;

  constructor(options: ClientOptions) {
    super();
    this.#joinTimeoutMs = options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
    this.#forceRelay = options.forceRelay === true;
    this.#signaling = new SignalingConnection(options.url, options.token, options.lessonId);
    this.#signaling.on('notification', (notification) => this.#onNotification(notification));
    this.#signaling.on('refused', (error) => {
      this.#setState('failed', error.code);
      this.emit('error', error);
    });
    this.#signaling.on('disconnected', ({ reason }) => {
      this.#sessionJoined = false;
      // Closed by the server because the lesson moved: socket.io does not reconnect by itself after a server's close.
      if (this.#reopenAfterDisconnect) {
        this.#reopenAfterDisconnect = false;
        if (!this.#closed) setTimeout(() => !this.#closed && this.#signaling.open(), 100);
      }
      // Before the first join there is nothing to recover: join() reports its own failure.
      if (this.#closed || !this.#joinInfo) return;
      this.#dropMedia();
      this.#setState('reconnecting', reason);
    });
    this.#signaling.on('connected', ({ reconnect }) => {
      // Only a client that had joined rejoins by itself.
      if (reconnect && !this.#closed && this.#joinInfo) void this.#rejoin('reconnected');
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

  /** Whether the lesson is being recorded now (see the `recordingChanged` event). */
  get recording(): boolean {
    return this.#recording;
  }

  /** Everyone else in the lesson (connected or not), with names: for tiles and rosters. */
  get participants(): ParticipantView[] {
    return [...this.#participants.values()];
  }

  /** One participant by id, or undefined. */
  participant(participantId: string): ParticipantView | undefined {
    return this.#participants.get(participantId);
  }

  /** Remote tracks currently received. */
  remoteTracks(): RemoteTrack[] {
    return [...this.#remote.values()].map((remote) => this.#public(remote));
  }

  /** Receive quality per remote track (freezes, concealment, jitter buffer, RTT, resolution, layer…): for link meters. */
  async getReceiveStats(): Promise<InboundStats[]> {
    return Promise.all(
      [...this.#remote.values()].map(async (remote) => ({
        ...inboundStats((await remote.consumer.getStats()) as unknown as Iterable<[string, unknown]>, {
          trackId: remote.track.id,
          consumerId: remote.consumerId,
          participantId: remote.participantId,
          source: remote.source,
          kind: remote.kind,
          spatialLayer: remote.spatialLayer,
          temporalLayer: remote.temporalLayer,
        }),
        jitterBufferTargetMs: jitterBufferTargetOf(remote.consumer),
      })),
    );
  }

  /** Send figures per published source and simulcast layer (resolution, frames, limitation, RTT, loss). */
  async getSendStats(): Promise<OutboundStats[]> {
    const perSource = await Promise.all(
      [...this.#published.entries()].map(async ([source, published]) => {
        const producer = published.producer;
        if (!producer || producer.closed) return [];
        return outboundStats((await producer.getStats()) as unknown as Iterable<[string, unknown]>, source, producer.kind as 'audio' | 'video');
      }),
    );
    return perSource.flat();
  }

  /**
   * Connects, joins the lesson and starts receiving. Resolves with the lesson's state at
   * join time; by then `participants` is filled and `participantJoined` has fired for
   * everyone already there. Rejects with TIMEOUT after `joinTimeoutMs` (the client can
   * try join() again), and with the server's code when it refuses.
   */
  join(): Promise<JoinResponse> {
    if (this.#closed) return Promise.reject(new ClassBridgeError(ErrorCode.InvalidState, 'this client is closed; create a new ClassBridgeClient to join again'));
    if (this.#setup) return this.#setup;
    this.#setState('connecting');
    this.#signaling.open();
    const attempt = this.#setupMedia(this.#sessionJoined ? 'sync' : 'join');
    const setup = withTimeout(attempt, this.#joinTimeoutMs, () => {
      this.#attempt++; // the attempt still waiting stops at its next step
      this.#signaling.close();
      return new ClassBridgeError(ErrorCode.Timeout, `could not join within ${this.#joinTimeoutMs / 1000} s: the server is unreachable or the connection is blocked`);
    }).catch((error: unknown) => {
      this.#setup = null;
      this.#dropMedia();
      const body = toErrorBody(error);
      this.#setState('failed', body.code);
      this.emit('error', body);
      throw error;
    });
    this.#setup = setup;
    return setup;
  }

  /**
   * Publishes the camera, or switches to another camera (`deviceId`) by replacing the
   * track without tearing the stream down. Simulcast layers follow the capture size.
   * Concurrent calls queue: the last one wins and nothing is left behind.
   */
  publishCamera(options?: CameraOptions): Promise<MediaStreamTrack> {
    return this.#queue('camera', async () => {
      this.#assertMayPublish('camera');
      const stream = await navigator.mediaDevices.getUserMedia(cameraConstraints(options));
      return this.#publish('camera', firstTrack(stream), options?.codec ? { codecMimeType: `video/${options.codec}` } : {});
    });
  }

  /** Publishes the microphone (`music: true`: music mode for the teacher, see MicrophoneOptions). */
  publishMicrophone(options?: MicrophoneOptions): Promise<MediaStreamTrack> {
    return this.#queue('microphone', async () => {
      this.#assertMayPublish('microphone');
      if (options?.music && this.self?.role === 'classroom') {
        throw new ClassBridgeError(ErrorCode.Forbidden, 'music mode turns echo cancellation off; a classroom with loudspeakers must keep it on');
      }
      const stream = await navigator.mediaDevices.getUserMedia(microphoneConstraints(options));
      return this.#publish('microphone', firstTrack(stream), options?.music ? { music: true } : {});
    });
  }

  /** Shares the screen (slides, documents): sharp text over motion. */
  publishScreen(): Promise<MediaStreamTrack> {
    return this.#queue('screen', async () => {
      this.#assertMayPublish('screen');
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10 } }, audio: false });
      const track = firstTrack(stream);
      track.contentHint = 'detail';
      return this.#publish('screen', track);
    });
  }

  /** Publishes a track you captured yourself; `codecMimeType` (e.g. 'video/H264') picks the codec. */
  publishTrack(source: MediaSource, track: MediaStreamTrack, options: { codecMimeType?: string } = {}): Promise<MediaStreamTrack> {
    return this.#queue(source, async () => {
      this.#assertMayPublish(source);
      return this.#publish(source, track, options);
    });
  }

  /** Stops publishing a source and releases its device. */
  unpublish(source: MediaSource): Promise<void> {
    return this.#queue(source, () => this.#unpublish(source));
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
    const remote = this.#remote.get(consumerId);
    if (remote) {
      // The app decides for this track from now on; adaptation leaves it alone.
      remote.manual = true;
      remote.askedLayer = spatialLayer;
    }
    await this.#signaling.request('setConsumerPreferredLayers', { consumerId, spatialLayer });
  }

  /**
   * How this client's receivers buffer: `smooth` (a remote classroom watching: at least 200 ms of
   * jitter buffer over a jittery link), `interactive` (that classroom while it holds the floor),
   * `default` (everyone else: the browser decides).
   */
  get jitterProfile(): JitterProfile {
    return this.#jitterProfile();
  }

  /**
   * Tells the SDK how big a received video is shown (CSS pixels; the SDK multiplies by the
   * screen's pixel ratio), or null when it is not shown. The SDK then asks for the smallest
   * simulcast layer that looks sharp at that size, so a thumbnail never pulls the full picture
   * over a rural link, and one layer less while the link loses packets.
   */
  setRenderSize(consumerId: string, size: { width: number; height: number } | null): void {
    const remote = this.#remote.get(consumerId);
    if (!remote || remote.kind !== 'video') return;
    const ratio = typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1;
    // Hidden: the smallest layer keeps the track alive at little cost.
    remote.renderHeight = size === null ? 1 : Math.round(size.height * ratio);
    this.#adaptLayer(remote);
  }

  // Floor control (举手 / 发言) and moderation. The server checks every one of these.
  /** Asks the teacher for the floor (classrooms and students). */
  raiseHand = () => this.#signaling.request('raiseHand', {});
  /** Takes a raised hand back. */
  lowerHand = () => this.#signaling.request('lowerHand', {});
  /** Teacher: lowers a raised hand without giving the floor ("not now"). */
  dismissHand = (participantId: string) => this.#signaling.request('dismissHand', { participantId });
  /** Teacher: mutes every other participant's microphone that is live now; resolves with how many were muted. */
  muteAll = async (): Promise<number> => {
    const live = [...this.#producers.values()].filter((producer) => producer.kind === 'audio' && !producer.paused);
    const participants = [...new Set(live.map((producer) => producer.participantId))];
    await Promise.all(participants.map((participantId) => this.#signaling.request('muteParticipant', { participantId })));
    return participants.length;
  };
  /** Teacher: lets a classroom speak (its microphone goes live; by default the previous holder's goes quiet). */
  grantFloor = (participantId: string) => this.#signaling.request('grantFloor', { participantId });
  /** Teacher: takes the floor back (the classroom's microphone is paused at the server). */
  revokeFloor = (participantId: string) => this.#signaling.request('revokeFloor', { participantId });
  /** Teacher: mutes a participant's microphone (they may unmute themselves only while holding the floor). */
  muteParticipant = (participantId: string) => this.#signaling.request('muteParticipant', { participantId });
  /** Teacher: removes a participant for the rest of the lesson (their token no longer gets in). */
  removeParticipant = (participantId: string) => this.#signaling.request('removeParticipant', { participantId });
  /** Teacher: a layout hint for everyone (null clears it). */
  spotlight = (participantId: string | null) => this.#signaling.request('spotlight', { participantId });
  /** Teacher: ends the lesson for everyone; resolves once the server confirmed, then the client is closed. */
  endLesson = async (): Promise<void> => {
    this.#endingLesson = true;
    try {
      await this.#signaling.request('endLesson', {});
    } finally {
      this.#endingLesson = false;
      // The lessonEnded notification arrives before the answer: close only after the answer is in.
      if (this.#lessonOver) this.#close('lesson-ended');
    }
  };

  /** Leaves the lesson and releases camera and microphone. The client is closed afterwards. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    if (this.#signaling.connected) await this.#signaling.request('leave', {}).catch(() => undefined);
    this.#close('left');
  }

  // ---- internals ----------------------------------------------------------

  #assertMayPublish(source: MediaSource): void {
    const self = this.#joinInfo?.self;
    if (!self) throw new ClassBridgeError(ErrorCode.NotJoined, 'join() first');
    // Checked before any device opens: a refused publish must not leave a camera or microphone captured.
    if (!canPublish(self.role, source)) throw new ClassBridgeError(ErrorCode.Forbidden, `the ${self.role} role cannot publish ${source}`);
  }

  #queue<T>(source: MediaSource, operation: () => Promise<T>): Promise<T> {
    const previous = this.#sourceQueues.get(source) ?? Promise.resolve();
    const next = previous.then(operation, operation);
    this.#sourceQueues.set(
      source,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Replaces the track of a live producer when the layout allows it, else produces anew. */
  async #publish(source: MediaSource, track: MediaStreamTrack, options: { codecMimeType?: string; music?: boolean } = {}): Promise<MediaStreamTrack> {
    const existing = this.#published.get(source);
    if (existing && existing.track !== track && this.#canReplace(source, existing, track, options)) {
      // Switching cameras: the stream goes on, receivers see no gap and no new tile.
      if (existing.producer && !existing.producer.closed) await existing.producer.replaceTrack({ track });
      existing.track.stop();
      existing.track = track;
      this.#watchEnded(source, track);
      return track;
    }
    await this.#unpublish(source);
    const published: Published = { track, producer: null, ...options };
    this.#published.set(source, published);
    this.#watchEnded(source, track);
    try {
      await this.#produce(source, published);
    } catch (error) {
      // Refused or failed: forget it, so no rejoin replays it and no device stays captured.
      if (this.#published.get(source) === published) this.#published.delete(source);
      track.stop();
      throw error;
    }
    return track;
  }

  #canReplace(source: MediaSource, existing: Published, track: MediaStreamTrack, options: { codecMimeType?: string; music?: boolean }): boolean {
    if (existing.codecMimeType !== options.codecMimeType || Boolean(existing.music) !== Boolean(options.music)) return false;
    return source !== 'camera' || layerCount(captureSize(existing.track)) === layerCount(captureSize(track));
  }

  #watchEnded(source: MediaSource, track: MediaStreamTrack): void {
    // The browser ended it (e.g. "stop sharing"): unpublish, unless it was replaced meanwhile.
    track.addEventListener('ended', () => {
      if (this.#published.get(source)?.track === track) void this.unpublish(source);
    });
  }

  async #unpublish(source: MediaSource): Promise<void> {
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

  /**
   * Builds the media path: Device, (join or resync), recv transport, consumers, our producers.
   * `sync` keeps the joined session and only rebuilds media (after the SFU lost the room,
   * or after a failed step that followed a successful join).
   */
  async #setupMedia(mode: 'join' | 'sync'): Promise<JoinResponse> {
    const attempt = ++this.#attempt;
    const current = () => {
      if (attempt !== this.#attempt || this.#closed) throw new ClassBridgeError(ErrorCode.InvalidState, 'this join attempt was superseded');
    };
    await this.#waitConnected();
    current();
    const { rtpCapabilities } = await this.#signaling.request('getRouterRtpCapabilities', {});
    current();
    const device = new Device();
    await device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    this.#device = device;
    // Producers announced from here until the recv transport exists are queued, not lost.
    this.#pendingProducers = new Map();
    const recordingNotices = this.#recordingNotices;
    const speakerNotices = this.#speakerNotices;
    const state =
      mode === 'join'
        ? await this.#signaling.request('join', { rtpCapabilities: device.rtpCapabilities as never })
        : await this.#signaling.request('sync', {});
    this.#sessionJoined = true;
    current();
    this.#joinInfo = state;
    this.#floorHolders = state.floor.holders;
    this.#syncParticipants(state.participants);
    for (const producer of state.producers) this.#producers.set(producer.producerId, producer);
    this.#recvTransport = await this.#createTransport('recv');
    current();
    const pending = this.#pendingProducers ?? new Map<string, ProducerInfo>();
    this.#pendingProducers = null;
    for (const producer of state.producers) pending.set(producer.producerId, producer);
    await Promise.all([...pending.values()].map((producer) => this.#consume(producer)));
    for (const [source, published] of [...this.#published]) {
      current();
      try {
        await this.#produce(source, published);
      } catch (error) {
        if (!(error instanceof ClassBridgeError) || !REFUSED_PUBLISH_CODES.has(error.code)) throw error;
        // The server will not take it back (e.g. the role changed): drop it and say so, but keep the lesson.
        this.#published.delete(source);
        published.track.stop();
        this.emit('error', error.toBody());
      }
    }
    this.#setState('connected');
    if (state.activeSpeaker && this.#speakerNotices === speakerNotices) this.emit('activeSpeaker', { participantId: state.activeSpeaker });
    // A recordingChanged that overtook the answer (sent after its snapshot) is newer than the answer.
    if (this.#recordingNotices === recordingNotices) this.#setRecording(state.recording);
    return state;
  }

  /** Brings the roster up to date from a snapshot, telling the app what changed. */
  #syncParticipants(list: ParticipantView[]): void {
    const seen = new Set<string>();
    for (const participant of list) {
      seen.add(participant.participantId);
      const known = this.#participants.has(participant.participantId);
      this.#participants.set(participant.participantId, participant);
      this.emit(known ? 'participantUpdated' : 'participantJoined', participant);
    }
    for (const [participantId, participant] of this.#participants) {
      if (seen.has(participantId) || !participant.connected) continue;
      this.#participants.set(participantId, { ...participant, connected: false });
      this.emit('participantLeft', { participantId });
    }
  }

  /**
   * After a reconnect (new socket: join again) or a media reset (same session: resync),
   * throw away media state and rebuild with the same tracks, retrying while the SFU recovers.
   * An answer no retry can change (removed, token expired, lesson ended) ends it at once.
   */
  async #rejoin(reason: 'reconnected' | 'media-reset'): Promise<void> {
    if (this.#rejoining) return;
    this.#rejoining = true;
    try {
      this.#dropMedia();
      this.#setState('reconnecting', reason);
      for (let attempt = 1; attempt <= MAX_REJOIN_ATTEMPTS && !this.#closed; attempt++) {
        this.#setup = this.#setupMedia(this.#sessionJoined ? 'sync' : 'join');
        try {
          await this.#setup;
          return;
        } catch (error) {
          this.#dropMedia();
          const body = toErrorBody(error);
          this.emit('error', body);
          if (FINAL_CODES.has(body.code) || attempt === MAX_REJOIN_ATTEMPTS) {
            this.#setup = null;
            this.#setState('failed', body.code);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(4000, 250 * 2 ** attempt)));
        }
      }
    } finally {
      this.#rejoining = false;
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
    const iceTransportPolicy = this.#forceRelay ? 'relay' : (options.iceTransportPolicy ?? 'all');
    if (iceTransportPolicy === 'relay' && !options.iceServers?.length) {
      throw new ClassBridgeError(ErrorCode.InvalidState, 'relay-only media needs TURN, and the server offers none (TURN_URLS or TURN_EMBEDDED)');
    }
    const params = { ...options, iceServers: options.iceServers ?? [], iceTransportPolicy } as unknown as types.TransportOptions;
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
      if (state === 'disconnected' || state === 'failed') this.#restartIce(transport);
    });
    this.#watchMediaPath(transport, direction);
    if (direction === 'recv') this.#watchNetworkQuality(transport);
    return transport;
  }

  /**
   * Every 2 s while the receive transport lives: this client's own link quality from what it
   * receives (linkQuality, the score the pages show), emitted as `networkQuality` and reported to
   * the server (the teacher's console and the operators' metrics), when the score changes and at
   * least every 10 s.
   */
  #watchNetworkQuality(recv: types.Transport): void {
    let previous: LinkSample | null = null;
    let reported: { score: number | null; at: number } | null = null;
    const timer = setInterval(() => {
      if (recv.closed || this.#closed) {
        clearInterval(timer);
        return;
      }
      void (async () => {
        const stats = await this.getReceiveStats();
        const paused = (consumerId: string) => {
          const remote = this.#remote.get(consumerId);
          return !remote || remote.paused || remote.consumer.paused;
        };
        const current = sampleOf(stats, paused);
        const quality = linkQuality(previous, current);
        previous = current;
        this.#lossState = nextLossState(this.#lossState, quality.lossPct);
        for (const track of stats) {
          const remote = this.#remote.get(track.consumerId);
          if (!remote || remote.kind !== 'video') continue;
          if (track.frameHeight && track.spatialLayer !== null) remote.topHeight = topHeightFrom(track.frameHeight, track.spatialLayer, layersOf(remote.consumer));
          this.#adaptLayer(remote);
        }
        const send = await this.#sendTransportReady?.catch(() => null);
        const availableOutgoingBitrate = send && !send.closed ? activePairOutgoingBitrate((await send.getStats()) as unknown as Iterable<[string, unknown]>) : null;
        if (recv.closed || this.#closed) return;
        const report: NetworkQuality = {
          score: quality.score,
          lossPct: round1(quality.lossPct),
          rttMs: quality.rttMs,
          jitterMs: quality.jitterMs,
          freezes: quality.freezes,
          concealmentPct: round1(quality.concealmentPct),
          availableOutgoingBitrate,
        };
        this.emit('networkQuality', report);
        const now = Date.now();
        if (!reported || reported.score !== report.score || now - reported.at >= NETWORK_REPORT_EVERY_MS) {
          reported = { score: report.score, at: now };
          await this.#signaling.request('reportNetworkQuality', report);
        }
      })().catch(() => undefined); // closed meanwhile, or signaling down (the next sample tries again)
    }, NETWORK_SAMPLE_MS);
  }

  /**
   * A remote classroom listens on loudspeakers and mostly watches: a deeper jitter buffer rides out
   * a jittery rural link smoothly. While it holds the floor it is in a conversation: the browser's
   * own minimum delay. Everyone else (the teacher, students, observers): the browser's default.
   */
  #jitterProfile(): JitterProfile {
    const self = this.#joinInfo?.self;
    if (self?.role !== 'classroom') return 'default';
    return this.#floorHolders.includes(self.participantId) ? 'interactive' : 'smooth';
  }

  /** Asks for the layer chooseSpatialLayer picks for a received camera, when it differs from the last asked for. */
  #adaptLayer(remote: Remote): void {
    if (remote.manual || remote.kind !== 'video' || remote.consumer.closed) return;
    const layers = layersOf(remote.consumer);
    if (layers < 2) return;
    const layer = chooseSpatialLayer({ renderHeight: remote.renderHeight, layers, topHeight: remote.topHeight, lossy: this.#lossState.lossy });
    if (layer === remote.askedLayer) return;
    remote.askedLayer = layer;
    this.#signaling.request('setConsumerPreferredLayers', { consumerId: remote.consumerId, spatialLayer: layer }).catch(() => {
      if (remote.askedLayer === layer) remote.askedLayer = null; // try again with the next sample
    });
  }

  /**
   * The server heard this room's loudspeakers leak the teacher back and asks it to duck (ECHO_DUCK
   * on): the microphone is sent through an EchoDuck, turned down while the teacher speaks, until
   * the warning is lowered.
   */
  #applyEchoDuck(warning: EchoWarning | null): void {
    if (!warning?.duck) return this.#stopEchoDuck();
    if (this.#echoDuck) return;
    const published = this.#published.get('microphone');
    const producer = published?.producer;
    const teacher = [...this.#remote.values()].find((remote) => remote.kind === 'audio' && remote.source === 'microphone' && remote.participant?.role === 'teacher');
    if (!published || !producer || producer.closed || !teacher || typeof AudioContext === 'undefined') return;
    const duck = new EchoDuck(published.track, teacher.track);
    this.#echoDuck = { duck, producer, original: published.track };
    producer.replaceTrack({ track: duck.track }).catch(() => this.#stopEchoDuck());
  }

  #stopEchoDuck(): void {
    const current = this.#echoDuck;
    if (!current) return;
    this.#echoDuck = null;
    if (!current.producer.closed) current.producer.replaceTrack({ track: current.original }).catch(() => undefined);
    current.duck.close();
  }

  /** Whether this room's microphone is being turned down now (the echo guard's duck). */
  get echoDucking(): boolean {
    return this.#echoDuck?.duck.ducking ?? false;
  }

  /** One ICE restart at a time per transport; a failed one is tried again by whoever noticed next. */
  #restartIce(transport: types.Transport): void {
    if (transport.closed || this.#restartingIce.has(transport.id)) return;
    this.#restartingIce.add(transport.id);
    this.#signaling
      .request('restartIce', { transportId: transport.id })
      .then(async ({ iceParameters, iceServers }) => {
        // Fresh TURN credentials first: the ones the transport was built with may have expired.
        if (iceServers?.length) await transport.updateIceServers({ iceServers });
        await transport.restartIce({ iceParameters });
      })
      .catch(() => undefined)
      .finally(() => this.#restartingIce.delete(transport.id));
  }

  /**
   * Samples the transport's active candidate pair four times a second: a path that went silent while
   * media should flow gets an ICE restart within 2 s, long before ICE itself gives up on it.
   */
  #watchMediaPath(transport: types.Transport, direction: 'send' | 'recv'): void {
    const watch = new MediaPathWatch();
    const timer = setInterval(() => {
      if (transport.closed || this.#closed) {
        clearInterval(timer);
        return;
      }
      const carrying =
        direction === 'send'
          ? [...this.#published.values()].some((p) => p.producer && !p.producer.closed && !p.producer.paused)
          : [...this.#remote.values()].some((r) => !r.paused && !r.consumer.closed && !r.consumer.paused);
      transport.getStats().then(
        (report) => {
          const wasDead = watch.dead;
          if (watch.sample(activePairBytesReceived(report), performance.now(), carrying) === 'restart') this.#restartIce(transport);
          if (watch.dead === wasDead || transport.closed) return;
          this.emit('mediaPath', { direction, state: watch.dead ? 'dead' : 'flowing' });
          // Back: key frames now, or video stays frozen until receivers give up on the lost frames.
          if (!watch.dead) this.#signaling.request('mediaPathRestored', { transportId: transport.id }).catch(() => undefined);
        },
        () => undefined, // closed meanwhile
      );
    }, MEDIA_PATH_SAMPLE_MS);
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
    const producer = await sendTransport.produce(produceOptions(source, published.track, { ...(codec ? { codec } : {}), ...(published.music ? { music: true } : {}) }));
    if (this.#published.get(source) !== published) {
      // Unpublished or replaced while the producer was being created: nothing may outlive that.
      producer.close();
      await this.#signaling.request('closeProducer', { producerId: producer.id }).catch(() => undefined);
      return;
    }
    published.producer = producer;
    // Slides and documents: resolution over frame rate when the uplink is short (text stays readable).
    if (source === 'screen') await preferResolution(producer);
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
      const remote: Remote = {
        consumerId: consumer.id,
        producerId: answer.producerId,
        participantId: answer.participantId,
        participant: this.#participants.get(answer.participantId) ?? null,
        source: answer.source,
        kind: answer.kind,
        paused: this.#producers.get(answer.producerId)?.paused ?? answer.producerPaused,
        track: consumer.track,
        consumer,
        spatialLayer: null,
        temporalLayer: null,
        renderHeight: null,
        topHeight: null,
        askedLayer: null,
        manual: false,
      };
      applyJitterProfile(consumer, this.#jitterProfile());
      this.#remote.set(consumer.id, remote);
      await this.#signaling.request('resumeConsumer', { consumerId: consumer.id });
      this.emit('trackAdded', this.#public(remote));
    } catch (error) {
      // The producer may have gone meanwhile; anything else is worth surfacing.
      if (error instanceof ClassBridgeError && error.code === ErrorCode.NotFound) return;
      this.emit('error', toErrorBody(error));
    }
  }

  #removeConsumer(match: (remote: Remote) => boolean): void {
    for (const [consumerId, remote] of this.#remote) {
      if (!match(remote)) continue;
      this.#remote.delete(consumerId);
      remote.consumer.close();
      this.emit('trackRemoved', this.#public(remote));
    }
  }

  #onNotification(notification: Notification): void {
    switch (notification.method) {
      case 'producerAdded': {
        const producer = notification.data;
        if (producer.participantId === this.#joinInfo?.self.participantId) break; // our own
        this.#producers.set(producer.producerId, producer);
        if (this.#pendingProducers) this.#pendingProducers.set(producer.producerId, producer);
        else void this.#consume(producer);
        break;
      }
      case 'producerRemoved': {
        const { producerId } = notification.data;
        this.#producers.delete(producerId);
        this.#pendingProducers?.delete(producerId);
        this.#removeConsumer((remote) => remote.producerId === producerId);
        break;
      }
      case 'consumerClosed': {
        const { consumerId } = notification.data;
        this.#removeConsumer((remote) => remote.consumerId === consumerId);
        break;
      }
      case 'consumerLayersChanged': {
        const { consumerId, spatialLayer, temporalLayer } = notification.data;
        const remote = this.#remote.get(consumerId);
        if (remote) {
          remote.spatialLayer = spatialLayer;
          remote.temporalLayer = temporalLayer;
        }
        break;
      }
      case 'producerPaused':
        this.#onPauseChange(notification.data, true);
        break;
      case 'producerResumed':
        this.#onPauseChange(notification.data, false);
        break;
      case 'participantJoined':
      case 'participantUpdated': {
        const participant = notification.data as ParticipantView;
        const self = this.#joinInfo !== null && participant.participantId === this.#joinInfo.self.participantId;
        const before = self ? this.#joinInfo!.self : this.#participants.get(participant.participantId);
        if (self) {
          // Your own hand and floor: apps show "you may speak" from this.
          this.#joinInfo!.self = participant;
          this.emit('participantUpdated', participant);
        } else {
          const known = this.#participants.has(participant.participantId);
          this.#participants.set(participant.participantId, participant);
          for (const remote of this.#remote.values()) if (remote.participantId === participant.participantId) remote.participant = participant;
          this.emit(known ? 'participantUpdated' : 'participantJoined', participant);
        }
        const echo = participant.echo ?? null;
        if ((before?.echo ?? null)?.sinceMs !== echo?.sinceMs) {
          if (self) this.#applyEchoDuck(echo);
          this.emit('echo', { participantId: participant.participantId, self, warning: echo });
        }
        break;
      }
      case 'participantLeft': {
        const { participantId } = notification.data;
        const participant = this.#participants.get(participantId);
        if (participant) this.#participants.set(participantId, { ...participant, connected: false });
        this.emit('participantLeft', { participantId });
        break;
      }
      case 'activeSpeaker':
        this.#speakerNotices++;
        this.emit('activeSpeaker', notification.data);
        break;
      case 'audioLevels':
        this.emit('audioLevels', notification.data);
        break;
      case 'floorChanged':
        this.#floorHolders = notification.data.holders;
        for (const remote of this.#remote.values()) applyJitterProfile(remote.consumer, this.#jitterProfile());
        this.emit('floorChanged', notification.data);
        break;
      case 'spotlightChanged':
        this.emit('spotlightChanged', notification.data);
        break;
      case 'mediaReset':
        void this.#rejoin('media-reset');
        break;
      case 'lessonMoved':
        // The server closes this connection next; a new one reaches whichever node serves the lesson now.
        this.#reopenAfterDisconnect = true;
        break;
      case 'recordingChanged':
        this.#recordingNotices++;
        this.#setRecording(notification.data.recording);
        break;
      case 'caption':
        this.emit('caption', notification.data);
        break;
      case 'removed':
        this.emit('removed', notification.data);
        this.#close('removed');
        break;
      case 'lessonEnded':
        this.emit('lessonEnded', notification.data);
        this.#lessonOver = true;
        if (!this.#endingLesson) this.#close('lesson-ended');
        break;
      default:
        break;
    }
  }

  #setRecording(recording: boolean): void {
    if (recording === this.#recording) return;
    this.#recording = recording;
    this.emit('recordingChanged', { recording });
  }

  /** A producer was paused or resumed by the server: our own ones are mirrored locally, others' are reported. */
  #onPauseChange(data: { producerId: string; participantId: string; reason?: ProducerPauseReason }, paused: boolean): void {
    const reason = paused ? (data.reason ?? 'owner') : undefined;
    for (const [source, published] of this.#published) {
      const producer = published.producer;
      if (!producer || producer.id !== data.producerId) continue;
      // No point sending what the SFU drops.
      if (paused) producer.pause();
      else producer.resume();
      this.emit('localSourceChanged', { source, paused, ...(reason ? { reason } : {}) });
      return;
    }
    const info = this.#producers.get(data.producerId);
    if (!info) return;
    info.paused = paused;
    for (const remote of this.#remote.values()) if (remote.producerId === data.producerId) remote.paused = paused;
    this.emit('remoteSourceChanged', { participantId: info.participantId, producerId: info.producerId, source: info.source, kind: info.kind, paused, ...(reason ? { reason } : {}) });
  }

  #dropMedia(): void {
    this.#stopEchoDuck();
    this.#removeConsumer(() => true);
    void this.#sendTransportReady?.then((transport) => transport.close(), () => undefined);
    this.#recvTransport?.close();
    this.#sendTransportReady = null;
    this.#recvTransport = null;
    for (const published of this.#published.values()) published.producer = null;
    this.#pendingProducers = null;
    this.#producers.clear();
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

  #public(remote: Remote): RemoteTrack {
    const { consumer: _consumer, spatialLayer: _spatial, temporalLayer: _temporal, ...track } = remote;
    return track;
  }
}

function firstTrack(stream: MediaStream): MediaStreamTrack {
  const track = stream.getTracks()[0];
  if (!track) throw new ClassBridgeError(ErrorCode.NotFound, 'no media track was captured');
  return track;
}

/** Rejects with `onTimeout()`'s error if `promise` has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ClassBridgeError) return error.toBody();
  return { code: ErrorCode.Internal, message: error instanceof Error ? error.message : String(error) };
}

/** Spatial layers a consumer's producer sends (its scalability mode, e.g. L3T3), 1 without simulcast. */
function layersOf(consumer: types.Consumer): number {
  const mode = consumer.rtpParameters.encodings?.[0]?.scalabilityMode;
  const match = mode ? /^[LS](\d)/.exec(mode) : null;
  return match ? Number(match[1]) : 1;
}

/** Receiver jitter-buffer profiles: `smooth` holds at least SMOOTH_JITTER_BUFFER_MS; the others leave it to the browser. */
export type JitterProfile = 'smooth' | 'interactive' | 'default';
const SMOOTH_JITTER_BUFFER_MS = 200;

function jitterBufferTargetOf(consumer: types.Consumer): number | null {
  const receiver = consumer.rtpReceiver as (RTCRtpReceiver & { jitterBufferTarget?: number | null }) | undefined;
  return typeof receiver?.jitterBufferTarget === 'number' ? receiver.jitterBufferTarget : null;
}

function applyJitterProfile(consumer: types.Consumer, profile: JitterProfile): void {
  const receiver = consumer.rtpReceiver as (RTCRtpReceiver & { jitterBufferTarget?: number | null }) | undefined;
  // jitterBufferTarget: Chromium 114+; elsewhere the browser's own buffer stays.
  if (!receiver || !('jitterBufferTarget' in receiver)) return;
  receiver.jitterBufferTarget = profile === 'smooth' ? SMOOTH_JITTER_BUFFER_MS : null;
}

async function preferResolution(producer: types.Producer): Promise<void> {
  const sender = producer.rtpSender;
  if (!sender) return;
  const parameters = sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
  parameters.degradationPreference = 'maintain-resolution';
  await sender.setParameters(parameters).catch(() => undefined); // older browsers: their default
}
