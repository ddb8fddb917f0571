import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LessonEventBus } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import { CaptionMetrics, CaptionService, CaptionWorker, TranscriptStore } from '@classbridge/ai';
import type { CaptionCatalog } from '@classbridge/ai';
import type { CaptionsConfig, EchoGuardConfig } from '../config.js';
import type { DirectoryStore } from '../store/DirectoryStore.js';

export interface CaptionsDeps {
  sfu: SfuControl;
  events: LessonEventBus;
  store: DirectoryStore;
  registry: Registry;
  logger: Logger;
}

export interface RunningCaptions {
  service: CaptionService;
  worker: CaptionWorker;
  /** Undefined when captions are off (the echo guard alone runs). */
  transcripts: TranscriptStore | undefined;
  close(): Promise<void>;
}

/**
 * The embedded caption service and echo guard (either may be off): a caption worker process (all
 * audio decoding and inference happen there), the service that follows lessons in this process,
 * and transcripts in TRANSCRIPTS_DIR. A worker that cannot start costs captions and the echo
 * guard, never the server: lessons run without them and the log says why.
 */
export async function startCaptions(
  config: { captions: CaptionsConfig | undefined; echoGuard: EchoGuardConfig | undefined },
  { sfu, events, store, registry, logger }: CaptionsDeps,
): Promise<RunningCaptions> {
  const { captions, echoGuard } = config;
  const worker = new CaptionWorker({
    ...(captions ? { engines: { engines: captions.engines, modelsDir: captions.modelsDir } } : {}),
    niceness: captions?.niceness ?? echoGuard?.niceness,
  });
  // Started now, so a lesson's first caption or echo check does not wait for the process.
  worker.start().catch((error: Error) => logger.error({ err: error.message }, 'the caption worker did not start; it is retried when a lesson needs it'));
  const transcripts = captions ? new TranscriptStore(captions.transcriptsDir) : undefined;
  const service = new CaptionService({
    sfu,
    events,
    worker,
    lessons: directoryCaptionCatalog(store),
    captions: captions !== undefined,
    echoGuard: echoGuard !== undefined,
    echoDuck: echoGuard?.duck ?? false,
    transcripts,
    metrics: new CaptionMetrics(registry),
    logger,
  });
  logger.info({ captions: captions ? { engines: captions.engines, modelsDir: captions.modelsDir, transcriptsDir: captions.transcriptsDir } : 'off', echoGuard: echoGuard ? (echoGuard.duck ? 'on, ducking' : 'on') : 'off' }, 'caption worker on');
  return {
    service,
    worker,
    transcripts,
    close: async () => {
      await service.close();
      await worker.close();
    },
  };
}

/** Whether a lesson wants captions, and in which language, from the directory. */
export function directoryCaptionCatalog(store: DirectoryStore): CaptionCatalog {
  return {
    async describe(lessonId) {
      const lesson = await store.getLesson(lessonId);
      return lesson ? { captions: lesson.captions, language: lesson.language } : null;
    },
  };
}
