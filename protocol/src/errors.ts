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
  /** Too many messages or attempts in a short time (per socket, participant or client address); see `retryAfterSeconds`. */
  RateLimited: 'RATE_LIMITED',
  /** A configured cap is reached (live lessons, participants in a lesson, open lessons, connections per participant). */
  LimitExceeded: 'LIMIT_EXCEEDED',
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
  /** No answer in time (client side: the server is unreachable, or a request was not acknowledged). */
  Timeout: 'TIMEOUT',
  /** The service cannot answer now (a cluster's shared state is unreachable, or the lesson is moving to another node); try again shortly. */
  Unavailable: 'UNAVAILABLE',
  /** Anything else; details are in the server log, never in the reply. */
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error part of a failed acknowledgement or REST response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** With RATE_LIMITED: when trying again may succeed. */
  retryAfterSeconds?: number;
}

/** An error that carries a stable code across the wire. */
export class ClassBridgeError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'ClassBridgeError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return this.retryAfterSeconds === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterSeconds: this.retryAfterSeconds };
  }
}
