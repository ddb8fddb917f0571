import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { TransportOptions, WireDtlsParameters, WireRtpCapabilities } from '@classbridge/protocol';
import { TypedEmitter } from '../TypedEmitter.js';
import { subscribeRoom, type RoomEvent } from '../roomEvents.js';
import type {
  ConsumeRequest,
  ConsumeResult,
  ConsumerTraffic,
  MediaTapInfo,
  MediaTapRequest,
  PipeEndpoint,
  PipedProducer,
  PipeTraffic,
  ProduceRequest,
  ProducerSummary,
  SfuControl,
  SfuEvents,
  SfuStats,
} from '../SfuControl.js';

/**
 * Which SFU node a participant's media goes to (region affinity, load: the composition root's policy).
 * peerId null: the lesson's own room, asked while the lesson is loading — so it must not wait for the lesson.
 */
export type PeerPlacement = (roomId: string, peerId: string | null) => Promise<string>;

interface ClusterRoom {
  /** Where each participant's transports are. */
  peers: Map<string, string>;
  /** Nodes that have the room open, in the order they joined it (the first reports speakers). */
  nodes: string[];
  /** Every producer of the lesson, by the node it was published on. */
  origins: Map<string, string>;
  /** Nodes a producer was piped to. */
  copies: Map<string, Set<string>>;
  /** The pipe ids of each pair of nodes, by node: `${a}|${b}` (a < b) → { [a]: pipeId, [b]: pipeId }. */
  links: Map<string, Record<string, string>>;
  taps: Map<string, string>;
  /** Placement and piping of a room happen one at a time, so two joins never pipe the same producer twice. */
  queue: Promise<unknown>;
}

/**
 * SfuControl over several SFU nodes, for lessons that span them: each participant's media goes
 * to the node placement picks (near its school), and each producer is piped once to every other
 * node of its lesson (one copy per producer per node, never per receiver), so every participant
 * consumes everything on its own node. Signaling cannot tell it from one SFU. Speaker events come
 * from the lesson's first node (every node hears every voice, local or piped).
 */
export class ClusterSfu extends TypedEmitter<SfuEvents> implements SfuControl {
  readonly #nodes = new Map<string, SfuControl>();
  readonly #placement: PeerPlacement;
  readonly #rooms = new Map<string, ClusterRoom>();
  /** Per node, what stops following its events. */
  readonly #detach = new Map<string, Array<() => void>>();
  #closed = false;

  /** `nodes`: the SFU nodes known now; more join with addNode (a cluster's nodes come and go). */
  constructor(nodes: ReadonlyMap<string, SfuControl>, placement: PeerPlacement) {
    super();
    this.#placement = placement;
    for (const [nodeId, node] of nodes) this.addNode(nodeId, node);
  }

