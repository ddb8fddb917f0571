import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { NOTIFICATION_EVENT, REQUEST_EVENT } from '@classbridge/protocol';
import type { Ack, Notification, RequestData, RequestMethod, ResponseData } from '@classbridge/protocol';

const REQUEST_TIMEOUT_MS = 20_000;

/** A request the server refused: its stable code and message. */
export class BotRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A bot's socket: the public protocol's requests and notifications, nothing else.
 * No reconnection: a bot whose link drops has failed, and the run counts it.
 */
export class BotSignaling {
  readonly #socket: Socket;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Connects with the token; rejects with the server's refusal (bad token, full lesson…). */
  static connect(url: string, token: string, timeoutMs = 20_000): Promise<BotSignaling> {
    const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, timeout: timeoutMs, forceNew: true });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new BotSignaling(socket)));
      socket.once('connect_error', (error: Error & { data?: { code?: string; message?: string } }) => {
        socket.close();
        reject(new BotRequestError(error.data?.code ?? 'CONNECT_FAILED', error.data?.message ?? error.message));
      });
    });
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  request<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<ResponseData<M>> {
    return new Promise((resolve, reject) => {
      this.#socket.timeout(REQUEST_TIMEOUT_MS).emit(REQUEST_EVENT, { method, data }, (timeout: Error | null, answer: Ack<ResponseData<M>>) => {
        if (timeout) reject(new BotRequestError('TIMEOUT', `no answer to ${method} within ${REQUEST_TIMEOUT_MS} ms`));
        else if (answer.ok) resolve(answer.data);
        else reject(new BotRequestError(answer.error.code, `${method}: ${answer.error.message}`));
      });
    });
  }

  onNotification(listener: (notification: Notification) => void): void {
    this.#socket.on(NOTIFICATION_EVENT, listener);
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.#socket.on('disconnect', (reason) => {
      if (!this.#closed) listener(reason);
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket.close();
  }
}
