import { randomUUID } from 'node:crypto';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AccessClaims, RequestData, RequestMethod, ResponseData } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { LiveLesson } from '../live/LiveLesson.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { IceServerProvider } from '../turn/TurnCredentials.js';
import type { ParsedRequest } from './parseRequest.js';
import type { LessonSession } from '../routing/LessonSessions.js';

type Handlers = { [M in RequestMethod]: (data: RequestData<M>) => Promise<ResponseData<M>> | ResponseData<M> };

const EMPTY = {} as Record<string, never>;

/**
 * One authenticated socket: the participant its token names, and the requests it may make.
 * Every request is answered from here after parseRequest validated it.
 */
export class ParticipantSession implements LessonSession {
  readonly connectionId: string;
  readonly claims: AccessClaims;
  readonly #registry: LiveLessonRegistry;
  readonly #sfu: SfuControl;
  /** When the token expires (ms since the epoch). */
  readonly #expiresAtMs: number;
  #lesson: LiveLesson | null = null;
  #closed = false;
  #closeAfterReply = false;
  /** A join is in flight: a second one on this connection is refused rather than racing it. */
  #joining = false;
  readonly #handlers: Handlers;

  constructor(connectionId: string, claims: AccessClaims, expiresAtMs: number, registry: LiveLessonRegistry, sfu: SfuControl, ice: IceServerProvider) {
    this.connectionId = connectionId;
    this.claims = claims;
    this.#expiresAtMs = expiresAtMs;
    this.#registry = registry;
    this.#sfu = sfu;
    const me = claims.sub;
    this.#handlers = {
      getRouterRtpCapabilities: async () => {
        // The lesson must exist and not have ended; no live state or media room is opened for this.
        await this.#registry.assertJoinable(claims.lessonId);
        return { rtpCapabilities: await this.#sfu.getRouterRtpCapabilities(claims.lessonId) };
      },
      join: (data) => this.#join(data),
      sync: () => this.#joined().sync(me),
      // ICE servers (TURN with this participant's fresh credentials) travel with each transport.
      createTransport: async (data) => ({ ...(await this.#joined().createTransport(me, data.direction)), ...ice.forParticipant(me) }),
      connectTransport: async (data) => (await this.#joined().connectTransport(me, data), EMPTY),
      restartIce: async (data) => ({ iceParameters: await this.#joined().restartIce(me, data.transportId), iceServers: ice.forParticipant(me).iceServers }),
      mediaPathRestored: async (data) => (await this.#joined().mediaPathRestored(me, data.transportId), EMPTY),
      produce: (data) => this.#joined().produce(me, data),
      pauseProducer: async (data) => (await this.#joined().setOwnProducerPaused(me, data.producerId, true), EMPTY),
      resumeProducer: async (data) => (await this.#joined().setOwnProducerPaused(me, data.producerId, false), EMPTY),
      closeProducer: async (data) => (await this.#joined().closeProducer(me, data.producerId), EMPTY),
      consume: (data) => this.#joined().consume(me, data.producerId),
      resumeConsumer: async (data) => (await this.#joined().setConsumerPaused(me, data.consumerId, false), EMPTY),
      pauseConsumer: async (data) => (await this.#joined().setConsumerPaused(me, data.consumerId, true), EMPTY),
      setConsumerPreferredLayers: async (data) => (await this.#joined().setConsumerPreferredLayers(me, data), EMPTY),
      leave: async () => (await this.close(), EMPTY),
      reportNetworkQuality: (data) => (this.#joined().reportNetworkQuality(me, data), EMPTY),
      raiseHand: () => (this.#joined().raiseHand(me), EMPTY),
      lowerHand: () => (this.#joined().lowerHand(me), EMPTY),
      dismissHand: (data) => (this.#joined().dismissHand(me, data.participantId), EMPTY),
      grantFloor: async (data) => (await this.#joined().grantFloor(me, data.participantId), EMPTY),
      revokeFloor: async (data) => (await this.#joined().revokeFloor(me, data.participantId), EMPTY),
      muteParticipant: async (data) => (await this.#joined().mute(me, data.participantId), EMPTY),
      removeParticipant: async (data) => (await this.#joined().remove(me, data.participantId), EMPTY),
      spotlight: (data) => (this.#joined().setSpotlight(me, data.participantId), EMPTY),
      endLesson: async () => {
        this.#joined(); // moderator check happens in the lesson
        // This connection is kept until its answer is out; the gateway closes it then.
        await this.#registry.endLesson(claims.lessonId, me, this.connectionId);
        this.#lesson = null;
        this.#closed = true;
        this.#closeAfterReply = true;
        return EMPTY;
      },
    };
  }

  async handle(request: ParsedRequest): Promise<unknown> {
    if (this.#closed) throw new ClassBridgeError(ErrorCode.NotJoined, 'this connection has left the lesson');
    const handler = this.#handlers[request.method] as (data: unknown) => Promise<unknown> | unknown;
    return handler(request.data);
  }

  /** The session is over once its answer is sent (it ended the lesson): the socket should be closed then. */
  get closeAfterReply(): boolean {
    return this.#closeAfterReply;
  }

  /** Leave the lesson (explicitly or because the socket closed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lesson = this.#lesson;
    this.#lesson = null;
    if (!lesson) return;
    await lesson.leave(this.claims.sub, this.connectionId);
  }

  async #join(data: RequestData<'join'>): Promise<ResponseData<'join'>> {
    if (this.#lesson || this.#joining) throw new ClassBridgeError(ErrorCode.AlreadyJoined, 'already joined');
    if (Date.now() >= this.#expiresAtMs) throw new ClassBridgeError(ErrorCode.TokenExpired, 'the access token has expired');
    this.#joining = true;
    try {
      let lesson = await this.#registry.get(this.claims.lessonId);
      // Released as idle between the lookup and the join: it is loaded afresh (once is enough: release needs the grace period).
      if (lesson.retired) lesson = await this.#registry.get(this.claims.lessonId);
      // A fresh SFU peer id per connection: a late disconnect of an old socket never touches the new one's media.
      const response = await lesson.join(this.claims, this.connectionId, randomUUID(), data.rtpCapabilities);
      if (this.#closed) {
        // The socket went away while joining: undo, or a ghost would stay in the lesson.
        await lesson.leave(this.claims.sub, this.connectionId);
        throw new ClassBridgeError(ErrorCode.NotJoined, 'the connection closed while joining');
      }
      this.#lesson = lesson;
      return response;
    } finally {
      this.#joining = false;
    }
  }

  /** The lesson, if this connection is still the participant's current one (a replaced connection may not act). */
  #joined(): LiveLesson {
    if (!this.#lesson) throw new ClassBridgeError(ErrorCode.NotJoined, 'join the lesson first');
    this.#lesson.assertConnection(this.claims.sub, this.connectionId);
    return this.#lesson;
  }
}
