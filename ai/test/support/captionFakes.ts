import { EventEmitter } from 'node:events';
import type { Caption, CaptionLanguage, LessonEvent, LessonEventBus, LessonEventInput, WireRtpCapabilities } from '@classbridge/protocol';
import { TypedEmitter } from '@classbridge/sfu';
import type { MediaTapInfo, MediaTapRequest, SfuEvents } from '@classbridge/sfu';
import type { CaptionWorkerEvents } from '../../src/worker/CaptionWorker.js';
import type { EchoRole } from '../../src/echo/EchoGuards.js';
import type { EchoVerdict } from '../../src/echo/EchoVerdict.js';

/**
 * Stand-ins for the CaptionService's collaborators in its unit tests. The real ones (LocalSfu's
 * media taps, the caption worker process, the lesson event bus) are exercised together in
 * captions.e2e.test.ts and CaptionWorker.int.test.ts; here the service's bookkeeping is tested
 * under orderings and concurrency that are hard to produce with real media.
 */
export class TestEventBus implements LessonEventBus {
  readonly #listeners = new Set<(event: LessonEvent) => void>();

  publish(input: LessonEventInput): void {
    const event = { ...input, at: new Date().toISOString() } as LessonEvent;
    for (const listener of this.#listeners) listener(event);
  }

  subscribe(listener: (event: LessonEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Media taps with a little latency (so concurrent requests overlap), and the SFU's tap events. */
export class FakeTaps extends TypedEmitter<SfuEvents> {
  readonly open = new Map<string, { roomId: string; producerId: string; port: number }>();
  readonly opened: string[] = [];
  /** Producers that no longer exist (openMediaTap answers NOT_FOUND). */
  readonly gone = new Set<string>();
  #next = 0;

  async getRouterRtpCapabilities(): Promise<WireRtpCapabilities> {
    await sleep(2);
    return { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2, preferredPayloadType: 100 }, { kind: 'video', mimeType: 'video/VP8', clockRate: 90_000, preferredPayloadType: 101 }], headerExtensions: [] } as WireRtpCapabilities;
  }

  async openMediaTap(roomId: string, request: MediaTapRequest): Promise<MediaTapInfo> {
    await sleep(5);
    if (this.gone.has(request.producerId)) throw Object.assign(new Error('no such producer'), { code: 'NOT_FOUND' });
    const tapId = `tap-${++this.#next}`;
    this.open.set(tapId, { roomId, producerId: request.producerId, port: request.destination.port });
    this.opened.push(request.producerId);
    return { tapId, producerId: request.producerId } as MediaTapInfo;
  }

  async closeMediaTap(_roomId: string, tapId: string): Promise<void> {
    await sleep(1);
    this.open.delete(tapId);
  }

  /** Taps open now, by producer id. */
  producers(): string[] {
    return [...this.open.values()].map((tap) => tap.producerId).sort();
  }

  /** The SFU closed a tap (its producer closed). */
  closeFromSfu(tapId: string): void {
    const tap = this.open.get(tapId);
    if (!tap) return;
    this.open.delete(tapId);
    this.emit('mediaTapClosed', { roomId: tap.roomId, tapId, producerId: tap.producerId, reason: 'producer-closed' });
  }
}

interface FakeStream {
  streamId: string;
  participantId: string;
  speaker: string;
  /** null: not captioned (the echo guard only). */
  language: CaptionLanguage | null;
  echo?: { lessonId: string; role: EchoRole };
  closed: boolean;
}

/** The caption worker's interface; `refuse` makes open() fail with a code, as a missing model does. */
export class FakeCaptionWorker extends EventEmitter<CaptionWorkerEvents> {
  readonly streams = new Map<string, FakeStream>();
  refuse: { code: string; message: string } | null = null;
  #port = 50_000;

  async open(stream: { streamId: string; participantId: string; speaker: string; language: CaptionLanguage | null; payloadType: number; echo?: { lessonId: string; role: EchoRole } }): Promise<number> {
    await sleep(3);
    // Only a speech engine can be missing: a stream for the echo guard alone always opens.
    if (this.refuse && stream.language !== null) throw Object.assign(new Error(this.refuse.message), { code: this.refuse.code });
    this.streams.set(stream.streamId, { ...stream, closed: false });
    return ++this.#port;
  }

  senderReport(): void {}

  async closeStream(streamId: string): Promise<void> {
    const stream = this.streams.get(streamId);
    if (stream) stream.closed = true;
  }

  /** Streams open now (not closed), by participant. */
  openStreams(): FakeStream[] {
    return [...this.streams.values()].filter((stream) => !stream.closed);
  }

  /** Emits a caption as the worker process would, for the stream of `participantId`. */
  speak(participantId: string, caption: Partial<Caption> & { text: string; final: boolean }): void {
    const stream = this.openStreams().find((entry) => entry.participantId === participantId);
    if (!stream) throw new Error(`no open stream for ${participantId}`);
    this.emit('caption', {
      streamId: stream.streamId,
      caption: { captionId: 'c-1', participantId, speaker: stream.speaker, language: stream.language ?? 'en', startMs: Date.now() - 1000, endMs: Date.now(), ...caption },
    });
  }

  /** The echo guard's verdict on the microphone stream of `participantId` changed, as the worker process reports it. */
  echoVerdict(participantId: string, state: EchoVerdict['state'], delayMs = 240): void {
    const stream = this.openStreams().find((entry) => entry.participantId === participantId && entry.echo?.role === 'microphone');
    if (!stream) throw new Error(`no open echo-guarded stream for ${participantId}`);
    this.emit('echo', { streamId: stream.streamId, verdict: { state, delayMs, confidence: 0.6, echoReturnLossDb: state === 'clear' ? null : -12, since: Date.now() } });
  }

  /** The process died and came back: every stream is gone. */
  restart(): void {
    for (const stream of this.streams.values()) stream.closed = true;
    this.emit('restarted', { code: null, signal: 'SIGKILL' });
  }
}
