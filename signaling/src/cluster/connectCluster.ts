import os from 'node:os';
import type { Logger } from 'pino';
import { createClient, type RedisClientType } from 'redis';
import { createAdapter } from '@socket.io/redis-adapter';
import { Gauge, type Registry } from 'prom-client';
import type { Server as SocketServer } from 'socket.io';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import { ClusterSfu, NodeHeartbeat, availableNodes, reportRedisTrouble } from '@classbridge/sfu';
import type { NodeInfo } from '@classbridge/sfu';
import { createSelector, type SelectorName } from '../routing/selectors/createSelector.js';
import { RecentPlacements } from '../routing/RecentPlacements.js';
import type { LessonSessions } from '../routing/LessonSessions.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import { RedisDirectoryStore } from './RedisDirectoryStore.js';
import { RedisNodeRegistry } from './RedisNodeRegistry.js';
import { RedisLessonLeases } from './RedisLessonLeases.js';
import { SfuNodeFollower } from './SfuNodeFollower.js';
import { LessonOwnership } from './LessonOwnership.js';
import { LessonOwnerServer } from './LessonOwnerServer.js';
import { OwnerLink } from './OwnerLink.js';
import { ClusterLessonSessions } from './ClusterLessonSessions.js';
import { SignalingNodeWatch } from './SignalingNodeWatch.js';
import { SIGNALING_REGISTRY_PREFIX } from './signalingRpc.js';

/** How long after (re)connecting to Redis before a node missing from it counts as dead: longer than a heartbeat period and a resubscription. */
const LIVENESS_GRACE_MS = 3_000;

export interface ClusterOptions {
  redisUrl: string;
  selector: SelectorName;
  /** This signaling node's id. */
  nodeId: string;
  lessonLeaseMs: number;
  logger: Logger;
}

export interface RunningCluster {
  store: RedisDirectoryStore;
  sfu: ClusterSfu;
  registry: RedisNodeRegistry;
  /**
   * Serves lessons across the signaling nodes: each lesson is answered by the node holding its lease,
   * other nodes forward to it; `local` answers the lessons this node holds.
   */
  serveLessons(deps: { local: LessonSessions; lessons: LiveLessonRegistry; store: DirectoryStore; metrics: Registry; connectedSockets: () => number }): Promise<LessonSessions>;
  /** Lets socket.io reach sockets on every signaling node (its Redis adapter). */
  attach(io: SocketServer): void;
  close(): Promise<void>;
}

/**
 * A signaling node's view of the cluster (REDIS_URL): the directory in Redis, media on the SFU node
 * processes that beat in Redis's node registry (ClusterSfu, each participant placed by the
 * configured selector, each lesson piped across the nodes it spans), lessons owned by lease and
 * forwarded between signaling nodes. Fails with a clear message if Redis cannot be reached.
 */
