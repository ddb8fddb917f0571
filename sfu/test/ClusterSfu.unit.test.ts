import { ClusterSfu, TypedEmitter } from '@classbridge/sfu';
import type { PipedProducer, ProduceRequest, ProducerSummary, SfuControl, SfuEvents } from '@classbridge/sfu';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jitter = () => sleep(Math.floor(Math.random() * 4));

/**
 * One SFU node's bookkeeping, with random latency so concurrent calls interleave. Real nodes
 * (LocalSfu over Redis) are exercised with real media in clusterLesson.e2e and sfuPipes.e2e;
 * here ClusterSfu's own invariants are tested under concurrency. Like a real node, it refuses a
 * producer received twice through a pipe.
 */
class FakeNode extends TypedEmitter<SfuEvents> {
  readonly received: string[] = [];
  readonly sent: string[] = [];
  readonly pipes: string[] = [];
  readonly paused = new Map<string, boolean>();
  readonly closedCopies: string[] = [];
  #next = 0;
  constructor(readonly nodeId: string) {
    super();
  }
  readonly opened: string[] = [];
  readonly closedRooms: string[] = [];
  async openRoom(roomId: string) {
    await jitter();
    this.opened.push(roomId);
    return { nodeId: this.nodeId };
  }
  async closeRoom(roomId: string) {
    await jitter();
    this.closedRooms.push(roomId);
  }
  async getRouterRtpCapabilities() {
    return { codecs: [], headerExtensions: [] };
  }
  async createTransport(_roomId: string, peerId: string, direction: string) {
    await jitter();
    return { id: `${this.nodeId}-${peerId}-${direction}` } as never;
  }
  async produce(_roomId: string, peerId: string, request: ProduceRequest): Promise<ProducerSummary> {
    await jitter();
    return { producerId: `${this.nodeId}-p${++this.#next}`, peerId, kind: request.kind, source: request.source, paused: false };
  }
  async openPipe() {
    await jitter();
    const pipeId = `${this.nodeId}-pipe${++this.#next}`;
    this.pipes.push(pipeId);
    return { pipeId, ip: '127.0.0.1', port: 1 };
  }
  async connectPipe() {
    await jitter();
  }
  async sendThroughPipe(_roomId: string, pipeId: string, producerId: string): Promise<PipedProducer> {
    await jitter();
    if (!this.pipes.includes(pipeId)) throw Object.assign(new Error(`no pipe ${pipeId}`), { code: 'NOT_FOUND' });
    this.sent.push(producerId);
    return { producerId, peerId: 'p', source: 'camera', kind: 'video', rtpParameters: { codecs: [], encodings: [] } as never, paused: false };
  }
  async receiveFromPipe(_roomId: string, pipeId: string, piped: PipedProducer): Promise<ProducerSummary> {
    await jitter();
    if (!this.pipes.includes(pipeId)) throw Object.assign(new Error(`no pipe ${pipeId}`), { code: 'NOT_FOUND' });
    if (this.received.includes(piped.producerId)) throw Object.assign(new Error('twice'), { code: 'CONFLICT' });
    this.received.push(piped.producerId);
    return { producerId: piped.producerId, peerId: piped.peerId, kind: piped.kind, source: piped.source, paused: piped.paused };
  }
  async setProducerPaused(_r: string, _p: string, producerId: string, paused: boolean) {
    this.paused.set(producerId, paused);
  }
  async setPipedProducerPaused(_r: string, pipeId: string, producerId: string, paused: boolean) {
    if (!this.pipes.includes(pipeId)) throw Object.assign(new Error(`no pipe ${pipeId}`), { code: 'NOT_FOUND' });
    this.paused.set(producerId, paused);
  }
  async closeProducer() {}
  async closePipedProducer(_r: string, pipeId: string, producerId: string) {
    if (!this.pipes.includes(pipeId)) throw Object.assign(new Error(`no pipe ${pipeId}`), { code: 'NOT_FOUND' });
    this.closedCopies.push(producerId);
  }
  async closePeer() {}
  async stats() {
    return { workers: 1, workerRestarts: 0, rooms: 1, peers: 0, transports: 0, producers: 0, consumers: 0, pipes: this.pipes.length };
  }
  emitEvent<E extends keyof SfuEvents & string>(event: E, payload: SfuEvents[E]) {
    this.emit(event, payload);
  }
}

function cluster(nodeIds: string[], placement: (peerId: string | null) => string) {
  const nodes = new Map(nodeIds.map((id) => [id, new FakeNode(id)]));
  const sfu = new ClusterSfu(nodes as unknown as Map<string, SfuControl>, async (_roomId, peerId) => placement(peerId));
  return { nodes, sfu };
}

const camera: ProduceRequest = { transportId: 't', kind: 'video', source: 'camera', rtpParameters: { codecs: [] } as never, paused: false };

