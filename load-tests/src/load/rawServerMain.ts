/**
 * The raw mediasoup yardstick as a process of its own (so its CPU is measured apart
 * from the bots'): `node load-tests/dist/load/rawServerMain.js`, configured like the
 * ClassBridge server (HOST, PORT, RTC_PORT, SFU_WORKERS, RTC_SOCKET_BUFFER_BYTES).
 */
import { DEFAULT_SOCKET_BUFFER_BYTES } from '@classbridge/sfu';
import { RawMediasoupServer } from './RawMediasoupServer.js';

const env = process.env;
const server = await RawMediasoupServer.start({
  host: env['HOST'] ?? '127.0.0.1',
  port: Number(env['PORT'] ?? 0),
  rtcPort: Number(env['RTC_PORT'] ?? 40000),
  workers: Math.max(1, Number(env['SFU_WORKERS'] ?? 1)),
  socketBufferBytes: Number(env['RTC_SOCKET_BUFFER_BYTES'] ?? DEFAULT_SOCKET_BUFFER_BYTES),
});
process.stdout.write(`${JSON.stringify({ msg: 'raw mediasoup server listening', url: server.url, workerPids: server.workerPids })}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
