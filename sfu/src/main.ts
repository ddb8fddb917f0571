/**
 * An SFU node of a cluster: mediasoup workers (LocalSfu) controlled by signaling nodes over Redis
 * (SfuNodeServer). Configuration from the environment:
 *   REDIS_URL (required), SFU_NODE_ID (required: unique in the cluster),
 *   RTC_LISTEN_IP (0.0.0.0), RTC_PORT (40000), RTC_ANNOUNCED_IP, NUM_WORKERS (cores),
 *   PIPE_LISTEN_IP (127.0.0.1), PIPE_ANNOUNCED_IP, SFU_REGION (default), SFU_MAX_PARTICIPANTS (500),
 *   HEALTH_PORT (0: none), LOG_LEVEL (info).
 */
import http from 'node:http';
import os from 'node:os';
import { pino } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { LocalSfu } from './LocalSfu.js';
import { DEFAULT_SOCKET_BUFFER_BYTES, defaultSfuConfig } from './config.js';
import { SfuNodeServer } from './remote/SfuNodeServer.js';
import { NodeHeartbeat } from './remote/NodeHeartbeat.js';
import { reportRedisTrouble } from './remote/reportRedisTrouble.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** A whole number from the environment within 0…max (`what` names it in the error), or the fallback when unset. */
function integer(name: string, fallback: number, max: number, what: string): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) fail(`${name} must be ${what} (0–${max}), not ${JSON.stringify(text)}`);
  return value;
}

const port = (name: string, fallback: number) => integer(name, fallback, 65_535, 'a port number');
const bytes = (name: string, fallback: number) => integer(name, fallback, 256 * 1024 * 1024, 'a byte count');

const redisUrl = process.env['REDIS_URL'] ?? fail('REDIS_URL is required: the SFU node takes its orders over Redis');
const nodeId = process.env['SFU_NODE_ID'] ?? fail('SFU_NODE_ID is required (unique in the cluster, e.g. county-qinghe-1)');
if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) fail('SFU_NODE_ID: 1–64 letters, digits, dots, dashes or underscores');
const numWorkers = port('NUM_WORKERS', os.availableParallelism()) || 1;
const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'info', base: { service: 'classbridge-sfu', nodeId } });

const sfu = await LocalSfu.start(
  defaultSfuConfig({
    nodeId,
    numWorkers,
    listenIp: process.env['RTC_LISTEN_IP'] ?? '0.0.0.0',
    rtcPort: port('RTC_PORT', 40_000),
    socketBufferBytes: bytes('RTC_SOCKET_BUFFER_BYTES', DEFAULT_SOCKET_BUFFER_BYTES),
    ...(process.env['RTC_ANNOUNCED_IP'] ? { announcedAddress: process.env['RTC_ANNOUNCED_IP'] } : {}),
    pipeListenIp: process.env['PIPE_LISTEN_IP'] ?? '127.0.0.1',
    ...(process.env['PIPE_ANNOUNCED_IP'] ? { pipeAnnouncedAddress: process.env['PIPE_ANNOUNCED_IP'] } : {}),
  }),
  logger,
);
const publisher = createClient({ url: redisUrl }) as RedisClientType;
const subscriber = publisher.duplicate() as RedisClientType;
reportRedisTrouble([publisher, subscriber], logger);
await publisher.connect();
await subscriber.connect();
const node = await SfuNodeServer.start({ nodeId, sfu, publisher, subscriber, logger });
const region = process.env['SFU_REGION'] ?? 'default';
const maxParticipants = port('SFU_MAX_PARTICIPANTS', 500) || 500;
// Listed in the cluster's node registry while it beats; placement reads region and load from it.
const heartbeat = new NodeHeartbeat(publisher, async () => {
  const stats = await sfu.stats();
  // The machine's 1-minute load per core: the media workers are most of it on an SFU node.
  const cpu = Math.min(1, os.loadavg()[0]! / os.availableParallelism());
  return { nodeId, region, draining: false, maxParticipants, load: { rooms: stats.rooms, participants: stats.peers, cpu } };
});
await heartbeat.beat();

// GET /healthz: 200 while the workers and Redis are there.
const health = http.createServer((request, response) => {
  const ok = !sfu.closed && publisher.isReady && subscriber.isReady;
  response.writeHead(request.url === '/healthz' ? (ok ? 200 : 503) : 404, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ ok, nodeId }));
});
const healthPort = port('HEALTH_PORT', 0);
if (healthPort) health.listen(healthPort, '0.0.0.0');
logger.info({ numWorkers, healthPort }, 'SFU node ready');

const shutdown = async (signal: string) => {
  logger.info({ signal }, 'SFU node shutting down');
  health.close();
  await heartbeat.close();
  await node.close();
  await sfu.close();
  await Promise.all([publisher.quit(), subscriber.quit()].map((quit) => quit.catch(() => undefined)));
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
