import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LessonEventBus } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import { CaptionMetrics, CaptionService, CaptionWorker, TranscriptStore } from '@classbridge/ai';
import type { CaptionCatalog } from '@classbridge/ai';
import type { CaptionsConfig } from '../config.js';
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
  transcripts: TranscriptStore;
  close(): Promise<void>;
}

/**
 * The embedded caption service: a caption worker process (all inference happens there), the
 * service that follows lessons in this process, and transcripts in TRANSCRIPTS_DIR. A worker that
 * cannot start costs captions, never the server: lessons run uncaptioned and the log says why.
 */
export async function startCaptions(config: CaptionsConfig, { sfu, events, store, registry, logger }: CaptionsDeps): Promise<RunningCaptions> {
  const worker = new CaptionWorker({ engines: { engines: config.engines, modelsDir: config.modelsDir }, niceness: config.niceness });
  worker.start().catch((error: Error) => logger.error({ err: error.message }, 'the caption worker did not start; it is retried when a lesson needs it'));
  const transcripts = new TranscriptStore(config.transcriptsDir);
  const service = new CaptionService({ sfu, events, worker, lessons: directoryCaptionCatalog(store), transcripts, metrics: new CaptionMetrics(registry), logger });
  logger.info({ engines: config.engines, modelsDir: config.modelsDir, transcriptsDir: config.transcriptsDir }, 'live captions on');
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
