import type { Logger } from 'pino';
import type { Caption, CaptionLanguage, EchoWarning, LessonEvent, LessonEventBus } from '@classbridge/protocol';
import type { EchoVerdict } from '../echo/EchoVerdict.js';
import type { SfuControl } from '@classbridge/sfu';
import { TypedEmitter } from '@classbridge/sfu';
import type { CaptionWorker } from '../worker/CaptionWorker.js';
import type { TranscriptStore } from '../transcripts/TranscriptStore.js';
import { LessonCaptions, type CaptionStreams, type CaptionTaps } from './LessonCaptions.js';
import type { CaptionMetrics } from './CaptionMetrics.js';

/** What the caption service needs to know about a lesson (the directory answers). */
export interface CaptionCatalog {
  /** null: no such lesson. */
  describe(lessonId: string): Promise<{ captions: boolean; language: CaptionLanguage } | null>;
}

export interface CaptionServiceOptions {
  sfu: CaptionTaps & Pick<SfuControl, 'on' | 'off'>;
  events: LessonEventBus;
  worker: CaptionStreams & Pick<CaptionWorker, 'on' | 'off'>;
  lessons: CaptionCatalog;
  /** Caption the lessons that ask for it (default true). */
  captions?: boolean;
  /** Listen for acoustic echo from remote classrooms (default false). */
  echoGuard?: boolean;
  /** An echo warning asks the classroom's SDK to turn its microphone down while the teacher speaks (default false). */
  echoDuck?: boolean;
  /** Where transcripts are kept (needed when captioning). */
  transcripts?: TranscriptStore;
  metrics: CaptionMetrics;
  logger: Logger;
  /** Where the worker's sockets listen (default loopback: it runs on this machine). */
  listenIp?: string;
}

interface CaptionServiceEvents extends Record<string, unknown> {
  /** A caption for everyone in the lesson (partials, then the final of each utterance). */
  caption: { lessonId: string; caption: Caption };
  /** A lesson's transcript was saved as complete (its lesson ended). */
  transcriptSaved: { lessonId: string };
  /** Captions cannot run for a lesson here (engine or model missing): said once per lesson. */
  unavailable: { lessonId: string; code: string; message: string };
  /** A classroom's microphone started (warning) or stopped (null) leaking the teacher back. */
  echo: { lessonId: string; participantId: string; warning: EchoWarning | null };
}

/**
 * Live captions for every lesson that wants them, and the echo guard for every lesson with remote
 * classrooms: follows the server-side lesson events, keeps a LessonCaptions per live lesson, routes
 * the caption worker's output to it, and reopens every stream when the worker process is restarted.
 * An echo warning is raised when a microphone's verdict becomes `leaking` and lowered only when it
 * is `clear` again (or no longer listened to), so it does not flicker through `suspect`. Only the lesson event bus, the SFU's media taps and
 * the worker are touched, so a caption failure never reaches a socket handler.
 */
export class CaptionService extends TypedEmitter<CaptionServiceEvents> {
  readonly #o: CaptionServiceOptions;
  readonly #lessons = new Map<string, LessonCaptions>();
  /** Lessons being looked up in the catalog, with the events that arrived meanwhile. */
  readonly #starting = new Map<string, LessonEvent[]>();
  readonly #notCaptioned = new Set<string>();
  readonly #streamOwners = new Map<string, LessonCaptions>();
  readonly #closing = new Set<Promise<void>>();
  readonly #unsubscribe: () => void;
  readonly #detach: Array<() => void> = [];
  /** Raised echo warnings by lesson, then participant. */
  readonly #echoWarnings = new Map<string, Map<string, EchoWarning>>();
  #nextStream = 0;
  #closed = false;

