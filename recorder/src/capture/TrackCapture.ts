import dgram from 'node:dgram';
import fsp from 'node:fs/promises';
import type { Logger } from 'pino';
import type { MediaTapInfo, SfuControl } from '@classbridge/sfu';
import type { WireRtpCapabilities } from '@classbridge/protocol';
import { parseRtpPacket } from '../rtp/RtpPacket.js';
import { createDepacketizer } from '../rtp/Depacketizer.js';
import type { Depacketizer } from '../rtp/Depacketizer.js';
import { RtpClock } from '../rtp/RtpClock.js';
import type { SenderClock } from '../rtp/SenderClock.js';
import { LiveWebmWriter } from '../webm/LiveWebmWriter.js';
import { captureClock } from './captureClock.js';

/** A capture file as the manifest and the composer see it. */
export interface CaptureFile {
  name: string;
  /** Recording-timeline ms of the first frame and just past the last one (null: no frame yet). */
  startMs: number | null;
  endMs: number | null;
}

export interface TrackCaptureOptions {
  sfu: SfuControl;
  lessonId: string;
  producerId: string;
  trackId: string;
  /** Codecs the recorder can depacketize, with the router's payload types. */
  rtpCapabilities: WireRtpCapabilities;
  /** Absolute path of a capture file, by name. */
  pathFor(name: string): string;
  /** Capture-clock ms of the recording timeline's zero. */
  originMs: number;
  /** IP the recorder receives plain RTP on (the SFU sends there). */
  listenIp: string;
  logger: Logger;
  /** The participant's capture clock, shared with its other tracks (lip sync). */
  senderClock?: SenderClock;
  /** A file could not be written (disk full): the capture has stopped, what was written stays. */
  onFailure(error: Error): void;
}

/** One video frame's worth of time past the last frame, so a file's range covers its last frame. */
const TAIL_MS = { audio: 20, video: 66 } as const;
/** A key frame is asked for at most this often when frames are lost. */
const KEY_FRAME_THROTTLE_MS = 500;

interface OpenFile {
  name: string;
  writer: LiveWebmWriter;
}

/**
 * Records one producer: a media tap from the SFU into a UDP socket, RTP
 * depacketized into frames, frames written to crash-safe WebM files on the
 * recording timeline, one file per composition window.
 *
 * Switching files: video files must start with a key frame, so rotate() opens
 * the next file ahead of the boundary and asks for a key frame; frames go to
 * both files (the next one ignores them until its key frame) until a frame at
 * or past the boundary has reached the next file. The old file therefore ends
 * at or after the boundary and the new one starts at or before it (when the key
 * frame comes in time): every window is covered by decodable files.
 */
