import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { TypedEmitter } from './TypedEmitter.js';
import { SfuPeer } from './SfuPeer.js';
import type { MediaTap } from './MediaTap.js';
import type { RoomPipe } from './RoomPipe.js';
import type { ProducerAppData } from './SfuPeer.js';

interface RoomEvents extends Record<string, unknown> {
  /** The router is gone: closed on purpose or because its worker died. */
  closed: { reason: 'worker-died' | 'closed' };
  activeSpeaker: { peerId: string | null };
  audioLevels: { levels: Array<{ peerId: string; volume: number }> };
}

/**
 * One live lesson on the media plane: a mediasoup Router on one worker, its
 * speaker observers, and the peers with their transports.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly id: string;
  readonly router: types.Router;
  readonly webRtcServer: types.WebRtcServer;
  readonly peers = new Map<string, SfuPeer>();
  /** Plain-RTP copies of producers for receivers outside the SFU; they close with the router. */
  readonly taps = new Map<string, MediaTap>();
  /** Pipes to the same lesson's room on other SFU nodes; they close with the router. */
  readonly pipes = new Map<string, RoomPipe>();
  readonly #activeSpeakerObserver: types.ActiveSpeakerObserver;
  readonly #audioLevelObserver: types.AudioLevelObserver;
  #closed = false;

  private constructor(
    id: string,
    router: types.Router,
    webRtcServer: types.WebRtcServer,
    activeSpeakerObserver: types.ActiveSpeakerObserver,
    audioLevelObserver: types.AudioLevelObserver,
    logger: Logger,
  ) {
    super();
    this.id = id;
    this.router = router;
    this.webRtcServer = webRtcServer;
    this.#activeSpeakerObserver = activeSpeakerObserver;
    this.#audioLevelObserver = audioLevelObserver;

    router.on('workerclose', () => {
      logger.warn({ roomId: id }, 'room lost its worker');
      this.#close('worker-died');
    });
    activeSpeakerObserver.on('dominantspeaker', ({ producer }) =>
      this.emit('activeSpeaker', { peerId: (producer.appData as ProducerAppData).peerId }),
    );
    audioLevelObserver.on('volumes', (volumes) =>
      this.emit('audioLevels', {
        levels: volumes.map(({ producer, volume }) => ({ peerId: (producer.appData as ProducerAppData).peerId, volume })),
      }),
    );
    audioLevelObserver.on('silence', () => this.emit('audioLevels', { levels: [] }));
  }

  static async create(
    id: string,
    worker: types.Worker,
    webRtcServer: types.WebRtcServer,
    mediaCodecs: types.RouterRtpCodecCapability[],
    logger: Logger,
  ): Promise<Room> {
    const router = await worker.createRouter({ mediaCodecs, appData: { roomId: id } });
    try {
      const activeSpeakerObserver = await router.createActiveSpeakerObserver({ interval: 300 });
      // -70 dBov ignores room hum; 5 entries are plenty for a "who is talking" meter.
      const audioLevelObserver = await router.createAudioLevelObserver({ maxEntries: 5, threshold: -70, interval: 500 });
      return new Room(id, router, webRtcServer, activeSpeakerObserver, audioLevelObserver, logger);
    } catch (error) {
      router.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  peer(peerId: string): SfuPeer {
    let peer = this.peers.get(peerId);
    if (!peer) {
      peer = new SfuPeer(peerId);
      this.peers.set(peerId, peer);
    }
    return peer;
  }

  /** Audio producers feed the speaker observers. */
  async observeAudio(producer: types.Producer): Promise<void> {
    await Promise.all([
      this.#activeSpeakerObserver.addProducer({ producerId: producer.id }),
      this.#audioLevelObserver.addProducer({ producerId: producer.id }),
    ]);
  }

  closePeer(peerId: string): void {
    this.peers.get(peerId)?.close();
    this.peers.delete(peerId);
  }

  close(): void {
    this.#close('closed');
  }

  #close(reason: 'worker-died' | 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    this.pipes.clear();
    this.router.close();
    this.emit('closed', { reason });
    this.removeAllListeners();
  }
}
