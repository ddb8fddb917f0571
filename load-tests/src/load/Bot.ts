import { MediaStreamTrack } from 'msc-node';
import type { types } from 'msc-node';
import type { ConsumeResponse, Notification, ProducerInfo, TransportOptions } from '@classbridge/protocol';
import type { BotDevices } from './botDevice.js';
import { BotSignaling } from './BotSignaling.js';
import type { DelayHistogram } from './DelayHistogram.js';
import type { MediaPump, PumpSender } from './MediaPump.js';
import type { LoadMedia } from './media/loadMedia.js';
import { ReceiveCounter } from './ReceiveCounter.js';
import type { BotPlan, LoadSource, Subscription } from './scenarios.js';
import { sendTimeOf, sharedClockMs } from './sendTimeTrailer.js';

export interface BotContext {
  url: string;
  token: string;
  plan: BotPlan;
  devices: BotDevices;
  pump: MediaPump;
  media: LoadMedia;
  simulcast: boolean;
  /** Where one-way delays of received packets go (shared by the process's bots). */
  delays: { audio: DelayHistogram; video: DelayHistogram };
  /** What to consume of a producer (null: unknown publisher, skip). */
  subscriptionFor(producer: ProducerInfo): Subscription | null;
}

export interface BotConsumer {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  counter: ReceiveCounter;
  closed: boolean;
}

const SIMULCAST_ENCODINGS = [
  { rid: 'r0', maxBitrate: 200_000, scaleResolutionDownBy: 4 },
  { rid: 'r1', maxBitrate: 500_000, scaleResolutionDownBy: 2 },
  { rid: 'r2', maxBitrate: 1_200_000 },
];

/**
 * One participant of a load run: joins through the public protocol with its token,
 * publishes pre-encoded media through the shared pump, consumes what its plan says
 * and counts every packet that arrives. Failures are recorded, never thrown past
 * join(): a run reports how many bots failed and why.
 */
export class Bot {
  readonly consumers = new Map<string, BotConsumer>();
  readonly failures: string[] = [];
  /** ms from the socket's first connect to joined with every publication produced. */
  joinMs: number | null = null;
  /** ms from the start of join to the first media packet received (receivers only). */
  firstPacketMs: number | null = null;
  #signaling: BotSignaling | null = null;
  #device: types.Device | null = null;
  #sendTransport: Promise<types.Transport> | null = null;
  #recvTransport: Promise<types.Transport> | null = null;
  readonly #unpump: Array<() => void> = [];
  readonly #consuming = new Set<string>();
  #startedAt = 0;
  #closed = false;

  constructor(readonly context: BotContext) {}

