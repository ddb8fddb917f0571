import type { AccessClaims } from '@classbridge/protocol';
import type { ParsedRequest } from '../socket/parseRequest.js';

/** A connection as the gateway admitted it. */
export interface AdmittedConnection {
  /** The socket id: notifications reach the connection by it, on whichever node it is. */
  connectionId: string;
  claims: AccessClaims;
  /** When its token expires (ms since the epoch). */
  expiresAtMs: number;
  /** Closes the connection (its lesson moved to another node: the client reconnects and joins it there). */
  disconnect(reason: 'owner-gone' | 'lease-lost'): void;
}

/** One connection's requests to its lesson, wherever the lesson's live state is held. */
export interface LessonSession {
  /** Answers one validated request (throws ClassBridgeError to refuse it). */
  handle(request: ParsedRequest): Promise<unknown>;
  /** The connection must be closed once its latest answer is out (it ended the lesson, or its lesson moved to another node). */
  readonly closeAfterReply: boolean;
  /** The connection is gone: leave the lesson. */
  close(): Promise<void>;
}

/**
 * Where a connection's requests are answered: by the lesson's one owner. The embedded server owns
 * every lesson (LocalLessonSessions); in a cluster the node holding the lesson's lease answers,
 * and other nodes forward to it (ClusterLessonSessions).
 */
export interface LessonSessions {
  open(connection: AdmittedConnection): LessonSession;
  close(): Promise<void>;
}
