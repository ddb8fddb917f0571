import { startRedisServer } from '../harness/redisServer.js';
import { restClient } from '../harness/restClient.js';
import { parseMetric, startServerProcess } from '../harness/serverProcess.js';
import type { ServerProcess } from '../harness/serverProcess.js';
import { startSfuNode } from '../harness/sfuNode.js';
import type { SfuNodeProcess } from '../harness/sfuNode.js';
import { startTcpBalancer } from '../harness/tcpBalancer.js';
import { lessonIdOf, tokenRequestOf } from './loadDirectory.js';
import type { ScenarioPlan } from './scenarios.js';
import { LOAD_SERVER_ENV, classbridgeObjects, processReading, startLessons, writeSeedFile } from './targets.js';
import type { LoadTarget } from './targets.js';

/**
 * A district cluster on loopback, as `--cluster N` asks: Redis, N SFU nodes (one worker
 * each, one region), two signaling nodes seeded with the plan's lessons, and a TCP
 * balancer in front that bots connect through. Lessons are placed on the least loaded
 * node; a node's workers are its media processes.
 */
export async function startLocalCluster(sfuNodes: number, plan: ScenarioPlan, extraEnv: Record<string, string> = {}): Promise<LoadTarget> {
  const seed = await writeSeedFile(plan);
  const redis = await startRedisServer();
  const nodes: SfuNodeProcess[] = [];
  const signaling: ServerProcess[] = [];
  let closeBalancer: (() => Promise<void>) | undefined;
  const stop = async () => {
    await closeBalancer?.();
    await Promise.all(signaling.map((server) => server.stop()));
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
    await seed.remove();
  };
  try {
    for (let i = 0; i < sfuNodes; i++) nodes.push(await startSfuNode({ redisUrl: redis.url, nodeId: `load-sfu-${i + 1}` }));
    const shared = {
      ...LOAD_SERVER_ENV,
      NODE_SELECTOR: 'region-least-loaded',
      ADMIN_API_KEY: 'load-cluster-admin-key',
      TOKEN_SECRET: 'load-cluster-token-secret-0123456789abcdef',
      REDIS_URL: redis.url,
      SEED_FILE: seed.seedFile,
      ...extraEnv,
    };
    for (let i = 0; i < 2; i++) signaling.push(await startServerProcess({ ...shared, SIGNALING_NODE_ID: `load-signal-${i + 1}` }, { gcPreload: false, readyTimeoutMs: 60_000 }));
    const balancer = await startTcpBalancer(signaling.map((server) => server.port));
    closeBalancer = balancer.close;
    const rest = restClient(signaling[0]!.url, shared.ADMIN_API_KEY);
    // Placement needs every node's heartbeat: wait until signaling sees them all.
    for (const deadline = Date.now() + 30_000; ; ) {
      const seen = parseMetric(String((await rest.api('GET', '/metrics')).body), 'classbridge_cluster_sfu_nodes');
      if (seen >= sfuNodes) break;
      if (Date.now() > deadline) throw new Error(`signaling sees ${seen} of ${sfuNodes} SFU nodes after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return {
      kind: 'classbridge',
      url: balancer.url,
      workers: sfuNodes,
      prepare: (p) => startLessons(rest, p),
      tokenFor: (bot) => rest.mintToken(lessonIdOf(bot.lesson), tokenRequestOf(bot)),
      // Control: the signaling nodes and the SFU nodes' own Node processes; media: the nodes' mediasoup workers.
      read: async () => processReading([...signaling.map((server) => server.pid), ...nodes.map((node) => node.process.pid!)], (await classbridgeObjects(rest)).objects),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
