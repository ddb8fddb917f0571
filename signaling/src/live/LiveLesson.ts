import type { Logger } from 'pino';
import {
  ClassBridgeError,
  ErrorCode,
  canModerate,
  canPublish,
  canRaiseHand,
  isVisible,
  kindOfSource,
  mediaSources,
  needsFloor,
} from '@classbridge/protocol';
import type {
  AccessClaims,
  ConsumeResponse,
  FloorState,
  JoinResponse,
  LessonView,
  MediaSource,
  NetworkQuality,
  NotificationMap,
  ProducerInfo,
  ProducerPauseReason,
  RequestData,
  ResponseData,
  WireRtpCapabilities,
} from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import type { Lesson } from '../domain/schemas.js';
import type { LessonChannel } from './LessonChannel.js';
import type { Caption, EchoWarning, LessonEventBus, ParticipantSummary } from '@classbridge/protocol';
import { ParticipantRecord } from './ParticipantRecord.js';
import { mediaPriority } from './mediaPriority.js';

interface ProducerRecord extends ProducerInfo {
  peerId: string;
  /** Why the server holds it paused; null when live or paused only by its owner. */
  pauseReason: ProducerPauseReason | null;
  /** The SFU priority last asked for (video); floor changes only call the SFU when it differs. */
  priority?: number;
}

export interface LiveLessonOptions {
  lesson: Lesson;
  sfu: SfuControl;
  store: DirectoryStore;
  channel: LessonChannel;
  /** Where the server-side stream of what happens in the lesson goes (webhooks, recorder). */
  events: LessonEventBus;
  logger: Logger;
  maxFloorHolders: number;
  /** Connected participants at most (a rejoin that replaces a connection always fits). */
  maxParticipants: number;
  /** Whether the recorder records this lesson now (false when no recorder runs). */
  isRecording?: () => boolean;
}

/**
 * The live state of one lesson and its rules: who is in, who holds the floor,
 * which producers exist and why some are paused. All role and floor checks
 * happen here, on the server, whatever a client's UI shows.
 */
export class LiveLesson {
  readonly lessonId: string;
  #lesson: Lesson;
  readonly #sfu: SfuControl;
  readonly #store: DirectoryStore;
  readonly #channel: LessonChannel;
  readonly #events: LessonEventBus;
  readonly #logger: Logger;
  readonly #maxFloorHolders: number;
  readonly #maxParticipants: number;
  readonly #participants = new Map<string, ParticipantRecord>();
  readonly #producers = new Map<string, ProducerRecord>();
  /** Participant ids the teacher removed: persisted with the lesson, so a restart does not let them back in. */
  readonly #removed: Set<string>;
  /** `participantId/source` of produce requests in flight, so concurrent requests cannot create a second producer. */
  readonly #producing = new Set<string>();
  /** Floor holders, earliest grant first. */
  #floor: string[] = [];
  #floorWrites: Promise<void> = Promise.resolve();
  #raisedHands: string[] = [];
  #spotlight: string | null = null;
  #activeSpeaker: string | null = null;
  #ended = false;
  #retired = false;
  #onEmpty: (() => void) | undefined;
  readonly #isRecording: () => boolean;