  constructor(options: CaptionServiceOptions) {
    super();
    this.#o = options;
    const { sfu, worker } = options;
    const onTapClosed = ({ roomId, tapId }: { roomId: string; tapId: string }) => this.#lessons.get(roomId)?.onTapClosed(tapId);
    const onSenderReport = (report: { roomId: string; tapId: string; ssrc: number; ntpMs: number; rtpTimestamp: number }) =>
      this.#lessons.get(report.roomId)?.onSenderReport(report);
    sfu.on('mediaTapClosed', onTapClosed);
    sfu.on('mediaTapSenderReport', onSenderReport);
    this.#detach.push(() => sfu.off('mediaTapClosed', onTapClosed), () => sfu.off('mediaTapSenderReport', onSenderReport));

    const onCaption = ({ streamId, caption }: { streamId: string; caption: Caption }) => this.#streamOwners.get(streamId)?.onCaption(caption);
    const onEcho = ({ streamId, verdict }: { streamId: string; verdict: EchoVerdict }) => this.#streamOwners.get(streamId)?.onEcho(streamId, verdict);
    const onLag = ({ streamId, lagMs }: { streamId: string; lagMs: number }) => options.metrics.observeLag(streamId, lagMs);
    const onError = ({ streamId, code, message }: { streamId: string | null; code: string; message: string }) => {
      options.metrics.errors.inc({ code });
      options.logger.warn({ streamId, code, err: message }, 'caption stream error');
      if (streamId) this.#streamOwners.get(streamId)?.onStreamError(streamId, code, message);
    };
    const onRestarted = ({ code, signal }: { code: number | null; signal: string | null }) => {
      options.metrics.workerRestarts.inc();
      options.logger.error({ code, signal }, 'the caption worker died and was restarted; reopening caption streams');
      for (const lesson of this.#lessons.values()) lesson.reopenAll();
    };
    worker.on('caption', onCaption);
    worker.on('lag', onLag);
    worker.on('echo', onEcho);
    worker.on('streamError', onError);
    worker.on('restarted', onRestarted);
    this.#detach.push(
      () => worker.off('caption', onCaption),
      () => worker.off('lag', onLag),
      () => worker.off('echo', onEcho),
      () => worker.off('streamError', onError),
      () => worker.off('restarted', onRestarted),
    );
    this.#unsubscribe = options.events.subscribe((event) => this.#onEvent(event));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Producer ids captioned now in a lesson (tests, diagnostics). */
  captionedProducers(lessonId: string): string[] {
    return this.#lessons.get(lessonId)?.captionedProducers ?? [];
  }

  /** Resolves once every ended lesson's transcript is written (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#closing.size > 0) await Promise.all([...this.#closing]);
  }

  /** Stops captioning; transcripts of running lessons are saved as incomplete. The worker is the owner's to close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const detach of this.#detach) detach();
    await Promise.all([...this.#lessons.values()].map((lesson) => this.#finish(lesson, false)));
    await this.idle();
    this.removeAllListeners();
  }

  #onEvent(event: LessonEvent): void {
    if (this.#closed) return;
    const { lessonId } = event;
    const starting = this.#starting.get(lessonId);
    if (starting) {
      starting.push(event);
      return;
    }
    const lesson = this.#lessons.get(lessonId);
    if (event.type === 'lesson.ended') {
      this.#notCaptioned.delete(lessonId);
      if (lesson) void this.#finish(lesson, true);
      return;
    }
    if (lesson) lesson.handle(event);
    else if (!this.#notCaptioned.has(lessonId)) void this.#open(lessonId, event);
  }

  async #open(lessonId: string, first: LessonEvent): Promise<void> {
    const pending = [first];
    this.#starting.set(lessonId, pending);
    let lesson: LessonCaptions | undefined;
    try {
      const described = await this.#o.lessons.describe(lessonId);
      const captioning = Boolean(described?.captions && (this.#o.captions ?? true) && this.#o.transcripts);
      if (!described || !(captioning || this.#o.echoGuard) || this.#closed) {
        // Its later events are ignored (its end, replayed below, forgets it).
        this.#notCaptioned.add(lessonId);
      } else {
        lesson = await this.#createLesson(lessonId, described.language, captioning);
      }
    } catch (error) {
      this.#o.logger.error({ lessonId, err: (error as Error).message }, 'captions not started for a lesson');
    } finally {
      this.#starting.delete(lessonId);
    }
    if (lesson) this.#lessons.set(lessonId, lesson);
    for (const event of pending) this.#onEvent(event);
  }

  async #createLesson(lessonId: string, language: CaptionLanguage, captioning: boolean): Promise<LessonCaptions> {
    const previous = captioning ? await this.#o.transcripts?.get(lessonId) : undefined;
    return new LessonCaptions(
      lessonId,
      language,
      {
        sfu: this.#o.sfu,
        worker: this.#o.worker,
        captioning,
        echoGuard: this.#o.echoGuard ?? false,
        transcripts: this.#o.transcripts,
        echo: (participantId, verdict) => this.#onEchoVerdict(lessonId, participantId, verdict),
        metrics: this.#o.metrics,
        logger: this.#o.logger,
        listenIp: this.#o.listenIp ?? '127.0.0.1',
        nextStreamId: () => `s${++this.#nextStream}`,
        claim: (streamId, owner) => (owner ? this.#streamOwners.set(streamId, owner) : this.#streamOwners.delete(streamId)),
        publish: (caption) => {
          this.#o.metrics.captions.inc({ kind: caption.final ? 'final' : 'partial' });
          this.#emitSafely('caption', { lessonId, caption });
        },
        unavailable: (code, message) => {
          this.#o.logger.error({ lessonId, language: language, code, err: message }, 'no live captions for this lesson');
          this.#emitSafely('unavailable', { lessonId, code, message });
        },
      },
      previous && !previous.complete && previous.language === language ? previous : undefined,
    );
  }

  #onEchoVerdict(lessonId: string, participantId: string, verdict: EchoVerdict | null): void {
    const raised = this.#echoWarnings.get(lessonId)?.get(participantId);
    if (!raised && verdict?.state === 'leaking') {
      const warning: EchoWarning = { delayMs: verdict.delayMs, echoReturnLossDb: verdict.echoReturnLossDb, sinceMs: Date.now(), duck: this.#o.echoDuck ?? false };
      let lesson = this.#echoWarnings.get(lessonId);
      if (!lesson) this.#echoWarnings.set(lessonId, (lesson = new Map()));
      lesson.set(participantId, warning);
      this.#o.metrics.echoDetections.inc();
      this.#o.logger.warn({ lessonId, participantId, delayMs: verdict.delayMs, echoReturnLossDb: verdict.echoReturnLossDb }, 'a classroom microphone leaks the teacher back (acoustic echo)');
      this.#echoChanged(lessonId, participantId, warning);
    } else if (raised && (verdict === null || verdict.state === 'clear')) {
      this.#lowerEcho(lessonId, participantId);
    }
  }

  #lowerEcho(lessonId: string, participantId: string): void {
    const lesson = this.#echoWarnings.get(lessonId);
    if (!lesson?.delete(participantId)) return;
    if (lesson.size === 0) this.#echoWarnings.delete(lessonId);
    this.#echoChanged(lessonId, participantId, null);
  }

  #echoChanged(lessonId: string, participantId: string, warning: EchoWarning | null): void {
    let leaking = 0;
    for (const lesson of this.#echoWarnings.values()) leaking += lesson.size;
    this.#o.metrics.echoLeaking.set(leaking);
    this.#emitSafely('echo', { lessonId, participantId, warning });
  }

  #finish(lesson: LessonCaptions, complete: boolean): Promise<void> {
    this.#lessons.delete(lesson.lessonId);
    const closing = lesson.close({ complete }).then(() => {
      if (complete && lesson.captioning) this.#emitSafely('transcriptSaved', { lessonId: lesson.lessonId });
    });
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
    return closing;
  }

  #emitSafely<E extends keyof CaptionServiceEvents & string>(event: E, payload: CaptionServiceEvents[E]): void {
    try {
      this.emit(event, payload);
    } catch (error) {
      this.#o.logger.error({ event, err: (error as Error).message }, 'a caption listener failed');
    }
  }
}
