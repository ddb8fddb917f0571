/**
 * Stable error codes of the ClassBridge wire protocol and REST API.
 * Clients may switch on these; never rename one, only add.
 */
export const ErrorCode = {
  /** The message is not an object of the expected shape, or a field is invalid. */
  BadRequest: 'BAD_REQUEST',
  /** The request names a method the server does not know. */
  UnknownMethod: 'UNKNOWN_METHOD',
  /** The message exceeds the size limit. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** Too many messages in a short time from one socket. */
  RateLimited: 'RATE_LIMITED',
  /** No token, or a token that cannot be verified. */
  Unauthorized: 'UNAUTHORIZED',
  /** The token was valid once but has expired. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The token is for another lesson than the one asked for. */
  WrongLesson: 'WRONG_LESSON',
  /** The caller's role does not allow this action. */
  Forbidden: 'FORBIDDEN',
  /** A microphone needs the floor (发言权) first. */
  FloorRequired: 'FLOOR_REQUIRED',
  /** The request needs a joined participant. */
  NotJoined: 'NOT_JOINED',
  /** `join` was sent twice on one connection. */
  AlreadyJoined: 'ALREADY_JOINED',
  /** The referenced entity (lesson, transport, producer, participant…) does not exist. */
  NotFound: 'NOT_FOUND',
  /** The lesson is in a state that does not allow this (e.g. ended). */
  InvalidState: 'INVALID_STATE',
  /** A conflicting entity exists already. */
  Conflict: 'CONFLICT',
  /** mediasoup rejected RTP/DTLS parameters. */
  InvalidMediaParameters: 'INVALID_MEDIA_PARAMETERS',
  /** The media server is unavailable or failed. */
  MediaUnavailable: 'MEDIA_UNAVAILABLE',
  /** Anything else; details are in the server log, never in the reply. */
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error part of a failed acknowledgement or REST response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** An error that carries a stable code across the wire. */
export class ClassBridgeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ClassBridgeError';
    this.code = code;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}