  constructor(options: LiveLessonOptions) {
    this.#isRecording = options.isRecording ?? (() => false);
    this.lessonId = options.lesson.id;
    this.#lesson = options.lesson;
    this.#sfu = options.sfu;
    this.#store = options.store;
    this.#channel = options.channel;
    this.#events = options.events;
    this.#logger = options.logger.child({ lessonId: this.lessonId });
    this.#maxFloorHolders = options.maxFloorHolders;
    this.#maxParticipants = options.maxParticipants;
    this.#removed = new Set(options.lesson.removedParticipantIds);
    // The floor as its last owner left it (another node's, before it died; or this server's before a restart).
    this.#floor = options.lesson.floorHolderIds.filter((id) => !this.#removed.has(id)).slice(-options.maxFloorHolders);
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Set when the registry unloaded this lesson (idle): a joiner holding it must fetch the lesson again. */
  get retired(): boolean {
    return this.#retired;
  }

  /** Called by the registry when it unloads an idle lesson; only ever with nobody connected. */
  retire(): void {
    this.#retired = true;
  }

  get connectedCount(): number {
    let count = 0;
    for (const record of this.#participants.values()) if (record.connection) count++;
    return count;
  }

  /**
   * Enter the lesson; a second connection of the same participant replaces the first.
   * Everything between the checks and the snapshot runs in one synchronous step, so
   * concurrent joins, leaves and broadcasts cannot interleave with it: exactly one
   * connection per participant, and the joiner is in the broadcast group from the
   * moment its snapshot is taken (nothing announced later is missed, nothing twice).
   */
  async join(claims: AccessClaims, connectionId: string, peerId: string, rtpCapabilities: WireRtpCapabilities): Promise<JoinResponse> {
    this.#assertOpen();
    if (claims.role === 'teacher' && this.#lesson.status === 'scheduled') {
      const { lesson, changed } = await this.#store.setLessonStatus(this.lessonId, 'live');
      this.#lesson = lesson;
      if (changed) {
        this.#events.publish({ type: 'lesson.started', lessonId: this.lessonId });
        this.#logger.info('lesson is live');
      }
    }
    this.#assertOpen();
    if (this.#removed.has(claims.sub)) throw new ClassBridgeError(ErrorCode.Forbidden, 'you were removed from this lesson');
    let record = this.#participants.get(claims.sub);
    if (record && record.role !== claims.role) throw new ClassBridgeError(ErrorCode.Conflict, 'this participant joined with another role');
    if (!record?.connection && this.connectedCount >= this.#maxParticipants) {
      throw new ClassBridgeError(ErrorCode.LimitExceeded, `this lesson is full (${this.#maxParticipants} participants)`);
    }
    const replaced = record?.connection ?? null;
    if (record && replaced) {
      // Cleared first, so the old socket's late disconnect finds nothing to leave.
      record.connection = null;
      this.#channel.removeMember(replaced.connectionId);
      this.#channel.send(replaced.connectionId, 'removed', { reason: 'replaced' });
      this.#channel.disconnect(replaced.connectionId);
      this.#forgetProducersOfPeer(replaced.peerId);
    }
    const isNew = !record;
    record ??= new ParticipantRecord(claims);
    record.displayName = claims.name;
    record.connection = { connectionId, peerId, rtpCapabilities };
    this.#participants.set(record.participantId, record);
    if (isVisible(record.role)) {
      this.#channel.broadcast(isNew ? 'participantJoined' : 'participantUpdated', this.#view(record));
      if (!replaced) this.#events.publish({ type: 'participant.joined', lessonId: this.lessonId, participant: summaryOf(record), rejoin: !isNew });
    }
    this.#channel.addMember(connectionId);
    const snapshot = this.#stateFor(record);
    this.#logger.info({ participantId: record.participantId, role: record.role, rejoin: !isNew }, 'participant joined');
    if (replaced) await this.#sfu.closePeer(this.lessonId, replaced.peerId);
    return snapshot;
  }

  /** Throws NOT_JOINED unless `connectionId` is the participant's current connection (a replaced one may not act). */
  assertConnection(participantId: string, connectionId: string): void {
    const current = this.#participants.get(participantId)?.connection;
    if (!current) throw new ClassBridgeError(ErrorCode.NotJoined, 'join the lesson first');
    if (current.connectionId !== connectionId) throw new ClassBridgeError(ErrorCode.NotJoined, 'a newer connection of yours replaced this one');
  }

  /** The lesson as a joined participant sees it now (after a media reset the client rebuilds from this). */
  sync(participantId: string): JoinResponse {
    return this.#stateFor(this.#connected(participantId));
  }

  /** The connection went away (leave or disconnect). Role and floor are kept for a rejoin. */
  async leave(participantId: string, connectionId: string, reason: 'left' | 'removed' = 'left'): Promise<void> {
    const record = this.#participants.get(participantId);
    const connection = record?.connection;
    if (!record || !connection || connection.connectionId !== connectionId) return;
    record.connection = null;
    this.#channel.removeMember(connectionId);
    if (this.#activeSpeaker === participantId) this.#activeSpeaker = null;
    this.#forgetProducersOfPeer(connection.peerId);
    if (isVisible(record.role)) {
      this.#channel.broadcast('participantLeft', { participantId });
      this.#events.publish({ type: 'participant.left', lessonId: this.lessonId, participantId, reason });
    }
    this.#logger.info({ participantId, reason }, 'participant left');
    if (this.connectedCount === 0) this.#onEmpty?.();
    await this.#sfu.closePeer(this.lessonId, connection.peerId);
  }

  /** Called whenever the last connection leaves (the registry closes idle lessons after a grace period). */
  onEmpty(listener: () => void): void {
    this.#onEmpty = listener;
  }

  /** Visible participants, connected or not (REST and consoles). */
  participants() {
    return [...this.#participants.values()].filter((record) => isVisible(record.role) && !this.#removed.has(record.participantId)).map((record) => this.#view(record));
  }

  /** The SFU peer of a participant's current connection (diagnostics). */
  get mainClassroomId(): string {
    return this.#lesson.mainClassroomId;
  }

  /** Who has the SFU peer `peerId` (placement looks at their classroom). */
  participantOfPeer(peerId: string): { role: AccessClaims['role']; classroomId: string | null } | undefined {
    const record = this.#byPeer(peerId);
    return record && { role: record.role, classroomId: record.classroomId };
  }

  peerIdOf(participantId: string): string | undefined {
    return this.#participants.get(participantId)?.connection?.peerId;
  }

  lessonView(): LessonView {
    const { id, title, status, mainClassroomId, remoteClassroomIds } = this.#lesson;
    return { id, title, status, mainClassroomId, remoteClassroomIds };
  }

  floorState(): FloorState {
    return { holders: [...this.#floor], raisedHands: [...this.#raisedHands] };
  }

  // ---- media -------------------------------------------------------------

  async createTransport(participantId: string, direction: 'send' | 'recv') {
    const record = this.#connected(participantId);
    if (direction === 'send' && !mediaSources.some((source) => canPublish(record.role, source))) {
      throw new ClassBridgeError(ErrorCode.Forbidden, `the ${record.role} role cannot send media`);
    }
    return this.#sfu.createTransport(this.lessonId, record.connection.peerId, direction);
  }

  async connectTransport(participantId: string, data: RequestData<'connectTransport'>): Promise<void> {
    const record = this.#connected(participantId);
    await this.#sfu.connectTransport(this.lessonId, record.connection.peerId, data.transportId, data.dtlsParameters);
  }

  async restartIce(participantId: string, transportId: string) {
    const record = this.#connected(participantId);
    return this.#sfu.restartIce(this.lessonId, record.connection.peerId, transportId);
  }

  /** The participant's media path through a transport came back after an outage: key frames now, not when receivers give up waiting. */
  async mediaPathRestored(participantId: string, transportId: string): Promise<void> {
    const record = this.#connected(participantId);
    await this.#sfu.requestKeyFrames(this.lessonId, record.connection.peerId, transportId);
  }

  async produce(participantId: string, data: RequestData<'produce'>): Promise<ResponseData<'produce'>> {
    const record = this.#connected(participantId);
    if (!canPublish(record.role, data.source)) throw new ClassBridgeError(ErrorCode.Forbidden, `the ${record.role} role cannot publish ${data.source}`);
    if (kindOfSource(data.source) !== data.kind) throw new ClassBridgeError(ErrorCode.BadRequest, `${data.source} is ${kindOfSource(data.source)}`);
    // The slot is taken before the first await: concurrent requests for one source get CONFLICT, not a second producer.
    const slot = `${participantId}/${data.source}`;
    const publishing = [...this.#producers.values()].some((producer) => producer.participantId === participantId && producer.source === data.source);
    if (publishing || this.#producing.has(slot)) {
      throw new ClassBridgeError(ErrorCode.Conflict, `you already publish ${data.source}; close it first`);
    }
    this.#producing.add(slot);
    // Without the floor a room microphone is accepted but held paused at the SFU: nobody hears it.
    const heldForFloor = !this.#mayBeLive(record, data.source);
    let summary;
    try {
      summary = await this.#sfu.produce(this.lessonId, record.connection.peerId, {
        transportId: data.transportId,
        kind: data.kind,
        source: data.source,
        rtpParameters: data.rtpParameters,
        paused: heldForFloor || data.paused === true,
      });
    } finally {
      this.#producing.delete(slot);
    }
    if (record.connection?.peerId !== summary.peerId || this.#ended) {
      // The connection was replaced or the lesson ended while producing: its peer is gone, so is this producer.
      throw new ClassBridgeError(ErrorCode.NotJoined, 'the connection left while publishing');
    }
    const producer: ProducerRecord = {
      producerId: summary.producerId,
      participantId,
      peerId: record.connection.peerId,
      kind: summary.kind,
      source: summary.source,
      paused: summary.paused,
      pauseReason: heldForFloor ? 'no-floor' : null,
    };
    this.#producers.set(producer.producerId, producer);
    this.#applyPriority(producer, record);
    this.#channel.broadcast('producerAdded', toInfo(producer));
    this.#events.publish({ type: 'producer.added', lessonId: this.lessonId, ...toInfo(producer) });
    if (heldForFloor) this.#channel.broadcast('producerPaused', { producerId: producer.producerId, participantId, reason: 'no-floor' });
    return { producerId: producer.producerId, pausedReason: producer.pauseReason };
  }

  /** The owner pauses or resumes its own producer; resuming needs the floor where the role requires it. */
  async setOwnProducerPaused(participantId: string, producerId: string, paused: boolean): Promise<void> {
    const record = this.#connected(participantId);
    const producer = this.#ownProducer(participantId, producerId);
    if (!paused && !this.#mayBeLive(record, producer.source)) {
      throw new ClassBridgeError(ErrorCode.FloorRequired, 'raise your hand: the teacher must give you the floor first');
    }
    await this.#setPaused(producer, paused, paused ? 'owner' : null);
  }

  async closeProducer(participantId: string, producerId: string): Promise<void> {
    const record = this.#connected(participantId);
    const producer = this.#ownProducer(participantId, producerId);
    await this.#sfu.closeProducer(this.lessonId, record.connection.peerId, producerId);
    this.#forgetProducer(producer.producerId);
  }

  async consume(participantId: string, producerId: string): Promise<ConsumeResponse> {
    const record = this.#connected(participantId);
    const producer = this.#producers.get(producerId);
    if (!producer) throw new ClassBridgeError(ErrorCode.NotFound, `no producer ${producerId} in this lesson`);
    const result = await this.#sfu.consume(this.lessonId, record.connection.peerId, {
      producerId,
      rtpCapabilities: record.connection.rtpCapabilities,
    });
    return {
      consumerId: result.consumerId,
      producerId,
      participantId: producer.participantId,
      source: result.source,
      kind: result.kind,
      rtpParameters: result.rtpParameters,
      producerPaused: result.producerPaused,
    };
  }

  async setConsumerPaused(participantId: string, consumerId: string, paused: boolean): Promise<void> {
    const record = this.#connected(participantId);
    await this.#sfu.setConsumerPaused(this.lessonId, record.connection.peerId, consumerId, paused);
  }

  async setConsumerPreferredLayers(participantId: string, data: RequestData<'setConsumerPreferredLayers'>): Promise<void> {
    const record = this.#connected(participantId);
    const layers = data.temporalLayer === undefined ? { spatialLayer: data.spatialLayer } : { spatialLayer: data.spatialLayer, temporalLayer: data.temporalLayer };
    await this.#sfu.setConsumerPreferredLayers(this.lessonId, record.connection.peerId, data.consumerId, layers);
  }

  // ---- floor control and moderation -------------------------------------

  /**
   * The participant's own link quality, as its SDK measured it. Everyone hears about a change of
   * score (the teacher's console marks a struggling classroom); the figures alone change quietly.
   */
  reportNetworkQuality(participantId: string, report: NetworkQuality): void {
    const record = this.#connected(participantId);
    const changed = record.network?.score !== report.score;
    record.network = { ...report };
    if (changed && isVisible(record.role)) this.#channel.broadcast('participantUpdated', this.#view(record));
  }

  /** Connected participants' last reported link scores (null: not reported yet, or nothing to measure). */
  networkScores(): Array<number | null> {
    return [...this.#participants.values()].filter((record) => record.connection !== null).map((record) => record.network?.score ?? null);
  }

  raiseHand(participantId: string): void {
    const record = this.#connected(participantId);
    if (!canRaiseHand(record.role)) throw new ClassBridgeError(ErrorCode.Forbidden, `the ${record.role} role does not raise a hand`);
    if (this.#floor.includes(participantId) || this.#raisedHands.includes(participantId)) return;
    this.#raisedHands.push(participantId);
    record.handRaised = true;
    this.#floorChanged(record);
  }

  lowerHand(participantId: string): void {
    const record = this.#connected(participantId);
    if (!this.#raisedHands.includes(participantId)) return;
    this.#raisedHands = this.#raisedHands.filter((id) => id !== participantId);
    record.handRaised = false;
    this.#floorChanged(record);
  }

  /** The teacher lowers a raised hand without granting the floor. */
  dismissHand(moderatorId: string, targetId: string): void {
    this.#moderator(moderatorId);
    const target = this.#target(targetId);
    if (!this.#raisedHands.includes(targetId)) return;
    this.#raisedHands = this.#raisedHands.filter((id) => id !== targetId);
    target.handRaised = false;
    this.#floorChanged(target);
  }

  async grantFloor(moderatorId: string, targetId: string): Promise<void> {
    this.#moderator(moderatorId);
    const target = this.#target(targetId);
    if (!canRaiseHand(target.role)) throw new ClassBridgeError(ErrorCode.BadRequest, `the ${target.role} role does not take the floor`);
    if (this.#floor.includes(targetId)) return;
    // One open room microphone at a time by default: more make echo and howling between loudspeaker rooms.
    while (this.#floor.length >= this.#maxFloorHolders) {
      const oldest = this.#floor[0];
      if (oldest === undefined) break;
      await this.#revoke(this.#target(oldest));
    }
    this.#floor.push(targetId);
    this.#raisedHands = this.#raisedHands.filter((id) => id !== targetId);
    target.handRaised = false;
    for (const producer of this.#producersOf(targetId)) {
      if (producer.pauseReason === 'no-floor') await this.#setPaused(producer, false, null);
    }
    this.#floorChanged(target);
    this.#logger.info({ participantId: targetId }, 'floor granted');
  }

  async revokeFloor(moderatorId: string, targetId: string): Promise<void> {
    this.#moderator(moderatorId);
    const target = this.#target(targetId);
    if (!this.#floor.includes(targetId)) return;
    await this.#revoke(target);
  }

  async mute(moderatorId: string, targetId: string): Promise<void> {
    this.#moderator(moderatorId);
    this.#target(targetId);
    for (const producer of this.#producersOf(targetId)) {
      if (producer.kind === 'audio' && !producer.paused) await this.#setPaused(producer, true, 'muted');
    }
  }

  async remove(moderatorId: string, targetId: string): Promise<void> {
    this.#moderator(moderatorId);
    if (moderatorId === targetId) throw new ClassBridgeError(ErrorCode.BadRequest, 'you cannot remove yourself');
    const target = this.#target(targetId);
    this.#removed.add(targetId);
    this.#floor = this.#floor.filter((id) => id !== targetId);
    this.#raisedHands = this.#raisedHands.filter((id) => id !== targetId);
    if (this.#spotlight === targetId) this.setSpotlight(moderatorId, null);
    const connection = target.connection;
    if (connection) {
      this.#channel.send(connection.connectionId, 'removed', { reason: 'removed' });
      await this.leave(targetId, connection.connectionId, 'removed');
      this.#channel.disconnect(connection.connectionId);
    }
    this.#channel.broadcast('floorChanged', this.floorState());
    this.#events.publish({ type: 'floor.changed', lessonId: this.lessonId, floor: this.floorState() });
    this.#logger.info({ participantId: targetId }, 'participant removed');
    // Durable: the same token must not get back in, even after a restart.
    this.#lesson = await this.#store.removeParticipant(this.lessonId, targetId);
  }

  setSpotlight(moderatorId: string, targetId: string | null): void {
    this.#moderator(moderatorId);
    if (targetId !== null) this.#target(targetId);
    this.#spotlight = targetId;
    this.#channel.broadcast('spotlightChanged', { participantId: targetId });
    this.#events.publish({ type: 'spotlight.changed', lessonId: this.lessonId, participantId: targetId });
  }

  /**
   * Ends the lesson for everyone; `moderatorId` null means an admin ended it over REST.
   * Every connection is dropped except `keepConnectionId` (the teacher asking, who must get its answer first).
   */
  async end(moderatorId: string | null, keepConnectionId?: string): Promise<void> {
    if (moderatorId !== null) this.#moderator(moderatorId);
    if (this.#ended) return;
    this.#ended = true;
    const reason = moderatorId === null ? 'ended-by-admin' : 'ended-by-teacher';
    const { lesson, changed } = await this.#store.setLessonStatus(this.lessonId, 'ended');
    this.#lesson = lesson;
    this.#channel.broadcast('lessonEnded', { reason });
    if (changed) this.#events.publish({ type: 'lesson.ended', lessonId: this.lessonId, reason });
    for (const record of this.#participants.values()) {
      const connectionId = record.connection?.connectionId;
      // Cleared before the socket drops: a disconnect handler running synchronously must find nothing to leave.
      record.connection = null;
      if (connectionId !== undefined) {
        this.#channel.removeMember(connectionId);
        if (connectionId !== keepConnectionId) this.#channel.disconnect(connectionId);
      }
    }
    this.#producers.clear();
    await this.#sfu.closeRoom(this.lessonId);
    this.#logger.info('lesson ended');
  }

  // ---- events from the SFU ------------------------------------------------

  /** A producer vanished with its transport. */
  onProducerClosed(producerId: string): void {
    this.#forgetProducer(producerId);
  }

  onConsumerClosed(peerId: string, consumerId: string): void {
    const record = this.#byPeer(peerId);
    if (record?.connection) this.#channel.send(record.connection.connectionId, 'consumerClosed', { consumerId });
  }

  onConsumerLayersChanged(peerId: string, layers: NotificationMap['consumerLayersChanged']): void {
    const record = this.#byPeer(peerId);
    if (record?.connection) this.#channel.send(record.connection.connectionId, 'consumerLayersChanged', layers);
  }

  onActiveSpeaker(peerId: string | null): void {
    const participantId = peerId === null ? null : (this.#byPeer(peerId)?.participantId ?? null);
    this.#activeSpeaker = participantId;
    this.#channel.broadcast('activeSpeaker', { participantId });
  }

  onAudioLevels(levels: Array<{ peerId: string; volume: number }>): void {
    const mapped = levels.flatMap(({ peerId, volume }) => {
      const record = this.#byPeer(peerId);
      return record ? [{ participantId: record.participantId, volume }] : [];
    });
    this.#channel.broadcast('audioLevels', { levels: mapped });
  }

  /** The media room is gone (worker died): producers are lost, clients must rebuild transports. */
  onMediaReset(reason: string): void {
    for (const producerId of [...this.#producers.keys()]) this.#forgetProducer(producerId);
    this.#channel.broadcast('mediaReset', { reason });
  }

  // ---- internals ----------------------------------------------------------

  #assertOpen(): void {
    if (this.#ended || this.#lesson.status === 'ended') throw new ClassBridgeError(ErrorCode.InvalidState, 'the lesson has ended');
    if (this.#retired) throw new ClassBridgeError(ErrorCode.InvalidState, 'the lesson was unloaded; join again');
  }

  #connected(participantId: string): ParticipantRecord & { connection: NonNullable<ParticipantRecord['connection']> } {
    this.#assertOpen();
    const record = this.#participants.get(participantId);
    if (!record?.connection) throw new ClassBridgeError(ErrorCode.NotJoined, 'join the lesson first');
    return record as ParticipantRecord & { connection: NonNullable<ParticipantRecord['connection']> };
  }

  #moderator(participantId: string): ParticipantRecord {
    const record = this.#connected(participantId);
    if (!canModerate(record.role)) throw new ClassBridgeError(ErrorCode.Forbidden, 'only the teacher can do this');
    return record;
  }

  #target(participantId: string): ParticipantRecord {
    const record = this.#participants.get(participantId);
    if (!record || this.#removed.has(participantId) || !isVisible(record.role)) throw new ClassBridgeError(ErrorCode.NotFound, `no participant ${participantId}`);
    return record;
  }

  /** The recorder started or stopped recording this lesson. */
  announceRecording(recording: boolean): void {
    if (this.#ended) return;
    this.#channel.broadcast('recordingChanged', { recording });
  }

  /** A live caption for everyone in the lesson (the caption service computed it off this process's event loop). */
  announceCaption(caption: Caption): void {
    if (this.#ended) return;
    this.#channel.broadcast('caption', caption);
  }

  /**
   * The echo guard's verdict on a participant's microphone changed (null: no echo heard): everyone
   * learns it (participantUpdated), so the teacher's console and the classroom itself can warn.
   */
  announceEcho(participantId: string, echo: EchoWarning | null): void {
    const record = this.#participants.get(participantId);
    if (this.#ended || !record || (record.echo === null && echo === null)) return;
    record.echo = echo ? { ...echo } : null;
    if (isVisible(record.role)) this.#channel.broadcast('participantUpdated', this.#view(record));
  }

  #byPeer(peerId: string): ParticipantRecord | undefined {
    for (const record of this.#participants.values()) if (record.connection?.peerId === peerId) return record;
    return undefined;
  }

  #ownProducer(participantId: string, producerId: string): ProducerRecord {
    const producer = this.#producers.get(producerId);
    if (!producer || producer.participantId !== participantId) throw new ClassBridgeError(ErrorCode.NotFound, `no producer ${producerId} of yours`);
    return producer;
  }

  #producersOf(participantId: string): ProducerRecord[] {
    return [...this.#producers.values()].filter((producer) => producer.participantId === participantId);
  }

  #mayBeLive(record: ParticipantRecord, source: MediaSource): boolean {
    return !needsFloor(record.role, source) || this.#floor.includes(record.participantId);
  }

  #stateFor(record: ParticipantRecord): JoinResponse {
    return {
      self: this.#view(record),
      lesson: this.lessonView(),
      participants: [...this.#participants.values()]
        .filter((other) => other !== record && isVisible(other.role) && !this.#removed.has(other.participantId))
        .map((other) => this.#view(other)),
      producers: [...this.#producers.values()].filter((p) => p.participantId !== record.participantId).map(toInfo),
      floor: this.floorState(),
      spotlight: this.#spotlight,
      activeSpeaker: this.#activeSpeaker,
      recording: this.#isRecording(),
    };
  }

  #view(record: ParticipantRecord) {
    return record.view(this.#floor.includes(record.participantId));
  }

  async #setPaused(producer: ProducerRecord, paused: boolean, reason: ProducerPauseReason | null): Promise<void> {
    await this.#sfu.setProducerPaused(this.lessonId, producer.peerId, producer.producerId, paused);
    producer.paused = paused;
    producer.pauseReason = paused ? reason : null;
    const { producerId, participantId } = producer;
    if (paused) {
      this.#channel.broadcast('producerPaused', { producerId, participantId, reason: reason ?? 'owner' });
      this.#events.publish({ type: 'producer.paused', lessonId: this.lessonId, producerId, participantId, reason: reason ?? 'owner' });
    } else {
      this.#channel.broadcast('producerResumed', { producerId, participantId });
      this.#events.publish({ type: 'producer.resumed', lessonId: this.lessonId, producerId, participantId });
    }
  }

  async #revoke(target: ParticipantRecord): Promise<void> {
    this.#floor = this.#floor.filter((id) => id !== target.participantId);
    for (const producer of this.#producersOf(target.participantId)) {
      if (needsFloor(target.role, producer.source) && !producer.paused) await this.#setPaused(producer, true, 'no-floor');
    }
    this.#floorChanged(target);
    this.#logger.info({ participantId: target.participantId }, 'floor revoked');
  }

  /** The SFU's consumer priority for a video producer, from its owner's role and floor (mediaPriority). */
  #applyPriority(producer: ProducerRecord, owner: ParticipantRecord): void {
    if (producer.kind !== 'video') return;
    const priority = mediaPriority({ role: owner.role, source: producer.source, hasFloor: this.#floor.includes(owner.participantId) });
    if (priority === producer.priority) return;
    producer.priority = priority;
    this.#sfu.setProducerPriority(this.lessonId, producer.producerId, priority).catch((error: Error) => {
      // Gone meanwhile (closed, or the room with it): nothing to prioritise.
      this.#logger.debug({ producerId: producer.producerId, err: error.message }, 'producer priority not set');
    });
  }

  #floorChanged(record: ParticipantRecord): void {
    for (const producer of this.#producers.values()) if (producer.participantId === record.participantId) this.#applyPriority(producer, record);
    this.#channel.broadcast('floorChanged', this.floorState());
    this.#channel.broadcast('participantUpdated', this.#view(record));
    this.#events.publish({ type: 'floor.changed', lessonId: this.lessonId, floor: this.floorState() });
    this.#persistFloor();
  }

  /** Writes the floor to the store, one write at a time and always the latest floor, so the last write wins in order. */
  #persistFloor(): void {
    const holders = [...this.#floor];
    this.#floorWrites = this.#floorWrites.then(() =>
      this.#store.setFloorHolders(this.lessonId, holders).catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'could not store the floor')),
    );
  }

  /** Forgets (and announces the end of) the producers of one connection; the SFU closes them with its peer. */
  #forgetProducersOfPeer(peerId: string): void {
    for (const producer of [...this.#producers.values()]) if (producer.peerId === peerId) this.#forgetProducer(producer.producerId);
  }

  #forgetProducer(producerId: string): void {
    if (!this.#producers.delete(producerId)) return;
    this.#channel.broadcast('producerRemoved', { producerId });
    this.#events.publish({ type: 'producer.removed', lessonId: this.lessonId, producerId });
  }
}

function summaryOf(record: ParticipantRecord): ParticipantSummary {
  const { participantId, displayName, role, school, classroomId } = record;
  return { participantId, displayName, role, school, classroomId };
}

function toInfo(producer: ProducerRecord): ProducerInfo {
  const { producerId, participantId, kind, source, paused } = producer;
  return { producerId, participantId, kind, source, paused };
}
