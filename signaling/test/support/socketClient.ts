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
export function connect(url: string, auth: Record<string, unknown>): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
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
