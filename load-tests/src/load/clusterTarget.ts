import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startRedisServer } from '../harness/redisServer.js';
import { restClient } from '../harness/restClient.js';
import { parseMetric, startServerProcess } from '../harness/serverProcess.js';
import type { ServerProcess } from '../harness/serverProcess.js';
import { startSfuNode } from '../harness/sfuNode.js';
import type { SfuNodeProcess } from '../harness/sfuNode.js';
import { startTcpBalancer } from '../harness/tcpBalancer.js';
import { lessonIdOf, loadDirectory, tokenRequestOf } from './loadDirectory.js';
import { cpuSecondsOf, descendants, fdCountOf, rssBytesOf } from './procStats.js';
import type { ScenarioPlan } from './scenarios.js';
import type { LoadTarget, TargetReading } from './targets.js';

const SFU_OBJECT_TYPES = ['rooms', 'peers', 'transports', 'producers', 'consumers', 'pipes'];

/**
 * A district cluster on loopback, as `--cluster N` asks: Redis, N SFU nodes (one worker
 * each, one region), two signaling nodes seeded with the plan's lessons, and a TCP
 * balancer in front that bots connect through. Lessons are placed on the least loaded
 * node; a node's workers are its media processes.
 */
export async function startLocalCluster(sfuNodes: number, plan: ScenarioPlan, extraEnv: Record<string, string> = {}): Promise<LoadTarget> {
  const seedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-load-seed-'));
  const seedFile = path.join(seedDir, 'directory.json');
  await fs.writeFile(seedFile, JSON.stringify(loadDirectory(plan, new Date())));
  const redis = await startRedisServer();
  const nodes: SfuNodeProcess[] = [];
  const signaling: ServerProcess[] = [];
  let closeBalancer: (() => Promise<void>) | undefined;
  const stop = async () => {
    await closeBalancer?.();
    await Promise.all(signaling.map((server) => server.stop()));
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
    await fs.rm(seedDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < sfuNodes; i++) nodes.push(await startSfuNode({ redisUrl: redis.url, nodeId: `load-sfu-${i + 1}` }));
    const shared = {
      RECORDING: 'off',
      CAPTIONS: 'off',
      NODE_SELECTOR: 'region-least-loaded',
      ADMIN_API_KEY: 'load-cluster-admin-key',
      TOKEN_SECRET: 'load-cluster-token-secret-0123456789abcdef',
      RATE_LIMIT_BURST: '100000',
      RATE_LIMIT_PER_SECOND: '100000',
      MAX_FLOOR_HOLDERS: '16',
      REDIS_URL: redis.url,
      SEED_FILE: seedFile,
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
      async prepare(p) {
        for (const { index } of p.lessons) {
          const answer = await rest.api('POST', `/api/lessons/${lessonIdOf(index)}/start`);
          if (answer.status !== 200) throw new Error(`could not start ${lessonIdOf(index)}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      },
      tokenFor: (bot) => rest.mintToken(lessonIdOf(bot.lesson), tokenRequestOf(bot)),
      async read(): Promise<TargetReading> {
        const metrics = String((await rest.api('GET', '/metrics')).body);
        const objects: Record<string, number> = {};
        for (const type of SFU_OBJECT_TYPES) objects[type] = parseMetric(metrics, `classbridge_sfu_objects{type="${type}"}`);
        // Media: each node's mediasoup workers. Control: the signaling nodes and the SFU nodes' own Node processes.
        const workerPids = (await Promise.all(nodes.map((node) => descendants(node.process.pid!)))).flat().filter((entry) => entry.command.startsWith('mediasoup-work'));
        const controlPids = [...signaling.map((server) => server.pid), ...nodes.map((node) => node.process.pid!)];
        const otherPids = (await Promise.all(signaling.map((server) => descendants(server.pid)))).flat().filter((entry) => !entry.command.startsWith('mediasoup-work'));
        const sum = async (pids: number[], read: (pid: number) => Promise<number | null>) => (await Promise.all(pids.map(read))).reduce<number>((total, value) => total + (value ?? 0), 0);
        const workerCpu = await Promise.all(workerPids.map((entry) => cpuSecondsOf(entry.pid)));
        return {
          workerCpuSeconds: workerCpu.reduce<number>((total, value) => total + (value ?? 0), 0),
          perWorkerCpuSeconds: workerCpu.map((value) => value ?? 0),
          workerRssBytes: await sum(workerPids.map((entry) => entry.pid), rssBytesOf),
          otherCpuSeconds: await sum(otherPids.map((entry) => entry.pid), cpuSecondsOf),
          otherRssBytes: await sum(otherPids.map((entry) => entry.pid), rssBytesOf),
          controlCpuSeconds: await sum(controlPids, cpuSecondsOf),
          controlRssBytes: await sum(controlPids, rssBytesOf),
          controlFds: await sum(controlPids, fdCountOf),
          objects,
        };
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
