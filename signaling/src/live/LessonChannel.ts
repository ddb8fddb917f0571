import type { NotificationMap, NotificationMethod } from '@classbridge/protocol';

/**
 * How a live lesson reaches its connections. Backed by socket.io rooms, so with
 * socket.io's Redis adapter the same calls reach sockets on every node.
 */
export interface LessonChannel {
  /** To every connection in the lesson. */
  broadcast<M extends NotificationMethod>(method: M, data: NotificationMap[M]): void;
  /** To one connection. */
  send<M extends NotificationMethod>(connectionId: string, method: M, data: NotificationMap[M]): void;
  /** Drop a connection (after telling it why). */
  disconnect(connectionId: string): void;
}