describe('ClusterSfu', () => {
  it('pipes every producer exactly once to every other node, however joins and publishes interleave', async () => {
    const { nodes, sfu } = cluster(['city', 'county-a', 'county-b'], (peerId) => (peerId === 'teacher' || peerId === null ? 'city' : peerId.startsWith('a') ? 'county-a' : 'county-b'));
    const peers = ['teacher', ...Array.from({ length: 12 }, (_, i) => `${i % 2 ? 'a' : 'b'}-room-${i}`)];
    const producers: string[] = [];
    await Promise.all(
      peers.map(async (peerId, i) => {
        await sleep(i % 4);
        await sfu.createTransport('l', peerId, 'send');
        // Some publish at once, others after the others joined.
        if (i % 3 === 0) producers.push((await sfu.produce('l', peerId, camera)).producerId);
      }),
    );
    for (const producerId of producers) {
      const origin = producerId.split('-p')[0]!;
      const others = [...nodes.keys()].filter((id) => id !== origin).sort();
      expect(sfu.copies('l').get(producerId)).toEqual(others);
      for (const nodeId of others) expect(nodes.get(nodeId)!.received.filter((id) => id === producerId)).toHaveLength(1);
    }
    // One pipe per pair of nodes, whatever the number of producers.
    expect([...nodes.values()].map((node) => node.pipes.length)).toEqual([2, 2, 2]);
    const stats = await sfu.stats();
    expect(stats.pipes).toBe(6);
  });

  it('pauses and closes the copies with their producer, on the nodes that hold them', async () => {
    const { nodes, sfu } = cluster(['city', 'county'], (peerId) => (peerId === 'teacher' ? 'city' : 'county'));
    await sfu.createTransport('l', 'teacher', 'send');
    await sfu.createTransport('l', 'room', 'recv');
    const { producerId } = await sfu.produce('l', 'teacher', camera);
    await sfu.setProducerPaused('l', 'teacher', producerId, true);
    expect(nodes.get('city')!.paused.get(producerId)).toBe(true);
    expect(nodes.get('county')!.paused.get(producerId)).toBe(true);
    await sfu.closeProducer('l', 'teacher', producerId);
    expect(nodes.get('county')!.closedCopies).toEqual([producerId]);
    expect(sfu.copies('l').has(producerId)).toBe(false);

    // A producer closed on its node without being asked (its transport went): the copies go too.
    const second = await sfu.produce('l', 'teacher', camera);
    nodes.get('city')!.emitEvent('producerClosed', { roomId: 'l', peerId: 'teacher', producerId: second.producerId });
    await sleep(10);
    expect(nodes.get('county')!.closedCopies).toEqual([producerId, second.producerId]);
  });

  it('reports speakers from the lesson\'s first node only (every node hears every voice)', async () => {
    const { nodes, sfu } = cluster(['city', 'county'], (peerId) => (peerId === 'teacher' ? 'city' : 'county'));
    await sfu.createTransport('l', 'teacher', 'send');
    await sfu.createTransport('l', 'room', 'recv');
    const heard: Array<string | null> = [];
    sfu.on('activeSpeaker', ({ peerId }) => heard.push(peerId));
    nodes.get('city')!.emitEvent('activeSpeaker', { roomId: 'l', peerId: 'teacher' });
    nodes.get('county')!.emitEvent('activeSpeaker', { roomId: 'l', peerId: 'teacher' });
    expect(heard).toEqual(['teacher']);
  });

  it('opens a lesson once, on the node placement picks for the lesson itself, which then reports its speakers', async () => {
    const { nodes, sfu } = cluster(['city', 'county'], (peerId) => (peerId === null || peerId === 'teacher' ? 'city' : 'county'));
    // A classroom's transport races the lesson's opening: the lesson's own node still comes first.
    const [opened] = await Promise.all([sfu.openRoom('l'), sfu.openRoom('l'), sfu.createTransport('l', 'room', 'recv')]);
    expect(opened).toEqual({ nodeId: 'city' });
    expect(nodes.get('city')!.opened).toEqual(['l']);
    expect(await sfu.openRoom('l')).toEqual({ nodeId: 'city' });
    const heard: Array<string | null> = [];
    const stop = sfu.onRoom('l', (event) => {
      if (event.type === 'activeSpeaker') heard.push(event.peerId);
      throw new Error('a subscriber bug stays with the subscriber');
    });
    nodes.get('county')!.emitEvent('activeSpeaker', { roomId: 'l', peerId: 'room' });
    nodes.get('city')!.emitEvent('activeSpeaker', { roomId: 'other-lesson', peerId: 'x' });
    nodes.get('city')!.emitEvent('activeSpeaker', { roomId: 'l', peerId: 'room' });
    stop();
    nodes.get('city')!.emitEvent('activeSpeaker', { roomId: 'l', peerId: 'teacher' });
    expect(heard).toEqual(['room']);
  });

  it('a node that is gone: its lessons are closed on the nodes left and reset (worker-died), others untouched, and placement cannot pick it', async () => {
    const { nodes, sfu } = cluster(['city', 'county-a', 'county-b'], (peerId) => (peerId === 'teacher' || peerId === null ? 'city' : peerId.startsWith('a') ? 'county-a' : 'county-b'));
    await sfu.createTransport('spans', 'teacher', 'send');
    await sfu.createTransport('spans', 'a-room', 'recv');
    await sfu.createTransport('city-only', 'teacher', 'send');
    const reset: string[] = [];
    sfu.on('roomClosed', ({ roomId, reason }) => reset.push(`${roomId}:${reason}`));
    await sfu.removeNode('county-a');
    expect(reset).toEqual(['spans:worker-died']);
    expect(nodes.get('city')!.closedRooms).toEqual(['spans']);
    expect(sfu.nodeIds).toEqual(['city', 'county-b']);
    // Its events are no longer followed, and placing anyone there fails clearly.
    nodes.get('county-a')!.emitEvent('roomClosed', { roomId: 'city-only', reason: 'worker-died' });
    expect(reset).toEqual(['spans:worker-died']);
    await expect(sfu.createTransport('spans', 'a-room-2', 'recv')).rejects.toMatchObject({ code: 'MEDIA_UNAVAILABLE' });
  });

  it('refuses a peer it has not placed, and raw pipe calls', async () => {
    const { sfu } = cluster(['city'], () => 'city');
    await expect(sfu.produce('l', 'nobody', camera)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(sfu.openPipe()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
