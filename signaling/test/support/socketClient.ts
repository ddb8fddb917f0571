import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { ErrorBody, Notification } from '@classbridge/protocol';

/** An acknowledgement as tests read it: `data` on success, `error` on failure. */
export interface LooseAck {
  ok: boolean;
  data: any;
  error: ErrorBody;
}

export interface TestSocket {
  socket: Socket;
  notifications: Notification[];
  request(method: string, data?: unknown): Promise<LooseAck>;
  close(): void;
}

/** Connects like the SDK does; rejects with the server's refusal body. */
export function connect(url: string, auth: Record<string, unknown>, headers: Record<string, string> = {}): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
    const notifications: Notification[] = [];
    socket.on('notification', (notification: Notification) => notifications.push(notification));
    socket.once('connect', () =>
      resolve({
        socket,
        notifications,
        request: (method, data) => socket.timeout(5000).emitWithAck('request', { method, data }),
        close: () => socket.disconnect(),
      }),
    );
    socket.once('connect_error', (error: Error & { data?: ErrorBody }) => {
      socket.disconnect();
      reject(error.data ?? { code: 'CONNECT_ERROR', message: error.message });
    });
  });
}

/** A minimal Opus producer's RTP parameters, as a browser would send them. */
export const opusRtpParameters = (ssrc: number) => ({
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }],
  encodings: [{ ssrc }],
  rtcp: { cname: `test-${ssrc}` },
});

export const vp8RtpParameters = (ssrc: number) => ({
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
  encodings: [{ ssrc }],
  rtcp: { cname: `test-${ssrc}` },
});

/** Polls until `condition` holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Anything with a REST-minted token: the LocalServer harness or a server process. */
export interface TokenSource {
  url: string;
  mintToken(lessonId: string, body: Record<string, unknown>): Promise<string>;
}

/** Connects and joins with the router's own capabilities (what a Device would send); throws if either step fails. */
export async function joinAs(server: TokenSource, lessonId: string, body: Record<string, unknown>): Promise<TestSocket> {
  const client = await connect(server.url, { token: await server.mintToken(lessonId, body) });
  const caps = await client.request('getRouterRtpCapabilities', {});
  const joined = await client.request('join', { rtpCapabilities: caps.ok ? caps.data.rtpCapabilities : {} });
  if (!caps.ok || !joined.ok) {
    client.close();
    throw new Error(`join failed: ${JSON.stringify(caps.ok ? joined.error : caps.error)}`);
  }
  return client;
}

/** The code a connection attempt is refused with, or 'ACCEPTED'. */
export async function refusal(url: string, auth: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  return connect(url, auth, headers).then(
    (socket) => {
      socket.close();
      return 'ACCEPTED';
    },
    (error: { code: string }) => error.code,
  );
}

/** The error code of a failed acknowledgement, 'OK' for a success. */
export function outcome(ack: LooseAck): string {
  return ack.ok ? 'OK' : ack.error.code;
}