export class TrackCapture {
  readonly trackId: string;
  readonly producerId: string;
  readonly tap: MediaTapInfo;
  readonly codec: 'opus' | 'vp8' | 'h264';
  readonly #options: TrackCaptureOptions;
  readonly #socket: dgram.Socket;
  readonly #depacketizer: Depacketizer;
  readonly #clock: RtpClock;
  readonly #files: CaptureFile[] = [];
  #current: OpenFile | null = null;
  #next: OpenFile | null = null;
  #boundaryMs: number | null = null;
  #lastKeyFrameRequest = 0;
  #fileIndex = 0;
  #closed = false;
  #failed = false;
  #frames = 0;
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(options: TrackCaptureOptions, socket: dgram.Socket, tap: MediaTapInfo, first: OpenFile) {
    this.#options = options;
    this.trackId = options.trackId;
    this.producerId = options.producerId;
    this.#socket = socket;
    this.tap = tap;
    const codec = tap.rtpParameters.codecs?.[0];
    this.codec = codecName(codec?.mimeType ?? '');
    this.#depacketizer = createDepacketizer(codec?.mimeType ?? '');
    this.#clock = new RtpClock({ clockRate: codec?.clockRate ?? 90000, originMs: options.originMs, ...(options.senderClock ? { sender: options.senderClock } : {}) });

    this.#current = first;
    first.writer.onError = (error) => this.#fail(error);
    this.#files.push({ name: first.name, startMs: null, endMs: null });
    socket.on('message', (message, from) => this.#onPacket(message, from));
    socket.on('error', (error) => options.logger.warn({ err: error.message, trackId: this.trackId }, 'capture socket error'));
  }

  /** Binds a socket, opens the tap and the first file; the tap is closed again if anything fails. */
  static async open(options: TrackCaptureOptions): Promise<TrackCapture> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.listenIp, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    let tap: MediaTapInfo | undefined;
    try {
      tap = await options.sfu.openMediaTap(options.lessonId, {
        producerId: options.producerId,
        destination: { ip: options.listenIp, port: socket.address().port },
        rtpCapabilities: options.rtpCapabilities,
      });
      const mime = tap.rtpParameters.codecs?.[0]?.mimeType ?? '';
      const first = await openFile(options, 0, tap.kind, codecName(mime));
      const capture = new TrackCapture(options, socket, tap, first);
      capture.#requestKeyFrame(true);
      return capture;
    } catch (error) {
      socket.close();
      if (tap) await options.sfu.closeMediaTap(options.lessonId, tap.tapId).catch(() => undefined);
      throw error;
    }
  }

  get kind(): 'audio' | 'video' {
    return this.tap.kind;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Frames written so far (diagnostics, tests). */
  get frames(): number {
    return this.#frames;
  }

  /** The files so far, with what is known of their ranges. */
  files(): CaptureFile[] {
    this.#refreshRanges();
    return this.#files.map((file) => ({ ...file }));
  }

  /** Prepares the switch to a new file at `boundaryMs` (call it about a second ahead of the boundary). */
  async rotate(boundaryMs: number): Promise<void> {
    if (this.#closed || this.#failed) return;
    await this.#serial(async () => {
      // A next file that never got its first frame (paused producer) is reused for the later boundary.
      if (!this.#next) {
        this.#fileIndex++;
        this.#next = await openFile(this.#options, this.#fileIndex, this.kind, this.codec);
        this.#next.writer.onError = (error) => this.#fail(error);
        this.#files.push({ name: this.#next.name, startMs: null, endMs: null });
      }
      this.#boundaryMs = boundaryMs;
    });
    this.#requestKeyFrame(true);
  }

  /** The tapped producer's sender reported its clock (the recorder routes the SFU's reports here). */
  onSenderReport(report: { ssrc: number; ntpMs: number; rtpTimestamp: number }): void {
    this.#clock.observeSenderReport(report.ssrc, report.ntpMs, report.rtpTimestamp);
  }

  /** Writes buffered frames to disk (before a window is composed). */
  async flush(): Promise<void> {
    await this.#serial(async () => {
      await Promise.all([this.#current?.writer.flush(), this.#next?.writer.flush()]);
    });
    this.#refreshRanges();
  }

