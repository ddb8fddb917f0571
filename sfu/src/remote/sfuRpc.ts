import type { SfuControl } from '../SfuControl.js';

/** The SfuControl calls an SFU node answers over Redis (everything but the lifecycle of the handle). */
export const SFU_RPC_METHODS = [
  'getRouterRtpCapabilities',
  'createTransport',
  'connectTransport',
  'restartIce',
  'requestKeyFrames',
  'produce',
  'setProducerPaused',
  'setProducerPriority',
  'closeProducer',
  'listProducers',
  'consume',
  'setConsumerPaused',
  'setConsumerPreferredLayers',
  'consumerTraffic',
  'pipeTraffic',
  'openRoom',
  'openMediaTap',
  'requestTapKeyFrame',
  'closeMediaTap',
  'openPipe',
  'connectPipe',
  'sendThroughPipe',
  'receiveFromPipe',
  'setPipedProducerPaused',
  'closePipedProducer',
  'closePipe',
  'closePeer',
  'closeRoom',
  'stats',
] as const satisfies ReadonlyArray<keyof SfuControl>;

export type SfuRpcMethod = (typeof SFU_RPC_METHODS)[number];

/** A call to a node: published on its request channel. */
export interface SfuRpcRequest {
  id: string;
  method: SfuRpcMethod;
  args: unknown[];
  /** Channel the answer is published on (the caller's). */
  replyTo: string;
}

export type SfuRpcReply = { id: string; ok: true; result: unknown } | { id: string; ok: false; error: { code: string; message: string } };

/** An SfuEvents event as a node publishes it. */
export interface SfuRpcEvent {
  event: string;
  payload: unknown;
}

/** Channel names under a prefix (`classbridge:` by default). */
export const sfuChannels = (prefix: string, nodeId: string) => ({
  requests: `${prefix}sfu:${nodeId}:requests`,
  events: `${prefix}sfu:${nodeId}:events`,
});

/** A request from the wire, or null if it is not one (wrong shape, unknown method). */
export function parseRequest(text: string): SfuRpcRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { id, method, args, replyTo } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > 100) return null;
  if (typeof replyTo !== 'string' || replyTo.length === 0 || replyTo.length > 300) return null;
  if (typeof method !== 'string' || !(SFU_RPC_METHODS as readonly string[]).includes(method)) return null;
  if (!Array.isArray(args) || args.length > 8) return null;
  return { id, method: method as SfuRpcMethod, args, replyTo };
}
