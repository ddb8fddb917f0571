import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { Caption, CaptionLanguage, LessonEvent, Role, WireRtpCapabilities } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import { captionTargets, type MicrophoneProducer } from '../captions/captionTargets.js';
import { echoTargets } from '../echo/echoTargets.js';
import type { EchoRole } from '../echo/EchoGuards.js';
import type { EchoVerdict } from '../echo/EchoVerdict.js';
import type { CaptionWorker } from '../worker/CaptionWorker.js';
import { byStart, type TranscriptStore } from '../transcripts/TranscriptStore.js';
import type { CaptionMetrics } from './CaptionMetrics.js';

/** What captions need of the SFU: media taps of microphones. */
export type CaptionTaps = Pick<SfuControl, 'getRouterRtpCapabilities' | 'openMediaTap' | 'closeMediaTap'>;
/** What captions need of the caption worker: streams in, captions out (see CaptionService for the events). */
export type CaptionStreams = Pick<CaptionWorker, 'open' | 'senderReport' | 'closeStream'>;

export interface LessonCaptionsDeps {
  sfu: CaptionTaps;
  worker: CaptionStreams;
  /** Caption the lesson (it asked for captions and the server has them on). */
  captioning: boolean;
  /** Run the echo guard on its classrooms' microphones. */
  echoGuard: boolean;
  transcripts: TranscriptStore | undefined;
  metrics: CaptionMetrics;
  logger: Logger;
  /** Where the caption worker receives RTP (its sockets bind on loopback). */
  listenIp: string;
  /** A new stream id, unique for the life of the worker. */
  nextStreamId(): string;
  /** The stream is this lesson's now (the service routes worker events by stream id). */
  claim(streamId: string, lesson: LessonCaptions | null): void;
  publish(caption: Caption): void;
  /** The echo guard's verdict on a participant's microphone changed (null: it is not listened to any more). */
  echo(participantId: string, verdict: EchoVerdict | null): void;
  /** Engine errors that mean "no captions for this language here" (model missing, engine not installed). */
  unavailable(code: string, message: string): void;
}

interface CaptionedMicrophone {
  streamId: string;
  producerId: string;
  participantId: string;
  tapId: string | null;
  /** What the worker does with it: captions, and/or the echo guard in this role. */
  captions: boolean;
  echo: EchoRole | null;
}

/** Codes after which retrying a lesson's streams is pointless until an operator acts. */
const UNAVAILABLE_CODES = new Set(['ASR_UNAVAILABLE', 'ASR_MODEL_UNUSABLE']);
/** A transcript is written this long after its latest final caption, so a crash loses little. */
const SAVE_DEBOUNCE_MS = 5_000;

/**
 * Captions and echo guard of one live lesson: follows its participants, microphones and floor,
 * keeps a stream (a media tap into the caption worker) open for every microphone captionTargets or
 * echoTargets picks — one stream per microphone, serving both — and keeps the lesson's transcript.
 * Changes are applied one at a time, in order (`#reconcile`).
 */
export class LessonCaptions {
  readonly lessonId: string;
  readonly language: CaptionLanguage;
  readonly #deps: LessonCaptionsDeps;
  readonly #participants = new Map<string, { displayName: string; role: Role }>();
  /** Live microphone producers: producerId → owner. */
  readonly #microphones = new Map<string, string>();
  #floorHolders: readonly string[] = [];
  readonly #streams = new Map<string, CaptionedMicrophone>();
  readonly #finals: Caption[] = [];
  readonly #startedAt: string;
  #queue: Promise<void> = Promise.resolve();
  #saveTimer: NodeJS.Timeout | undefined;
  #rtpCapabilities: WireRtpCapabilities | undefined;
  #unavailable = false;
  #closed = false;

