import { accessClaimsSchema, ErrorCode } from '@classbridge/protocol';
import type { ErrorBody } from '@classbridge/protocol';
import type { AdmittedConnection } from '../routing/LessonSessions.js';

/** Redis channels of one signaling node: requests forwarded to it as a lesson's owner, and the answers it waits for as a gateway. */
export const signalingChannels = (nodeId: string) => ({
  requests: `classbridge:signal:${nodeId}:requests`,
  replies: `classbridge:signal:${nodeId}:replies`,
});

/** Prefix of the signaling nodes' heartbeats (NodeHeartbeat / RedisNodeRegistry keys). */
export const SIGNALING_REGISTRY_PREFIX = 'classbridge:signal:';

/** What a gateway sends a lesson's owner. */
export type ForwardedMessage =
  | {
      kind: 'request';
      id: string;
      /** The gateway's node id: its replies channel, and whose connections die with it. */
      gatewayId: string;
      connection: Omit<AdmittedConnection, 'disconnect'>;
      /** Validated by the gateway; validated again by the owner before use. */
      request: { method: string; data: unknown };
    }
  | { kind: 'close'; gatewayId: string; connectionId: string; lessonId: string };

export type ForwardedReply = { id: string; closeAfterReply: boolean } & ({ ok: true; data: unknown } | { ok: false; error: ErrorBody });

const KNOWN_CODES = new Set<unknown>(Object.values(ErrorCode));

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 200;

/** A forwarded message, or null (dropped) if it is not one. */
export function parseForwarded(text: string): ForwardedMessage | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !isString(value.gatewayId)) return null;
  if (value.kind === 'close') return isString(value.connectionId) && isString(value.lessonId) ? (value as ForwardedMessage) : null;
  if (value.kind !== 'request' || !isString(value.id)) return null;
  const connection = value.connection as Record<string, unknown> | undefined;
  const request = value.request as Record<string, unknown> | undefined;
  if (typeof connection !== 'object' || connection === null || !isString(connection.connectionId) || typeof connection.expiresAtMs !== 'number') return null;
  const claims = accessClaimsSchema.safeParse(connection.claims);
  if (!claims.success || typeof request !== 'object' || request === null || typeof request.method !== 'string') return null;
  return { kind: 'request', id: value.id, gatewayId: value.gatewayId, connection: { connectionId: connection.connectionId, claims: claims.data, expiresAtMs: connection.expiresAtMs }, request: { method: request.method, data: request.data } };
}

/** A reply, or null if it is not one. */
export function parseReply(text: string): ForwardedReply | null {
  try {
    const value = JSON.parse(text) as ForwardedReply;
    if (typeof value !== 'object' || value === null || !isString(value.id) || typeof value.ok !== 'boolean' || typeof value.closeAfterReply !== 'boolean') return null;
    if (!value.ok && (!KNOWN_CODES.has(value.error?.code) || typeof value.error.message !== 'string')) return null;
    return value;
  } catch {
    return null;
  }
}