  get id(): string {
    return this.context.plan.id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async join(): Promise<void> {
    this.#startedAt = sharedClockMs();
    const signaling = await BotSignaling.connect(this.context.url, this.context.token);
    this.#signaling = signaling;
    signaling.onDisconnect((reason) => this.#fail(`disconnected: ${reason}`));
    signaling.onNotification((notification) => this.#onNotification(notification));
    const { rtpCapabilities } = await signaling.request('getRouterRtpCapabilities', {});
    this.#device = await this.context.devices.get(rtpCapabilities);
    const joined = await signaling.request('join', { rtpCapabilities: this.#device.rtpCapabilities as never });
    for (const source of this.context.plan.publishes) await this.#publish(source);
    this.joinMs = sharedClockMs() - this.#startedAt;
    await Promise.all(joined.producers.map((producer) => this.#maybeConsume(producer)));
  }

  /** Teacher only: gives a participant the floor. */
  async grantFloor(participantId: string): Promise<void> {
    await this.#signaling!.request('grantFloor', { participantId });
  }

  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#unpump) stop();
    try {
      if (this.#signaling?.connected) await this.#signaling.request('leave', {});
    } catch {
      // leaving anyway
    }
    for (const transport of [this.#sendTransport, this.#recvTransport]) (await transport?.catch(() => null))?.close();
    this.#signaling?.close();
  }

  async #publish(source: LoadSource): Promise<void> {
    const transport = await this.#sendTransportOpen();
    const kind = source === 'microphone' ? 'audio' : 'video';
    const track = new MediaStreamTrack({ kind });
    const simulcast = source === 'camera' && this.context.simulcast;
    const producer = await transport.produce({ track, appData: { source }, ...(simulcast ? { encodings: SIMULCAST_ENCODINGS } : {}) });
    const sender = producer.rtpSender as unknown as PumpSender | undefined;
    if (!sender) throw new Error('msc-node gave no RTP sender');
    const payloadType = producer.rtpParameters.codecs[0]!.payloadType;
    const { media } = this.context;
    if (kind === 'audio') {
      this.#unpump.push(this.context.pump.addAudio(sender, { opus: media.opus, ssrc: sender.ssrc, payloadType }));
    } else if (simulcast) {
      const layers = media.cameraLayers.map((video, i) => ({ video, ssrc: (sender.ssrc + 1 + i) >>> 0, rid: `r${i}` }));
      this.#unpump.push(this.context.pump.addVideo(sender, { layers, payloadType }));
    } else {
      const video = source === 'screen' ? media.screen : media.camera;
      this.#unpump.push(this.context.pump.addVideo(sender, { layers: [{ video, ssrc: sender.ssrc }], payloadType }));
    }
  }

  #sendTransportOpen(): Promise<types.Transport> {
    this.#sendTransport ??= this.#openTransport('send').then((transport) => {
      transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
        const source = (appData as { source: LoadSource }).source;
        this.#signaling!.request('produce', { transportId: transport.id, kind, source, rtpParameters: rtpParameters as never }).then(({ producerId }) => done({ id: producerId }), fail);
      });
      return transport;
    });
    return this.#sendTransport;
  }

  #recvTransportOpen(): Promise<types.Transport> {
    this.#recvTransport ??= this.#openTransport('recv');
    return this.#recvTransport;
  }

  /** A transport the server created for this bot, connected (DTLS) through the server when first used. */
  async #openTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const signaling = this.#signaling!;
    const options = transportOptions(await signaling.request('createTransport', { direction }));
    const transport = direction === 'send' ? this.#device!.createSendTransport(options) : this.#device!.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      signaling.request('connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never }).then(() => done(), fail);
    });
    return transport;
  }

  async #maybeConsume(producer: ProducerInfo): Promise<void> {
    const wanted = this.context.subscriptionFor(producer);
    if (!wanted?.consume || this.#closed || this.#consuming.has(producer.producerId)) return;
    this.#consuming.add(producer.producerId);
    try {
      const transport = await this.#recvTransportOpen();
      const answer: ConsumeResponse = await this.#signaling!.request('consume', { producerId: producer.producerId });
      const consumer = await transport.consume({ id: answer.consumerId, producerId: answer.producerId, kind: answer.kind, rtpParameters: answer.rtpParameters as never });
      const counted: BotConsumer = { consumerId: answer.consumerId, producerId: answer.producerId, kind: answer.kind, counter: new ReceiveCounter(), closed: false };
      this.consumers.set(answer.consumerId, counted);
      const delays = this.context.delays[answer.kind];
      consumer.track.onReceiveRtp.subscribe((rtp) => {
        const now = sharedClockMs();
        this.firstPacketMs ??= now - this.#startedAt;
        counted.counter.add(rtp.header.sequenceNumber, rtp.payload.length);
        const sentAt = sendTimeOf(rtp.payload);
        if (sentAt !== null) delays.add(now - sentAt);
      });
      if (wanted.spatialLayer !== null && answer.kind === 'video') {
        await this.#signaling!.request('setConsumerPreferredLayers', { consumerId: answer.consumerId, spatialLayer: wanted.spatialLayer as 0 | 1 | 2 });
      }
      await this.#signaling!.request('resumeConsumer', { consumerId: answer.consumerId });
    } catch (error) {
      if (!this.#closed) this.#fail(`consume ${producer.source} of ${producer.participantId}: ${(error as Error).message}`);
    }
  }

  #onNotification(notification: Notification): void {
    switch (notification.method) {
      case 'producerAdded':
        void this.#maybeConsume(notification.data);
        break;
      case 'consumerClosed': {
        const consumer = this.consumers.get(notification.data.consumerId);
        if (consumer) consumer.closed = true;
        break;
      }
      case 'removed':
        this.#fail(`removed: ${notification.data.reason}`);
        break;
      case 'mediaReset':
        this.#fail(`media reset: ${notification.data.reason}`);
        break;
      default:
        break;
    }
  }

  #fail(reason: string): void {
    if (!this.#closed) this.failures.push(reason);
  }
}

function transportOptions(options: TransportOptions): types.TransportOptions {
  const { id, iceParameters, iceCandidates, dtlsParameters } = options;
  return { id, iceParameters, iceCandidates, dtlsParameters } as types.TransportOptions;
}
