import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;

/** Sends one STUN binding request (RFC 8489) over UDP; resolves when the server answers it. */
export function stunBinding(host: string, port: number, timeoutMs: number): Promise<void> {
  const transactionId = randomBytes(12);
  const request = Buffer.alloc(20);
  request.writeUInt16BE(BINDING_REQUEST, 0);
  request.writeUInt16BE(0, 2);
  request.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(request, 8);
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no STUN answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve();
    };
    socket.on('error', (error) => finish(error));
    socket.on('message', (message) => {
      if (message.length >= 20 && message.readUInt16BE(0) === BINDING_SUCCESS && message.subarray(8, 20).equals(transactionId)) finish();
    });
    socket.send(request, port, host);
  });
}
