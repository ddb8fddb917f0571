import type { types } from 'mediasoup';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { MediaSource } from '@classbridge/protocol';

export interface ProducerAppData extends types.AppData {
  peerId: string;
  source: MediaSource;
  /** The send transport it arrives on. */
  transportId: string;
  /** Share of constrained receivers' bandwidth its consumers get first (1–255; setProducerPriority). */
  priority?: number;
}

/**
 * The media objects one participant owns in one room.
 * Lookups go through here so a peer can never reach another peer's objects.
 */
export class SfuPeer {
  readonly id: string;
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly consumers = new Map<string, types.Consumer>();
  /** Transports being created right now: counted against the limit so concurrent requests cannot overshoot it. */
  transportsInFlight = 0;
  /** Producers a consumer is being created for, for the same reason. */
  readonly consumesInFlight = new Set<string>();
  #closed = false;

  constructor(id: string) {
    this.id = id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  transport(transportId: string): types.WebRtcTransport {
    return must(this.transports.get(transportId), 'transport', transportId);
  }

  producer(producerId: string): types.Producer<ProducerAppData> {
    return must(this.producers.get(producerId), 'producer', producerId);
  }

  consumer(consumerId: string): types.Consumer {
    return must(this.consumers.get(consumerId), 'consumer', consumerId);
  }

  /** The peer's receiving transport (consumers go there). */
  recvTransport(): types.WebRtcTransport {
    for (const transport of this.transports.values()) if (transport.appData['direction'] === 'recv') return transport;
    throw new ClassBridgeError(ErrorCode.InvalidState, 'create a recv transport before consuming');
  }

  /** Closing the transports closes their producers and consumers too. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
  }
}

function must<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw new ClassBridgeError(ErrorCode.NotFound, `no ${what} ${id} of yours`);
  return value;
}
