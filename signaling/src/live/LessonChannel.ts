import type { NotificationMap, NotificationMethod } from '@classbridge/protocol';

/**
 * How a live lesson reaches its connections. Backed by socket.io rooms, so with
 * socket.io's Redis adapter the same calls reach sockets on every node.
 */
export interface LessonChannel {
  /** To every connection in the lesson's broadcast group. */
  broadcast<M extends NotificationMethod>(method: M, data: NotificationMap[M]): void;
  /** To one connection. */
  send<M extends NotificationMethod>(connectionId: string, method: M, data: NotificationMap[M]): void;
  /** Puts a joined connection into the broadcast group; synchronous, so it can happen in the step that takes the joiner's snapshot. */
  addMember(connectionId: string): void;
  /** Takes a connection out of the broadcast group (it left or was replaced). */
  removeMember(connectionId: string): void;
  /** Drop a connection (after telling it why). */
  disconnect(connectionId: string): void;
  /** Drop every connection holding a token for this lesson, joined or not, except `exceptConnectionId`. */
  disconnectAll(exceptConnectionId?: string): void;
}
