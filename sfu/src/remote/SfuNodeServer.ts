import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import type { SfuControl, SfuEvents } from '../SfuControl.js';
import { parseRequest, sfuChannels, type SfuRpcReply } from './sfuRpc.js';

const EVENTS: Array<keyof SfuEvents & string> = [
  'roomClosed',
  'producerClosed',
  'consumerClosed',
  'consumerLayersChanged',
  'activeSpeaker',
  'audioLevels',
  'workerDied',
  'mediaTapClosed',
  'mediaTapSenderReport',
];

/**
 * An SFU node's side of the cluster: answers SfuControl calls that signaling nodes publish on
 * its request channel (RemoteSfu is the caller's side) and publishes its SfuEvents. Requests that
 * are not well-formed calls of a known method are dropped (and logged); a failing call answers its
 * error code and message, never ends the node.
 */
export class SfuNodeServer {
  readonly nodeId: string;
  readonly #sfu: SfuControl;
  readonly #publisher: RedisClientType;
  readonly #subscriber: RedisClientType;
  readonly #channels: ReturnType<typeof sfuChannels>;
  readonly #logger: Logger;
  readonly #detach: Array<() => void> = [];
  #closed = false;

  private constructor(nodeId: string, sfu: SfuControl, publisher: RedisClientType, subscriber: RedisClientType, prefix: string, logger: Logger) {
    this.nodeId = nodeId;
    this.#sfu = sfu;
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channels = sfuChannels(prefix, nodeId);
    this.#logger = logger;
  }

  /** `subscriber` is put in subscriber mode: give it a connection of its own. */
  static async start(options: { nodeId: string; sfu: SfuControl; publisher: RedisClientType; subscriber: RedisClientType; prefix?: string; logger: Logger }): Promise<SfuNodeServer> {
    const server = new SfuNodeServer(options.nodeId, options.sfu, options.publisher, options.subscriber, options.prefix ?? 'classbridge:', options.logger);
    await server.#listen();
    return server;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const detach of this.#detach) detach();
    await this.#subscriber.unsubscribe(this.#channels.requests).catch(() => undefined);
  }

  async #listen(): Promise<void> {
    for (const event of EVENTS) {
      const forward = (payload: unknown) => void this.#publish(this.#channels.events, JSON.stringify({ event, payload }));
      this.#sfu.on(event, forward as never);
      this.#detach.push(() => this.#sfu.off(event, forward as never));
    }
    await this.#subscriber.subscribe(this.#channels.requests, (message) => void this.#answer(message));
  }

  async #answer(message: string): Promise<void> {
    const request = parseRequest(message);
    if (!request) {
      this.#logger.warn({ bytes: message.length }, 'dropped a malformed SFU request');
      return;
    }
    let reply: SfuRpcReply;
    try {
      const method = this.#sfu[request.method] as (...args: unknown[]) => Promise<unknown>;
      reply = { id: request.id, ok: true, result: (await method.apply(this.#sfu, request.args)) ?? null };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      reply = { id: request.id, ok: false, error: { code: typeof code === 'string' ? code : 'INTERNAL', message: (error as Error).message ?? String(error) } };
    }
    await this.#publish(request.replyTo, JSON.stringify(reply));
  }

  async #publish(channel: string, text: string): Promise<void> {
    if (this.#closed) return;
    await this.#publisher.publish(channel, text).catch((error: Error) => this.#logger.warn({ err: error.message, channel }, 'could not publish to Redis'));
  }
}