  /** Stops the tap and closes the files; empty files are removed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    await this.#options.sfu.closeMediaTap(this.#options.lessonId, this.tap.tapId).catch(() => undefined);
    await this.#serial(async () => {
      for (const file of [this.#current, this.#next]) if (file) await this.#closeFile(file);
      this.#current = null;
      this.#next = null;
    });
  }

  #onPacket(message: Buffer, from: dgram.RemoteInfo): void {
    if (this.#closed || this.#failed) return;
    const origin = this.tap.origin;
    if (origin && (from.port !== origin.port || from.address !== origin.ip)) return;
    const packet = parseRtpPacket(message);
    if (!packet) return;
    const arrivalMs = captureClock();
    const frames = this.#depacketizer.push(packet);
    for (const frame of frames) this.#write(this.#clock.toMs(frame.timestamp, arrivalMs), frame.data, frame.keyFrame);
    if (this.#depacketizer.needsKeyFrame) this.#requestKeyFrame(false);
  }

  #write(ms: number, data: Buffer, keyFrame: boolean): void {
    this.#frames++;
    const current = this.#current;
    const next = this.#next;
    const boundary = this.#boundaryMs;
    if (!next || boundary === null) {
      current?.writer.addFrame(ms, data, keyFrame);
      return;
    }
    if (this.kind === 'audio') {
      if (ms < boundary) {
        current?.writer.addFrame(ms, data, keyFrame);
        return;
      }
      next.writer.addFrame(ms, data, keyFrame);
      this.#switchTo(next);
      return;
    }
    current?.writer.addFrame(ms, data, keyFrame);
    next.writer.addFrame(ms, data, keyFrame);
    // The switch waits for the next file's key frame (its first frame) and for the boundary.
    if (ms >= boundary && next.writer.firstTimestampMs !== null) this.#switchTo(next);
    else if (ms >= boundary) this.#requestKeyFrame(false);
  }

  #switchTo(next: OpenFile): void {
    const previous = this.#current;
    this.#current = next;
    this.#next = null;
    this.#boundaryMs = null;
    if (previous) void this.#serial(() => this.#closeFile(previous));
  }

  async #closeFile(file: OpenFile): Promise<void> {
    try {
      await file.writer.close();
    } catch (error) {
      this.#fail(error as Error);
    }
    this.#refreshRanges();
    this.#recordRange(file);
    if (file.writer.firstTimestampMs === null) {
      // Nothing was written: the file is not part of the recording.
      await fsp.rm(this.#options.pathFor(file.name), { force: true });
      const index = this.#files.findIndex((entry) => entry.name === file.name);
      if (index >= 0) this.#files.splice(index, 1);
    }
  }

  #refreshRanges(): void {
    for (const open of [this.#current, this.#next]) if (open) this.#recordRange(open);
  }

  /** Copies a file's frame range (so far) into the file list. */
  #recordRange(open: OpenFile): void {
    const entry = this.#files.find((file) => file.name === open.name);
    const { firstTimestampMs, lastTimestampMs } = open.writer;
    if (entry && firstTimestampMs !== null && lastTimestampMs !== null) {
      entry.startMs = firstTimestampMs;
      entry.endMs = lastTimestampMs + TAIL_MS[this.kind];
    }
    if (open.writer.failure) this.#fail(open.writer.failure);
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#options.logger.error({ trackId: this.trackId, err: error.message }, 'capture stopped: a file could not be written');
    this.#options.onFailure(error);
  }

  #requestKeyFrame(force: boolean): void {
    if (this.kind !== 'video' || this.#closed) return;
    const now = Date.now();
    if (!force && now - this.#lastKeyFrameRequest < KEY_FRAME_THROTTLE_MS) return;
    this.#lastKeyFrameRequest = now;
    this.#options.sfu.requestTapKeyFrame(this.#options.lessonId, this.tap.tapId).catch(() => undefined);
  }

  /** File opens, closes and flushes happen one at a time, in order. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#pending.then(task, task);
    this.#pending = run.catch(() => undefined);
    return run;
  }
}

async function openFile(options: TrackCaptureOptions, index: number, kind: 'audio' | 'video', codec: 'opus' | 'vp8' | 'h264'): Promise<OpenFile> {
  const name = `${options.trackId}-${String(index).padStart(5, '0')}.${codec === 'h264' ? 'mkv' : 'webm'}`;
  const writer = await LiveWebmWriter.open(options.pathFor(name), { kind, codec });
  return { name, writer };
}

function codecName(mimeType: string): 'opus' | 'vp8' | 'h264' {
  const lower = mimeType.toLowerCase();
  if (lower === 'audio/opus') return 'opus';
  if (lower === 'video/h264') return 'h264';
  return 'vp8';
}
