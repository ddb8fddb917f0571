import type { types } from 'mediasoup';
import type { MediaSource, WireRtpParameters } from '@classbridge/protocol';
import { TypedEmitter } from './TypedEmitter.js';

export type MediaTapCloseReason = 'producer-closed' | 'room-closed' | 'closed';

import { senderReportOf, type TapSenderReport } from './SenderReports.js';

export type { TapSenderReport };

interface MediaTapEvents extends Record<string, unknown> {
  closed: { reason: MediaTapCloseReason };
  senderReport: TapSenderReport;
}

/**
 * A copy of one producer's media sent as plain RTP (RTCP muxed) to a receiver
 * outside the SFU, such as the recorder: a PlainTransport plus one consumer on
 * the lesson's router. It closes with its producer and with its room.
 */
export class MediaTap extends TypedEmitter<MediaTapEvents> {
  readonly id: string;
  readonly producerId: string;
  readonly peerId: string;
  readonly source: MediaSource;
  readonly #transport: types.PlainTransport;
  readonly #consumer: types.Consumer;
  #closed = false;

  readonly #producer: types.Producer;
  readonly #onTrace: (trace: types.ProducerTraceEventData) => void;

  constructor(transport: types.PlainTransport, consumer: types.Consumer, producer: types.Producer, peerId: string, source: MediaSource) {
    super();
    this.id = transport.id;
    this.producerId = consumer.producerId;
    this.peerId = peerId;
    this.source = source;
    this.#transport = transport;
    this.#consumer = consumer;
    this.#producer = producer;
    // The producer's sender reports map its RTP clocks to the sender's wall clock: what a
    // receiver needs for lip sync (the SFU's own reports to the tap are arrival-based).
    this.#onTrace = (trace) => {
      const report = senderReportOf(trace);
      if (report) this.emit('senderReport', report);
    };
    producer.on('trace', this.#onTrace);
    void producer.enableTraceEvent(['sr']).catch(() => undefined);
    consumer.on('producerclose', () => this.#close('producer-closed'));
    // The router closed (room closed, or its worker died).
    transport.on('routerclose', () => this.#close('room-closed'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get kind(): 'audio' | 'video' {
    return this.#consumer.kind;
  }

  get rtpParameters(): WireRtpParameters {
    return this.#consumer.rtpParameters as WireRtpParameters;
  }

  get producerPaused(): boolean {
    return this.#consumer.producerPaused;
  }

  /** The UDP address the SFU sends from (the receiver may check packets come from there). */
  get origin(): { ip: string; port: number } | undefined {
    const tuple = this.#transport.tuple;
    return tuple ? { ip: tuple.localAddress ?? tuple.localIp, port: tuple.localPort } : undefined;
  }

  /** Asks the producer for a key frame (a receiver starting, or one that lost a frame). */
  async requestKeyFrame(): Promise<void> {
    if (this.#closed || this.kind !== 'video') return;
    await this.#consumer.requestKeyFrame();
  }

  close(): void {
    this.#close('closed');
  }

  #close(reason: MediaTapCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#producer.off('trace', this.#onTrace);
    this.#transport.close();
    this.emit('closed', { reason });
    this.removeAllListeners();
  }
}
