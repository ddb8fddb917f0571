import type { Logger } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { ClusterSfu, RemoteSfu, availableNodes } from '@classbridge/sfu';
import type { SfuControl } from '@classbridge/sfu';
import { createSelector, type SelectorName } from '../routing/selectors/createSelector.js';
import { RedisDirectoryStore } from './RedisDirectoryStore.js';
import { RedisNodeRegistry } from './RedisNodeRegistry.js';

/** How often the node registry is read for SFU nodes that joined. */
const NODE_POLL_MS = 1_000;

export interface RunningCluster {
  store: RedisDirectoryStore;
  sfu: ClusterSfu;
  registry: RedisNodeRegistry;
  close(): Promise<void>;
}

/**
 * A signaling node's view of the cluster (REDIS_URL): the directory in Redis, and media on the
 * SFU node processes that beat in Redis's node registry, each participant placed by the
 * configured selector and each lesson piped across the nodes it spans (ClusterSfu). Fails with a
 * clear message if Redis cannot be reached.
 */
export async function connectCluster(options: { redisUrl: string; selector: SelectorName; logger: Logger }): Promise<RunningCluster> {
  const { logger } = options;
  let connected = false;
  // Once connected, a lost connection is retried for ever; a first connection that fails is an error.
  const reconnectStrategy = (retries: number) => (connected ? Math.min(2_000, 100 * 2 ** retries) : false);
  const publisher = createClient({ url: options.redisUrl, socket: { reconnectStrategy } }) as RedisClientType;
  const subscriber = publisher.duplicate() as RedisClientType;
  for (const client of [publisher, subscriber]) client.on('error', (error: Error) => logger.warn({ err: error.message }, 'Redis connection trouble'));
  try {
    await Promise.race([
      Promise.all([publisher.connect(), subscriber.connect()]).then(() => (connected = true)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref()),
    ]);
  } catch (error) {
    await Promise.all([publisher, subscriber].map((client) => client.disconnect().catch(() => undefined)));
    throw new Error(`cannot reach Redis at REDIS_URL (${redactedUrl(options.redisUrl)}): ${(error as Error).message}`);
  }
  const registry = new RedisNodeRegistry(publisher);
  const selector = createSelector(options.selector);
  const sfu: ClusterSfu = new ClusterSfu(new Map(), async () => {
    const candidates = availableNodes(await registry.list(), Date.now()).filter((node) => sfu.nodeIds.includes(node.nodeId));
    const chosen = selector.select(candidates, {});
    if (!chosen) throw new ClassBridgeError(ErrorCode.MediaUnavailable, 'no SFU node can take this participant now');
    return chosen.nodeId;
  });
  const connecting = new Set<string>();
  const refresh = async () => {
    for (const node of await registry.list()) {
      if (sfu.nodeIds.includes(node.nodeId) || connecting.has(node.nodeId)) continue;
      connecting.add(node.nodeId);
      try {
        sfu.addNode(node.nodeId, (await RemoteSfu.connect({ nodeId: node.nodeId, publisher, subscriber })) as SfuControl);
        logger.info({ nodeId: node.nodeId, region: node.region }, 'SFU node joined');
      } finally {
        connecting.delete(node.nodeId);
      }
    }
  };
  await refresh().catch((error: Error) => logger.warn({ err: error.message }, 'could not read the SFU node registry'));
  const timer = setInterval(() => void refresh().catch((error: Error) => logger.warn({ err: error.message }, 'could not read the SFU node registry')), NODE_POLL_MS);
  timer.unref();
  return {
    store: new RedisDirectoryStore(publisher),
    sfu,
    registry,
    close: async () => {
      clearInterval(timer);
      await sfu.close();
      await Promise.all([publisher.quit(), subscriber.quit()].map((quit) => quit.catch(() => undefined)));
    },
  };
}

/** The URL without its password, for messages and logs. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an invalid URL';
  }
}
