import { randomUUID } from 'node:crypto';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AccessClaims, RequestData, RequestMethod, ResponseData } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { LiveLesson } from '../live/LiveLesson.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { ParsedRequest } from './parseRequest.js';

/** Puts the connection into (and out of) its lesson's broadcast group. */
export interface LessonMembership {
  joined(): void;
  left(): void;
}

type Handlers = { [M in RequestMethod]: (data: RequestData<M>) => Promise<ResponseData<M>> | ResponseData<M> };

const EMPTY = {} as Record<string, never>;

/**
 * One authenticated socket: the participant its token names, and the requests it may make.
 * Every request is answered from here after parseRequest validated it.
 */
export class ParticipantSession {
  readonly connectionId: string;
  readonly claims: AccessClaims;
  readonly #registry: LiveLessonRegistry;
  readonly #sfu: SfuControl;
  readonly #membership: LessonMembership;
  #lesson: LiveLesson | null = null;
  #closed = false;
  readonly #handlers: Handlers;

  constructor(connectionId: string, claims: AccessClaims, registry: LiveLessonRegistry, sfu: SfuControl, membership: LessonMembership) {
    this.connectionId = connectionId;
    this.claims = claims;
    this.#registry = registry;
    this.#sfu = sfu;
    this.#membership = membership;
    const me = claims.sub;
    this.#handlers = {
      getRouterRtpCapabilities: async () => {
        await this.#registry.get(claims.lessonId); // the lesson must exist and not have ended
        return { rtpCapabilities: await this.#sfu.getRouterRtpCapabilities(claims.lessonId) };
      },
      join: (data) => this.#join(data),
      sync: () => this.#joined().sync(me),
      createTransport: (data) => this.#joined().createTransport(me, data.direction),
      connectTransport: async (data) => (await this.#joined().connectTransport(me, data), EMPTY),
      restartIce: async (data) => ({ iceParameters: await this.#joined().restartIce(me, data.transportId) }),
      produce: (data) => this.#joined().produce(me, data),
      pauseProducer: async (data) => (await this.#joined().setOwnProducerPaused(me, data.producerId, true), EMPTY),
      resumeProducer: async (data) => (await this.#joined().setOwnProducerPaused(me, data.producerId, false), EMPTY),
      closeProducer: async (data) => (await this.#joined().closeProducer(me, data.producerId), EMPTY),
      consume: (data) => this.#joined().consume(me, data.producerId),
      resumeConsumer: async (data) => (await this.#joined().setConsumerPaused(me, data.consumerId, false), EMPTY),
      pauseConsumer: async (data) => (await this.#joined().setConsumerPaused(me, data.consumerId, true), EMPTY),
      setConsumerPreferredLayers: async (data) => (await this.#joined().setConsumerPreferredLayers(me, data), EMPTY),
      leave: async () => (await this.close(), EMPTY),
      raiseHand: () => (this.#joined().raiseHand(me), EMPTY),
      lowerHand: () => (this.#joined().lowerHand(me), EMPTY),
      grantFloor: async (data) => (await this.#joined().grantFloor(me, data.participantId), EMPTY),
      revokeFloor: async (data) => (await this.#joined().revokeFloor(me, data.participantId), EMPTY),
      muteParticipant: async (data) => (await this.#joined().mute(me, data.participantId), EMPTY),
      removeParticipant: async (data) => (await this.#joined().remove(me, data.participantId), EMPTY),
      spotlight: (data) => (this.#joined().setSpotlight(me, data.participantId), EMPTY),
      endLesson: async () => {
        this.#joined(); // moderator check happens in the lesson
        await this.#registry.endLesson(claims.lessonId, me);
        return EMPTY;
      },
    };
  }

  async handle(request: ParsedRequest): Promise<unknown> {
    if (this.#closed) throw new ClassBridgeError(ErrorCode.NotJoined, 'this connection has left the lesson');
    const handler = this.#handlers[request.method] as (data: unknown) => Promise<unknown> | unknown;
    return handler(request.data);
  }

  /** Leave the lesson (explicitly or because the socket closed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lesson = this.#lesson;
    this.#lesson = null;
    if (!lesson) return;
    this.#membership.left();
    await lesson.leave(this.claims.sub, this.connectionId);
  }

  async #join(data: RequestData<'join'>): Promise<ResponseData<'join'>> {
    if (this.#lesson) throw new ClassBridgeError(ErrorCode.AlreadyJoined, 'already joined');
    const lesson = await this.#registry.get(this.claims.lessonId);
    // A fresh SFU peer id per connection: a late disconnect of an old socket never touches the new one's media.
    const response = await lesson.join(this.claims, this.connectionId, randomUUID(), data.rtpCapabilities);
    if (this.#closed) {
      // The socket went away while joining: undo, or a ghost would stay in the lesson.
      await lesson.leave(this.claims.sub, this.connectionId);
      throw new ClassBridgeError(ErrorCode.NotJoined, 'the connection closed while joining');
    }
    this.#lesson = lesson;
    this.#membership.joined();
    return response;
  }

  #joined(): LiveLesson {
    if (!this.#lesson) throw new ClassBridgeError(ErrorCode.NotJoined, 'join the lesson first');
    return this.#lesson;
  }
}
