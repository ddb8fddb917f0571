import { TypedEmitter, subscribeRoom } from '@classbridge/sfu';
import type { ProduceRequest, ProducerSummary, RoomEvent, SfuControl, SfuEvents } from '@classbridge/sfu';

/**
 * In-memory stand-in for the SFU, for LiveLesson's rule tests only: LocalSfu
 * itself is tested against a real mediasoup worker in sfu/test.
 */
export class FakeSfu extends TypedEmitter<SfuEvents> implements SfuControl {
  readonly producers = new Map<string, ProducerSummary>();
  closedPeers: string[] = [];
  #next = 0;
  closed = false;

  async getRouterRtpCapabilities() {
    return { codecs: [] };
  }
  async createTransport() {
    return { id: `t${++this.#next}`, iceParameters: { usernameFragment: 'u', password: 'p' }, iceCandidates: [], dtlsParameters: { fingerprints: [{ algorithm: 'sha-256' as const, value: 'AA' }] } };
  }
  async connectTransport() {}
  async restartIce() {
    return { usernameFragment: 'u2', password: 'p2' };
  }
  async requestKeyFrames() {}
  async openPipe(): Promise<never> {
    throw new Error('FakeSfu has no pipes');
  }
  async connectPipe(): Promise<never> {
    throw new Error('FakeSfu has no pipes');
  }
  async sendThroughPipe(): Promise<never> {
    throw new Error('FakeSfu has no pipes');
  }
  async receiveFromPipe(): Promise<never> {
    throw new Error('FakeSfu has no pipes');
  }
  async setPipedProducerPaused(): Promise<never> {
    throw new Error('FakeSfu has no pipes');
  }
  async closePipedProducer(): Promise<never> {
    throw new Error('FakeSfu has no pipes');
  }
  async closePipe(): Promise<never> {
    throw new Error('FakeSfu has no pipes');
  }
  async produce(_roomId: string, peerId: string, request: ProduceRequest): Promise<ProducerSummary> {
    const summary = { producerId: `p${++this.#next}`, peerId, kind: request.kind, source: request.source, paused: request.paused };
    this.producers.set(summary.producerId, summary);
    return summary;
  }
  async setProducerPaused(_roomId: string, _peerId: string, producerId: string, paused: boolean) {
    const producer = this.producers.get(producerId);
    if (!producer) throw new Error('no producer');
    producer.paused = paused;
  }
  async closeProducer(_roomId: string, _peerId: string, producerId: string) {
    this.producers.delete(producerId);
  }
  async listProducers() {
    return [...this.producers.values()];
  }
  async consume(): Promise<never> {
    throw new Error('not used');
  }
  async setConsumerPaused() {}
  async setConsumerPreferredLayers() {}
  readonly priorities = new Map<string, number>();
  async setProducerPriority(_roomId: string, producerId: string, priority: number) {
    this.priorities.set(producerId, priority);
  }
  async openRoom() {
    return { nodeId: 'fake' };
  }

  onRoom(roomId: string, listener: (event: RoomEvent) => void): () => void {
    return subscribeRoom(this, roomId, listener);
  }

  async pipeTraffic() {
    return [];
  }

  async consumerTraffic() {
    return [];
  }
  async closePeer(_roomId: string, peerId: string) {
    this.closedPeers.push(peerId);
    for (const [id, producer] of this.producers) if (producer.peerId === peerId) this.producers.delete(id);
  }
  async closeRoom() {}
  async openMediaTap(): Promise<never> {
    throw new Error('FakeSfu has no media taps');
  }
  async requestTapKeyFrame() {}
  async closeMediaTap() {}
  async stats() {
    return { workers: 1, workerRestarts: 0, rooms: 1, peers: 0, transports: 0, producers: this.producers.size, consumers: 0, pipes: 0, workerCpuSeconds: 0 };
  }
  async close() {
    this.closed = true;
  }
  /** Test hook: emit an SFU event. */
  fire<E extends keyof SfuEvents & string>(event: E, payload: SfuEvents[E]) {
    this.emit(event, payload);
  }
}
