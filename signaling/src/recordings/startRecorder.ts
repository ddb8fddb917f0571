import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LessonEventBus } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import { LocalDirectoryStorage, Recorder, resolveFfmpeg } from '@classbridge/recorder';
import type { LessonCatalog } from '@classbridge/recorder';
import type { RecordingConfig } from '../config.js';
import type { DirectoryStore } from '../store/DirectoryStore.js';

export interface RecorderDeps {
  sfu: SfuControl;
  events: LessonEventBus;
  store: DirectoryStore;
  registry: Registry;
  logger: Logger;
}

/**
 * The embedded recorder: in this process, recordings in RECORDINGS_DIR. Without
 * a usable ffmpeg the server still runs lessons, unrecorded, and says so loudly.
 */
export async function startRecorder(config: RecordingConfig, { sfu, events, store, registry, logger }: RecorderDeps): Promise<Recorder | undefined> {
  let ffmpeg;
  try {
    ffmpeg = await resolveFfmpeg();
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'recording is OFF: no usable ffmpeg (run npm run setup, or set FFMPEG_PATH)');
    return undefined;
  }
  logger.info({ dir: config.dir, ffmpeg: ffmpeg.ffmpeg, source: ffmpeg.source, retentionDays: config.retentionDays }, 'recorder started');
  return Recorder.start({
    sfu,
    events,
    storage: new LocalDirectoryStorage(config.dir),
    lessons: directoryCatalog(store),
    ffmpeg,
    registry,
    logger,
    windowMs: config.windowMs,
    retentionDays: config.retentionDays,
    output: config.output,
  });
}

/** What the recorder writes into a manifest about a lesson, from the directory. */
export function directoryCatalog(store: DirectoryStore): LessonCatalog {
  return {
    async describe(lessonId) {
      const lesson = await store.getLesson(lessonId);
      if (!lesson) return null;
      const classroom = await store.getClassroom(lesson.mainClassroomId);
      const school = classroom ? await store.getSchool(classroom.schoolId) : undefined;
      const teacher = lesson.teacherId ? (await store.snapshot()).teachers.find((entry) => entry.id === lesson.teacherId) : undefined;
      return {
        record: lesson.recording,
        lesson: {
          title: lesson.title,
          subject: lesson.subject,
          school: school?.name ?? '',
          classroom: classroom?.name ?? '',
          teacher: teacher?.name ?? '',
          scheduledStart: lesson.scheduledStart,
        },
      };
    },
  };
}
