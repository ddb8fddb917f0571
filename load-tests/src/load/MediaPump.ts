import { RtpHeader, RtpPacket } from 'msc-node';
import type { IvfVideo } from './media/containers.js';
import { vp8Payloads } from './media/vp8Payloads.js';
import { sharedClockMs, withSendTime } from './sendTimeTrailer.js';

/** The parts of werift's RTCRtpSender a bot drives (simulcast: one sender, a layer's ssrc and rid set per packet). */
export interface PumpSender {
  ssrc: number;
  rtpStreamId?: string;
  sendRtp(packet: RtpPacket): Promise<void>;
  onPictureLossIndication: { subscribe(listener: () => void): { unSubscribe(): void } };
}

interface Layer {
  /** The layer's frames (video only). */
  video?: IvfVideo;
  ssrc: number;
  rid: string | undefined;
  sequenceNumber: number;
}

interface Publication {
  kind: 'audio' | 'video';
  sender: PumpSender;
  payloadType: number;
  layers: Layer[];
  opus: Buffer[];
  /** Frames (or audio packets) sent so far: the position in the loop. */
  index: number;
  timestamp: number;
  /** Sends one video frame every this many 30 fps ticks (a 5 fps screen: 6). */
  everyTicks: number;
  stopPli: () => void;
  /** Packets sent (all layers). */
  sent: number;
}

export interface VideoPublicationOptions {
  /** Simulcast: a video per layer with the ssrc and rid the producer announced; else one. */
  layers: Array<{ video: IvfVideo; ssrc: number; rid?: string }>;
  payloadType: number;
}

const VIDEO_TICK_MS = 1000 / 30;
const AUDIO_TICK_MS = 20;

/**
 * Paces every publication of a bot process from two clocks (30 fps video ticks,
 * 20 ms audio ticks), so a few hundred bots cost two timers. Ticks missed while the
 * process was busy are caught up at once, as a real encoder would send late frames.
 * A picture-loss request makes a video skip ahead to its next key frame.
 */
export class MediaPump {
  readonly #publications = new Set<Publication>();
  #videoTicks = 0;
  #audioTicks = 0;
  readonly #startedAt = performance.now();
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor() {
    this.#timers.push(setInterval(() => this.#tick('video'), VIDEO_TICK_MS / 2));
    this.#timers.push(setInterval(() => this.#tick('audio'), AUDIO_TICK_MS / 2));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Packets sent by all publications since they started. */
  get packetsSent(): number {
    let sent = 0;
    for (const publication of this.#publications) sent += publication.sent;
    return sent;
  }

  addVideo(sender: PumpSender, options: VideoPublicationOptions): () => void {
    const fps = options.layers[0]!.video.fps;
    const publication: Publication = {
      kind: 'video',
      sender,
      payloadType: options.payloadType,
      layers: options.layers.map((layer) => ({ video: layer.video, ssrc: layer.ssrc, rid: layer.rid, sequenceNumber: randomUint16() })),
      opus: [],
      index: 0,
      timestamp: randomUint32(),
      everyTicks: Math.max(1, Math.round(30 / fps)),
      stopPli: () => undefined,
      sent: 0,
    };
    const subscription = sender.onPictureLossIndication.subscribe(() => skipToKeyFrame(publication));
    publication.stopPli = () => subscription.unSubscribe();
    return this.#add(publication);
  }

  addAudio(sender: PumpSender, options: { opus: Buffer[]; ssrc: number; payloadType: number }): () => void {
    return this.#add({
      kind: 'audio',
      sender,
      payloadType: options.payloadType,
      layers: [{ ssrc: options.ssrc, rid: undefined, sequenceNumber: randomUint16() }],
      opus: options.opus,
      index: Math.floor(Math.random() * options.opus.length),
      timestamp: randomUint32(),
      everyTicks: 1,
      stopPli: () => undefined,
      sent: 0,
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const publication of this.#publications) publication.stopPli();
    this.#publications.clear();
  }

  #add(publication: Publication): () => void {
    this.#publications.add(publication);
    return () => {
      publication.stopPli();
      this.#publications.delete(publication);
    };
  }

  #tick(kind: 'audio' | 'video'): void {
    const elapsed = performance.now() - this.#startedAt;
    const due = Math.floor(elapsed / (kind === 'video' ? VIDEO_TICK_MS : AUDIO_TICK_MS));
    // A stall longer than a second is not caught up: that would be a burst no encoder sends.
    let from = kind === 'video' ? this.#videoTicks : this.#audioTicks;
    if (due - from > (kind === 'video' ? 30 : 50)) from = due - 1;
    for (let tick = from + 1; tick <= due; tick++) {
      for (const publication of this.#publications) {
        if (publication.kind !== kind) continue;
        if (kind === 'audio') sendAudio(publication);
        else if (tick % publication.everyTicks === 0) sendVideoFrame(publication);
      }
    }
    if (kind === 'video') this.#videoTicks = due;
    else this.#audioTicks = due;
  }
}

function sendVideoFrame(publication: Publication): void {
  const frameIndex = publication.index % videoOf(publication.layers[0]!).frames.length;
  const now = sharedClockMs();
  for (const layer of publication.layers) {
    const { frames } = videoOf(layer);
    const payloads = vp8Payloads(frames[frameIndex % frames.length]!);
    payloads.forEach((payload, k) => {
      const header = new RtpHeader({
        payloadType: publication.payloadType,
        sequenceNumber: layer.sequenceNumber,
        timestamp: publication.timestamp >>> 0,
        marker: k === payloads.length - 1,
        ssrc: layer.ssrc,
      });
      layer.sequenceNumber = (layer.sequenceNumber + 1) & 0xffff;
      send(publication, layer, new RtpPacket(header, withSendTime(payload, now)));
    });
  }
  publication.index++;
  publication.timestamp = (publication.timestamp + Math.round(90_000 / layerFps(publication))) >>> 0;
}

function sendAudio(publication: Publication): void {
  const layer = publication.layers[0]!;
  const payload = publication.opus[publication.index % publication.opus.length]!;
  const header = new RtpHeader({ payloadType: publication.payloadType, sequenceNumber: layer.sequenceNumber, timestamp: publication.timestamp >>> 0, marker: false, ssrc: layer.ssrc });
  layer.sequenceNumber = (layer.sequenceNumber + 1) & 0xffff;
  publication.index++;
  publication.timestamp = (publication.timestamp + 960) >>> 0;
  send(publication, layer, new RtpPacket(header, withSendTime(payload, sharedClockMs())));
}

/** werift's sender stamps its own ssrc and rid on what it sends: set them to the layer's, synchronously before each packet. */
function send(publication: Publication, layer: Layer, packet: RtpPacket): void {
  const sender = publication.sender;
  sender.ssrc = layer.ssrc;
  if (layer.rid !== undefined) sender.rtpStreamId = layer.rid;
  publication.sent++;
  sender.sendRtp(packet).catch(() => undefined); // a closing transport: the bot is leaving
}

function skipToKeyFrame(publication: Publication): void {
  const { keyframes } = videoOf(publication.layers[0]!);
  for (let step = 0; step < keyframes.length; step++) {
    if (keyframes[(publication.index + step) % keyframes.length]) {
      publication.index += step;
      return;
    }
  }
}

const videoOf = (layer: Layer): IvfVideo => layer.video!; // set on every layer of a video publication
const layerFps = (publication: Publication) => videoOf(publication.layers[0]!).fps;
const randomUint16 = () => Math.floor(Math.random() * 0x10000);
const randomUint32 = () => Math.floor(Math.random() * 0x100000000);