export async function connectCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { logger, nodeId } = options;
  let connected = false;
  // Once connected, a lost connection is retried for ever; a first connection that fails is an error.
  const reconnectStrategy = (retries: number) => (connected ? Math.min(2_000, 100 * 2 ** retries) : false);
  // No offline queue: while Redis is away a command fails at once (UNAVAILABLE to the client) instead of hanging.
  const publisher = createClient({ url: options.redisUrl, disableOfflineQueue: true, socket: { reconnectStrategy } }) as RedisClientType;
  const clients = [publisher, publisher.duplicate(), publisher.duplicate(), publisher.duplicate()] as RedisClientType[];
  const [, subscriber, adapterPublisher, adapterSubscriber] = clients as [RedisClientType, RedisClientType, RedisClientType, RedisClientType];
  reportRedisTrouble(clients, logger);
  try {
    await Promise.race([
      Promise.all(clients.map((client) => client.connect())).then(() => (connected = true)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref()),
    ]);
  } catch (error) {
    await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
    throw new Error(`cannot reach Redis at REDIS_URL (${redactedUrl(options.redisUrl)}): ${(error as Error).message}`);
  }
  // Right after Redis comes back, heartbeats and subscriptions are still being renewed: nobody is judged dead until they had time to.
  let readyAtMs = Date.now();
  publisher.on('ready', () => (readyAtMs = Date.now()));
  const settled = () => Date.now() - readyAtMs > LIVENESS_GRACE_MS;
  const registry = new RedisNodeRegistry(publisher);
  const selector = createSelector(options.selector);
  // Set once lessons are served: the region of the school a peer's media should stay near.
  let regionOf: (roomId: string, peerId: string | null) => Promise<string | null> = async () => null;
  const recent = new RecentPlacements();
  const sfu: ClusterSfu = new ClusterSfu(new Map(), async (roomId, peerId) => {
    const listed = availableNodes(await registry.list(), Date.now()).filter((node) => sfu.nodeIds.includes(node.nodeId));
    const region = await regionOf(roomId, peerId).catch(() => null);
    // Read the clock after the awaits: a placement recorded meanwhile must not look older than it is.
    const now = Date.now();
    const chosen = selector.select(recent.adjust(listed, now), { region });
    if (!chosen) throw new ClassBridgeError(ErrorCode.MediaUnavailable, 'no SFU node can take this participant now');
    recent.record(chosen.nodeId, peerId === null, now);
    return chosen.nodeId;
  });
  const follower = new SfuNodeFollower({ sfu, registry, publisher, subscriber, logger, settled });
  await follower.refresh();
  const closers: Array<() => Promise<void>> = [];

  return {
    store: new RedisDirectoryStore(publisher),
    sfu,
    registry,
    serveLessons: async ({ local, lessons, store, metrics, connectedSockets }) => {
      regionOf = async (roomId, peerId) => {
        const classroomId = lessons.classroomOfPeer(roomId, peerId);
        const classroom = classroomId ? await store.getClassroom(classroomId) : undefined;
        return (classroom && (await store.getSchool(classroom.schoolId))?.region) ?? null;
      };
      let sessions: ClusterLessonSessions | undefined;
      let owner: LessonOwnerServer | undefined;
      const ownership = new LessonOwnership({
        leases: new RedisLessonLeases(publisher, { nodeId, ttlMs: options.lessonLeaseMs }),
        sfu,
        logger,
        isInUse: (lessonId) => lessons.isLoaded(lessonId) || (sessions?.localConnectionsOf(lessonId) ?? 0) > 0 || (owner?.connectionsOf(lessonId) ?? 0) > 0,
        onLost: (lessonId) => {
          lessons.evict(lessonId);
          owner?.forgetLesson(lessonId);
          sessions?.lessonLost(lessonId);
        },
      });
      const link = await OwnerLink.open(nodeId, publisher, subscriber);
      owner = await LessonOwnerServer.start({ nodeId, publisher, subscriber, local, ownership, logger });
      const watch = new SignalingNodeWatch({ registry: new RedisNodeRegistry(publisher, { prefix: SIGNALING_REGISTRY_PREFIX }), publisher, selfId: nodeId, settled });
      sessions = new ClusterLessonSessions({ local, ownership, link, isAlive: (id) => watch.isAlive(id), logger });
      watch.on('gone', ({ nodeId: gone }) => {
        sessions?.ownerGone(gone);
        owner?.gatewayGone(gone);
      });
      const heartbeat = new NodeHeartbeat(publisher, async () => signalingNodeInfo(nodeId, lessons.size, connectedSockets()), { prefix: SIGNALING_REGISTRY_PREFIX });
      await heartbeat.beat();
      await watch.refresh();
      registerClusterMetrics(metrics, { sfu, registry, watch, ownership });
      closers.push(async () => {
        watch.close();
        await heartbeat.close();
        await owner?.close();
        await ownership.close();
        await link.close();
      });
      return sessions;
    },
    attach: (io) => {
      io.adapter(createAdapter(adapterPublisher, adapterSubscriber));
    },
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await follower.close();
      await sfu.close();
      await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
    },
  };
}

function signalingNodeInfo(nodeId: string, lessons: number, sockets: number): Omit<NodeInfo, 'heartbeatAtMs'> {
  return { nodeId, region: 'signaling', draining: false, load: { rooms: lessons, participants: sockets, cpu: Math.min(1, os.loadavg()[0]! / os.cpus().length) }, maxParticipants: Number.MAX_SAFE_INTEGER };
}

/** What an operator watches in a cluster, from this signaling node's view. */
function registerClusterMetrics(metrics: Registry, { sfu, registry, watch, ownership }: { sfu: ClusterSfu; registry: RedisNodeRegistry; watch: SignalingNodeWatch; ownership: LessonOwnership }): void {
  new Gauge({
    name: 'classbridge_cluster_sfu_nodes',
    help: 'SFU nodes this signaling node can place participants on',
    registers: [metrics],
    collect() {
      this.set(sfu.nodeIds.length);
    },
  });
  new Gauge({
    name: 'classbridge_cluster_signaling_nodes',
    help: 'Signaling nodes alive (heartbeat fresh and listening), this one included',
    registers: [metrics],
    collect() {
      this.set(watch.aliveCount());
    },
  });
  new Gauge({
    name: 'classbridge_cluster_lesson_leases',
    help: 'Lessons this signaling node serves (holds the lease of)',
    registers: [metrics],
    collect() {
      this.set(ownership.held().length);
    },
  });
  const perNode = (name: string, help: string, pick: (node: NodeInfo) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['node', 'region'],
      registers: [metrics],
      async collect() {
        this.reset();
        for (const node of await registry.list().catch(() => [])) this.set({ node: node.nodeId, region: node.region }, pick(node));
      },
    });
  perNode('classbridge_cluster_node_rooms', 'Lessons with media on each SFU node (its heartbeat)', (node) => node.load.rooms);
  perNode('classbridge_cluster_node_participants', 'Participants with transports on each SFU node (its heartbeat)', (node) => node.load.participants);
  perNode('classbridge_cluster_node_cpu', 'CPU busy share of each SFU node, 0–1 (its heartbeat)', (node) => node.load.cpu);
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