  constructor(lessonId: string, language: CaptionLanguage, deps: LessonCaptionsDeps, previous?: { startedAt: string; captions: Caption[] }) {
    this.lessonId = lessonId;
    this.language = language;
    this.#deps = deps;
    // A lesson captioned before a restart continues its transcript.
    this.#startedAt = previous?.startedAt ?? new Date().toISOString();
    if (previous) this.#finals.push(...previous.captions);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this lesson is captioned (else only its echo guard runs). */
  get captioning(): boolean {
    return this.#deps.captioning;
  }

  /** Producer ids being captioned now (tests, diagnostics). */
  get captionedProducers(): string[] {
    return [...this.#streams.keys()];
  }

  handle(event: LessonEvent): void {
    if (this.#closed) return;
    switch (event.type) {
      case 'participant.joined':
        this.#participants.set(event.participant.participantId, { displayName: event.participant.displayName, role: event.participant.role });
        break;
      case 'participant.left':
        this.#participants.delete(event.participantId);
        break;
      case 'floor.changed':
        this.#floorHolders = [...event.floor.holders];
        break;
      case 'producer.added':
        if (event.kind === 'audio' && event.source === 'microphone') this.#microphones.set(event.producerId, event.participantId);
        break;
      case 'producer.removed':
        this.#microphones.delete(event.producerId);
        break;
      default:
        return;
    }
    this.#reconcile();
  }

  /** A caption from the worker for one of this lesson's streams. */
  onCaption(caption: Caption): void {
    if (caption.final) {
      this.#finals.push(caption);
      this.#scheduleSave();
    }
    this.#deps.publish(caption);
  }

  /** The worker reported an error for one of this lesson's streams. */
  onStreamError(streamId: string, code: string, message: string): void {
    if (!UNAVAILABLE_CODES.has(code)) return;
    // The engine for this language cannot run here: stop asking until the lesson is opened again.
    if (!this.#unavailable) this.#deps.unavailable(code, message);
    this.#unavailable = true;
    const stream = [...this.#streams.values()].find((entry) => entry.streamId === streamId);
    if (stream) this.#enqueue(() => this.#stop(stream));
    // The echo guard needs no engine: its streams open again without captions.
    if (this.#deps.echoGuard) this.#reconcile();
  }

  /** The echo guard's verdict on one of this lesson's streams changed. */
  onEcho(streamId: string, verdict: EchoVerdict): void {
    const stream = [...this.#streams.values()].find((entry) => entry.streamId === streamId);
    if (stream?.echo === 'microphone') this.#deps.echo(stream.participantId, verdict);
  }

  /** The SFU closed a tap (its producer or room closed): the stream goes with it. */
  onTapClosed(tapId: string): void {
    const stream = [...this.#streams.values()].find((entry) => entry.tapId === tapId);
    if (!stream) return;
    stream.tapId = null;
    this.#enqueue(() => this.#stop(stream));
  }

  onSenderReport(report: { tapId: string; ssrc: number; ntpMs: number; rtpTimestamp: number }): void {
    for (const stream of this.#streams.values()) {
      if (stream.tapId === report.tapId) this.#deps.worker.senderReport(stream.streamId, report);
    }
  }

  /** The worker process was restarted: every stream is gone there; open them again. */
  reopenAll(): void {
    if (this.#closed) return;
    this.#enqueue(async () => {
      for (const stream of [...this.#streams.values()]) await this.#stop(stream, { flush: false });
    });
    this.#reconcile();
  }

  /**
   * The lesson ended (or the service closes): finishes every utterance in progress, then writes the
   * transcript as complete. Resolves when the transcript is saved.
   */
  async close(options: { complete: boolean }): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#saveTimer);
    const done = this.#enqueue(async () => {
      await Promise.all([...this.#streams.values()].map((stream) => this.#stop(stream)));
    });
    await done;
    await this.#save(options.complete);
  }

  #reconcile(): void {
    this.#enqueue(() => this.#apply());
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(step).catch((error: unknown) => {
      this.#deps.logger.error({ lessonId: this.lessonId, err: (error as Error).message }, 'caption change failed');
    });
    this.#queue = next;
    return next;
  }

  async #apply(): Promise<void> {
    if (this.#closed) return;
    const microphones: MicrophoneProducer[] = [...this.#microphones].map(([producerId, participantId]) => ({
      producerId,
      participantId,
      role: this.#participants.get(participantId)?.role ?? 'classroom',
    }));
    const captioned = new Set(this.#deps.captioning && !this.#unavailable ? captionTargets(microphones, this.#floorHolders) : []);
    const echoRoles = this.#deps.echoGuard ? echoTargets(microphones, this.#floorHolders) : new Map<string, EchoRole>();
    const wanted = new Map<string, { captions: boolean; echo: EchoRole | null }>();
    for (const producerId of new Set([...captioned, ...echoRoles.keys()])) wanted.set(producerId, { captions: captioned.has(producerId), echo: echoRoles.get(producerId) ?? null });
    for (const stream of [...this.#streams.values()]) {
      const want = wanted.get(stream.producerId);
      // A stream serves what it was opened for: another use means another stream.
      if (!want || want.captions !== stream.captions || want.echo !== stream.echo) await this.#stop(stream);
    }
    for (const [producerId, want] of wanted) {
      if (this.#streams.has(producerId) || this.#closed) continue;
      await this.#start(producerId, this.#microphones.get(producerId)!, want);
    }
  }

  async #start(producerId: string, participantId: string, use: { captions: boolean; echo: EchoRole | null }): Promise<void> {
    const { sfu, worker, logger, metrics } = this.#deps;
    const streamId = this.#deps.nextStreamId();
    const speaker = this.#participants.get(participantId)?.displayName ?? participantId;
    this.#deps.claim(streamId, this);
    try {
      this.#rtpCapabilities ??= opusOnly(await sfu.getRouterRtpCapabilities(this.lessonId));
      const opus = this.#rtpCapabilities.codecs?.[0];
      if (!opus?.preferredPayloadType) throw new ClassBridgeError(ErrorCode.InvalidMediaParameters, 'the room has no Opus codec');
      const port = await worker.open({
        streamId,
        participantId,
        speaker,
        language: use.captions ? this.language : null,
        payloadType: opus.preferredPayloadType,
        ...(use.echo ? { echo: { lessonId: this.lessonId, role: use.echo } } : {}),
      });
      const stream: CaptionedMicrophone = { streamId, producerId, participantId, tapId: null, ...use };
      this.#streams.set(producerId, stream);
      metrics.streams.inc();
      const tap = await sfu.openMediaTap(this.lessonId, { producerId, destination: { ip: this.#deps.listenIp, port }, rtpCapabilities: this.#rtpCapabilities });
      stream.tapId = tap.tapId;
      logger.info({ lessonId: this.lessonId, producerId, participantId, streamId, ...use }, 'listening to a microphone');
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'ERROR';
      const stream = this.#streams.get(producerId);
      if (stream) await this.#stop(stream, { flush: false });
      else this.#deps.claim(streamId, null);
      // The producer closed meanwhile: nothing to report.
      if (code === ErrorCode.NotFound) return;
      metrics.errors.inc({ code });
      if (UNAVAILABLE_CODES.has(code)) {
        if (!this.#unavailable) this.#deps.unavailable(code, (error as Error).message);
        this.#unavailable = true;
        // The echo guard needs no engine: its streams open again without captions.
        if (this.#deps.echoGuard) this.#reconcile();
        return;
      }
      logger.warn({ lessonId: this.lessonId, producerId, code, err: (error as Error).message }, 'microphone not captioned');
    }
  }

  async #stop(stream: CaptionedMicrophone, { flush = true } = {}): Promise<void> {
    if (this.#streams.get(stream.producerId) !== stream) return;
    this.#streams.delete(stream.producerId);
    this.#deps.metrics.streams.dec();
    this.#deps.metrics.streamClosed(stream.streamId);
    const tapId = stream.tapId;
    stream.tapId = null;
    if (tapId) await this.#deps.sfu.closeMediaTap(this.lessonId, tapId).catch(() => {});
    // Closing the stream finishes the utterance in progress (its final caption comes first).
    if (flush) await this.#deps.worker.closeStream(stream.streamId);
    else void this.#deps.worker.closeStream(stream.streamId, 0);
    this.#deps.claim(stream.streamId, null);
    if (stream.echo === 'microphone') this.#deps.echo(stream.participantId, null);
  }

  #scheduleSave(): void {
    if (this.#saveTimer || this.#closed) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      void this.#save(false);
    }, SAVE_DEBOUNCE_MS);
    this.#saveTimer.unref();
  }

  async #save(complete: boolean): Promise<void> {
    const { transcripts } = this.#deps;
    if (!transcripts || !this.#deps.captioning || (this.#finals.length === 0 && !complete)) return;
    try {
      await transcripts.save({
        version: 1,
        lessonId: this.lessonId,
        language: this.language,
        startedAt: this.#startedAt,
        updatedAt: new Date().toISOString(),
        complete,
        captions: [...this.#finals].sort(byStart),
      });
    } catch (error) {
      this.#deps.metrics.errors.inc({ code: 'TRANSCRIPT_WRITE' });
      this.#deps.logger.error({ lessonId: this.lessonId, err: (error as Error).message }, 'transcript not saved');
    }
  }
}

/** The router's Opus codec only: the caption worker decodes nothing else. */
export function opusOnly(router: WireRtpCapabilities): WireRtpCapabilities {
  return { codecs: (router.codecs ?? []).filter((codec) => codec.mimeType.toLowerCase() === 'audio/opus'), headerExtensions: [] };
}