  /** A node placement may now choose (its events are followed from here on). */
  addNode(nodeId: string, node: SfuControl): void {
    if (this.#nodes.has(nodeId)) return;
    this.#nodes.set(nodeId, node);
    this.#follow(nodeId, node);
  }

  /**
   * A node is gone (its process died, or its heartbeat stopped): placement no longer sees it, and
   * every lesson that had media on it is reset — closed on the nodes left, then announced as
   * `roomClosed` with reason 'worker-died' — so its participants set their media up again on the
   * nodes that remain, as after a worker's death on one machine.
   */
  async removeNode(nodeId: string): Promise<void> {
    if (!this.#nodes.has(nodeId)) return;
    this.#nodes.delete(nodeId);
    for (const detach of this.#detach.get(nodeId) ?? []) detach();
    this.#detach.delete(nodeId);
    const affected = [...this.#rooms].filter(([, room]) => room.nodes.includes(nodeId));
    for (const [roomId] of affected) this.#rooms.delete(roomId);
    // Closed before anyone is told, so a rejoin never meets a room that is about to close.
    await Promise.all(affected.flatMap(([roomId, room]) => room.nodes.filter((other) => this.#nodes.has(other)).map((other) => this.#node(other).closeRoom(roomId).catch(() => undefined))));
    for (const [roomId] of affected) {
      if (this.#closed) return;
      try {
        this.emit('roomClosed', { roomId, reason: 'worker-died' });
      } catch {
        // A listener's error is its own.
      }
    }
  }

  /** The nodes it controls. */
  get nodeIds(): string[] {
    return [...this.#nodes.keys()];
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Nodes each producer of a lesson was piped to (diagnostics, tests). */
  copies(roomId: string): Map<string, string[]> {
    const room = this.#rooms.get(roomId);
    return new Map([...(room?.copies ?? new Map<string, Set<string>>())].map(([producerId, nodes]) => [producerId, [...nodes].sort()]));
  }

  /** The node a participant's media is on (null: none yet). */
  nodeOf(roomId: string, peerId: string): string | null {
    return this.#rooms.get(roomId)?.peers.get(peerId) ?? null;
  }

  getRouterRtpCapabilities(roomId: string): Promise<WireRtpCapabilities> {
    // Every node offers the same codecs.
    const any = this.#nodes.values().next().value;
    if (!any) return Promise.reject(new ClassBridgeError(ErrorCode.MediaUnavailable, 'no SFU node is running'));
    return any.getRouterRtpCapabilities(roomId);
  }

  async createTransport(roomId: string, peerId: string, direction: 'send' | 'recv'): Promise<TransportOptions> {
    const room = this.#room(roomId);
    const nodeId = await this.#serial(room, async () => {
      let placed = room.peers.get(peerId);
      if (!placed) {
        placed = await this.#placement(roomId, peerId);
        if (!this.#nodes.has(placed)) throw new ClassBridgeError(ErrorCode.MediaUnavailable, `placement chose unknown SFU node ${placed}`);
        room.peers.set(peerId, placed);
      }
      if (!room.nodes.includes(placed)) {
        room.nodes.push(placed);
        // A node new to the lesson gets a copy of everything already published elsewhere.
        for (const [producerId, origin] of [...room.origins]) {
          if (origin === placed) continue;
          await this.#pipe(roomId, room, producerId, origin, placed).catch((error: unknown) => {
            // Closed meanwhile (its close is on its way as an event): nothing to copy.
            if ((error as { code?: string }).code !== ErrorCode.NotFound) throw error;
            room.origins.delete(producerId);
          });
        }
      }
      return placed;
    });
    return this.#node(nodeId).createTransport(roomId, peerId, direction);
  }

  async connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: WireDtlsParameters): Promise<void> {
    await this.#nodeOfPeer(roomId, peerId).connectTransport(roomId, peerId, transportId, dtlsParameters);
  }

  restartIce(roomId: string, peerId: string, transportId: string): Promise<TransportOptions['iceParameters']> {
    return this.#nodeOfPeer(roomId, peerId).restartIce(roomId, peerId, transportId);
  }

  async requestKeyFrames(roomId: string, peerId: string, transportId: string): Promise<void> {
    await this.#nodeOfPeer(roomId, peerId).requestKeyFrames(roomId, peerId, transportId);
  }

  async produce(roomId: string, peerId: string, request: ProduceRequest): Promise<ProducerSummary> {
    const room = this.#room(roomId);
    const origin = this.#placedNode(room, peerId);
    const summary = await this.#node(origin).produce(roomId, peerId, request);
    this.#producerOwners.set(summary.producerId, peerId);
    await this.#serial(room, async () => {
      room.origins.set(summary.producerId, origin);
      for (const nodeId of room.nodes) if (nodeId !== origin) await this.#pipe(roomId, room, summary.producerId, origin, nodeId);
    });
    return summary;
  }

  async setProducerPaused(roomId: string, peerId: string, producerId: string, paused: boolean): Promise<void> {
    const room = this.#room(roomId);
    await this.#node(this.#placedNode(room, peerId)).setProducerPaused(roomId, peerId, producerId, paused);
    await Promise.all([...(room.copies.get(producerId) ?? [])].map((nodeId) => this.#node(nodeId).setPipedProducerPaused(roomId, this.#pipeIdAt(room, nodeId, room.origins.get(producerId)!), producerId, paused)));
  }

  async setProducerPriority(roomId: string, producerId: string, priority: number): Promise<void> {
    const room = this.#room(roomId);
    const origin = room.origins.get(producerId);
    if (!origin) throw new ClassBridgeError(ErrorCode.NotFound, `no producer ${producerId} in this lesson`);
    // Its consumers are on every node that has it.
    await Promise.all([origin, ...(room.copies.get(producerId) ?? [])].map((nodeId) => this.#node(nodeId).setProducerPriority(roomId, producerId, priority)));
  }

  async closeProducer(roomId: string, peerId: string, producerId: string): Promise<void> {
    await this.#nodeOfPeer(roomId, peerId).closeProducer(roomId, peerId, producerId);
    await this.#closeCopies(roomId, producerId);
  }

  async listProducers(roomId: string): Promise<ProducerSummary[]> {
    const room = this.#rooms.get(roomId);
    if (!room) return [];
    const lists = await Promise.all(room.nodes.map((nodeId) => this.#node(nodeId).listProducers(roomId)));
    // A producer is listed by its node and by every node it was piped to: once is enough.
    const byId = new Map<string, ProducerSummary>();
    for (const summary of lists.flat()) if (!byId.has(summary.producerId)) byId.set(summary.producerId, summary);
    return [...byId.values()];
  }

  consume(roomId: string, peerId: string, request: ConsumeRequest): Promise<ConsumeResult> {
    return this.#nodeOfPeer(roomId, peerId).consume(roomId, peerId, request);
  }

  async setConsumerPaused(roomId: string, peerId: string, consumerId: string, paused: boolean): Promise<void> {
    await this.#nodeOfPeer(roomId, peerId).setConsumerPaused(roomId, peerId, consumerId, paused);
  }

  async setConsumerPreferredLayers(roomId: string, peerId: string, consumerId: string, layers: { spatialLayer: number; temporalLayer?: number }): Promise<void> {
    await this.#nodeOfPeer(roomId, peerId).setConsumerPreferredLayers(roomId, peerId, consumerId, layers);
  }

  /**
   * Opens the lesson on the node placement picks for it (placement is asked with no peer: the
   * lesson's own region), unless it is open already; the room's first node reports its speakers.
   */
  async openRoom(roomId: string): Promise<{ nodeId: string }> {
    const room = this.#room(roomId);
    return this.#serial(room, async () => {
      if (room.nodes[0]) return { nodeId: room.nodes[0] };
      const nodeId = await this.#placement(roomId, null);
      await this.#node(nodeId).openRoom(roomId);
      room.nodes.push(nodeId);
      return { nodeId };
    });
  }

  onRoom(roomId: string, listener: (event: RoomEvent) => void): () => void {
    return subscribeRoom(this, roomId, listener);
  }

  /** Every pipe of the lesson on every node it spans (each link counted at both ends). */
  async pipeTraffic(roomId: string): Promise<PipeTraffic[]> {
    const nodes = this.#rooms.get(roomId)?.nodes ?? [];
    return (await Promise.all(nodes.map((nodeId) => this.#node(nodeId).pipeTraffic(roomId).catch(() => [])))).flat();
  }

  consumerTraffic(roomId: string, peerId: string): Promise<ConsumerTraffic[]> {
    return this.#nodeOfPeer(roomId, peerId).consumerTraffic(roomId, peerId);
  }

  async openMediaTap(roomId: string, request: MediaTapRequest): Promise<MediaTapInfo> {
    const room = this.#room(roomId);
    const origin = room.origins.get(request.producerId);
    if (!origin) throw new ClassBridgeError(ErrorCode.NotFound, `no producer ${request.producerId} in this lesson`);
    const tap = await this.#node(origin).openMediaTap(roomId, request);
    room.taps.set(tap.tapId, origin);
    return tap;
  }

  async requestTapKeyFrame(roomId: string, tapId: string): Promise<void> {
    await this.#node(this.#tapNode(roomId, tapId)).requestTapKeyFrame(roomId, tapId);
  }

  async closeMediaTap(roomId: string, tapId: string): Promise<void> {
    await this.#node(this.#tapNode(roomId, tapId)).closeMediaTap(roomId, tapId);
    this.#rooms.get(roomId)?.taps.delete(tapId);
  }

  openPipe(): Promise<PipeEndpoint> {
    return Promise.reject(new ClassBridgeError(ErrorCode.BadRequest, 'a cluster pipes its lessons itself'));
  }

  connectPipe(): Promise<void> {
    return this.openPipe().then(() => undefined);
  }

  sendThroughPipe(): Promise<PipedProducer> {
    return this.openPipe().then(() => undefined as never);
  }

  receiveFromPipe(): Promise<ProducerSummary> {
    return this.openPipe().then(() => undefined as never);
  }

  setPipedProducerPaused(): Promise<void> {
    return this.openPipe().then(() => undefined);
  }

  closePipedProducer(): Promise<void> {
    return this.openPipe().then(() => undefined);
  }

  closePipe(): Promise<void> {
    return this.openPipe().then(() => undefined);
  }

  async closePeer(roomId: string, peerId: string): Promise<void> {
    const room = this.#rooms.get(roomId);
    const nodeId = room?.peers.get(peerId);
    if (!room || !nodeId) return;
    const mine = [...room.origins].filter(([producerId, origin]) => origin === nodeId && this.#isOwnedBy(producerId, peerId)).map(([producerId]) => producerId);
    await this.#node(nodeId).closePeer(roomId, peerId);
    room.peers.delete(peerId);
    for (const producerId of mine) await this.#closeCopies(roomId, producerId);
  }

  /** Closes the lesson on every node, not only those it knows it opened: another signaling node that owned the lesson before may have left media behind. */
  async closeRoom(roomId: string): Promise<void> {
    this.#rooms.delete(roomId);
    await Promise.all([...this.#nodes.values()].map((node) => node.closeRoom(roomId).catch(() => undefined)));
  }

  async stats(): Promise<SfuStats> {
    const all = await Promise.all([...this.#nodes.values()].map((node) => node.stats().catch(() => null)));
    const total: SfuStats = { workers: 0, workerRestarts: 0, rooms: 0, peers: 0, transports: 0, producers: 0, consumers: 0, pipes: 0, workerCpuSeconds: 0 };
    for (const stats of all) if (stats) for (const key of Object.keys(total) as Array<keyof SfuStats>) total[key] += stats[key];
    return total;
  }

  /** Detaches from the nodes (they run on). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const detach of [...this.#detach.values()].flat()) detach();
    this.#detach.clear();
    this.#rooms.clear();
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Producer owners: producerClosed and closePeer need to know whose a producer was. */
  readonly #producerOwners = new Map<string, string>();

  #isOwnedBy(producerId: string, peerId: string): boolean {
    return this.#producerOwners.get(producerId) === peerId;
  }

  #follow(nodeId: string, node: SfuControl): void {
    const forward = <E extends keyof SfuEvents & string>(event: E, filter: (payload: SfuEvents[E]) => boolean = () => true) => {
      const listener = (payload: SfuEvents[E]) => {
        if (this.#closed || !filter(payload)) return;
        try {
          this.emit(event, payload);
        } catch {
          // A listener's error is its own.
        }
      };
      node.on(event, listener);
      const detach = this.#detach.get(nodeId) ?? [];
      detach.push(() => node.off(event, listener));
      this.#detach.set(nodeId, detach);
    };
    const fromFirstNode = (payload: { roomId: string }) => this.#rooms.get(payload.roomId)?.nodes[0] === nodeId;
    forward('roomClosed');
    forward('producerClosed', (payload) => {
      void this.#closeCopies(payload.roomId, payload.producerId).catch(() => undefined);
      return true;
    });
    forward('consumerClosed');
    forward('consumerLayersChanged');
    forward('activeSpeaker', fromFirstNode);
    forward('audioLevels', fromFirstNode);
    forward('workerDied');
    forward('mediaTapClosed');
    forward('mediaTapSenderReport');
  }

  async #closeCopies(roomId: string, producerId: string): Promise<void> {
    const room = this.#rooms.get(roomId);
    const origin = room?.origins.get(producerId);
    if (!room || !origin) return;
    room.origins.delete(producerId);
    this.#producerOwners.delete(producerId);
    const copies = room.copies.get(producerId) ?? new Set<string>();
    room.copies.delete(producerId);
    await Promise.all([...copies].map((nodeId) => this.#node(nodeId).closePipedProducer(roomId, this.#pipeIdAt(room, nodeId, origin), producerId).catch(() => undefined)));
  }

  /** Sends one producer from `from` to `to` (once), linking the two nodes' rooms first if needed. */
  async #pipe(roomId: string, room: ClusterRoom, producerId: string, from: string, to: string): Promise<void> {
    const copies = room.copies.get(producerId) ?? new Set<string>();
    if (copies.has(to)) return;
    await this.#link(roomId, room, from, to);
    const piped = await this.#node(from).sendThroughPipe(roomId, this.#pipeIdAt(room, from, to), producerId);
    this.#producerOwners.set(producerId, piped.peerId);
    await this.#node(to).receiveFromPipe(roomId, this.#pipeIdAt(room, to, from), piped);
    copies.add(to);
    room.copies.set(producerId, copies);
  }

  async #link(roomId: string, room: ClusterRoom, a: string, b: string): Promise<void> {
    const key = [a, b].sort().join('|');
    if (room.links.has(key)) return;
    const [endA, endB] = await Promise.all([this.#node(a).openPipe(roomId), this.#node(b).openPipe(roomId)]);
    await Promise.all([this.#node(a).connectPipe(roomId, endA.pipeId, endB), this.#node(b).connectPipe(roomId, endB.pipeId, endA)]);
    room.links.set(key, { [a]: endA.pipeId, [b]: endB.pipeId });
  }

  /** The id of the pipe at `at` that leads to `other`. */
  #pipeIdAt(room: ClusterRoom, at: string, other: string): string {
    const link = room.links.get([at, other].sort().join('|'));
    if (!link?.[at]) throw new ClassBridgeError(ErrorCode.NotFound, `no pipe between ${at} and ${other}`);
    return link[at];
  }

  #room(roomId: string): ClusterRoom {
    if (this.#closed) throw new ClassBridgeError(ErrorCode.MediaUnavailable, 'SFU is closed');
    let room = this.#rooms.get(roomId);
    if (!room) {
      room = { peers: new Map(), nodes: [], origins: new Map(), copies: new Map(), links: new Map(), taps: new Map(), queue: Promise.resolve() };
      this.#rooms.set(roomId, room);
    }
    return room;
  }

  #serial<T>(room: ClusterRoom, step: () => Promise<T>): Promise<T> {
    const run = room.queue.then(step, step);
    room.queue = run.catch(() => undefined);
    return run;
  }

  #placedNode(room: ClusterRoom, peerId: string): string {
    const nodeId = room.peers.get(peerId);
    if (!nodeId) throw new ClassBridgeError(ErrorCode.NotFound, 'you have no transports in this lesson');
    return nodeId;
  }

  #nodeOfPeer(roomId: string, peerId: string): SfuControl {
    return this.#node(this.#placedNode(this.#room(roomId), peerId));
  }

  #tapNode(roomId: string, tapId: string): string {
    const nodeId = this.#rooms.get(roomId)?.taps.get(tapId);
    if (!nodeId) throw new ClassBridgeError(ErrorCode.NotFound, `no media tap ${tapId} in lesson ${roomId}`);
    return nodeId;
  }

  #node(nodeId: string): SfuControl {
    const node = this.#nodes.get(nodeId);
    if (!node) throw new ClassBridgeError(ErrorCode.MediaUnavailable, `no SFU node ${nodeId}`);
    return node;
  }
}
