import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { ClassBridgeError, ErrorCode, NOTIFICATION_EVENT, REQUEST_EVENT } from '@classbridge/protocol';
import type { Ack, ErrorBody, Notification, RequestData, RequestMethod, ResponseData } from '@classbridge/protocol';
import { Emitter } from './Emitter.js';

interface SignalingEvents extends Record<string, unknown> {
  notification: Notification;
  /** Socket connected (first time or after a reconnect). */
  connected: { reconnect: boolean };
  disconnected: { reason: string };
  /** The server refused the connection (bad token…); no retry will help. */
  refused: ErrorBody;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** The socket.io link to signaling: typed requests with acknowledgements, and notifications. */
export class SignalingConnection extends Emitter<SignalingEvents> {
  readonly #socket: Socket;
  #everConnected = false;

  constructor(url: string, token: string, lessonId?: string) {
    super();
    this.#socket = io(url, {
      auth: lessonId === undefined ? { token } : { token, lessonId },
      transports: ['websocket'],
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
      // Opened by join(), so a client that is never joined holds no socket, and a timed-out join can start over.
      autoConnect: false,
    });
    this.#socket.on('connect', () => {
      this.emit('connected', { reconnect: this.#everConnected });
      this.#everConnected = true;
    });
    this.#socket.on('disconnect', (reason) => this.emit('disconnected', { reason }));
    this.#socket.on('connect_error', (error: Error & { data?: ErrorBody }) => {
      if (error.data?.code) {
        this.#socket.disconnect();
        this.emit('refused', error.data);
      }
    });
    this.#socket.on(NOTIFICATION_EVENT, (notification: Notification) => this.emit('notification', notification));
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Connects (and keeps reconnecting after drops) unless already connected or connecting. */
  open(): void {
    if (!this.#socket.connected && !this.#socket.active) this.#socket.connect();
  }

  /** Drops this connection and opens a new one: a new server-side session for a clean rejoin. */
  reconnect(): void {
    this.#socket.disconnect();
    this.#socket.connect();
  }

  /** Sends a request; rejects with ClassBridgeError carrying the server's code. */
  request<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<ResponseData<M>> {
    return new Promise((resolve, reject) => {
      this.#socket
        .timeout(REQUEST_TIMEOUT_MS)
        .emit(REQUEST_EVENT, { method, data }, (timeoutError: Error | null, answer: Ack<ResponseData<M>>) => {
          if (timeoutError) reject(new ClassBridgeError(ErrorCode.Timeout, `the server did not answer ${method} within ${REQUEST_TIMEOUT_MS / 1000} s`));
          else if (answer.ok) resolve(answer.data);
          else reject(new ClassBridgeError(answer.error.code, answer.error.message));
        });
    });
  }

  close(): void {
    this.#socket.disconnect();
  }
}
