import fsp from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Caption } from '@classbridge/protocol';
import { formatSrt, formatWebVtt, toCues } from './transcriptFormats.js';

const LESSON_ID = /^[A-Za-z0-9_-]{1,64}$/;

const captionSchema = z.object({
  captionId: z.string(),
  participantId: z.string(),
  speaker: z.string(),
  language: z.enum(['zh', 'en']),
  text: z.string(),
  final: z.boolean(),
  startMs: z.number(),
  endMs: z.number(),
});

export const transcriptSchema = z.object({
  version: z.literal(1),
  lessonId: z.string(),
  language: z.enum(['zh', 'en']),
  /** The timeline's zero for the stored WebVTT and SRT (when captioning of the lesson started). */
  startedAt: z.string(),
  updatedAt: z.string(),
  /** false while the lesson runs (or after a crash mid-lesson). */
  complete: z.boolean(),
  /** Final captions only, in the order their speech started. */
  captions: z.array(captionSchema),
});
export type Transcript = z.infer<typeof transcriptSchema>;

/** A place in a lesson where the searched text was said. */
export interface TranscriptHit {
  lessonId: string;
  captionId: string;
  speaker: string;
  text: string;
  /** Seconds from the transcript's start. */
  atSeconds: number;
  startMs: number;
}

/** Case- and width-insensitive text for search (full-width Latin and digits fold to ASCII). */
const normalize = (text: string) => text.normalize('NFKC').toLowerCase();

/**
 * Lesson transcripts as files under one directory: `<lessonId>.json` (the source of truth) with
 * `<lessonId>.vtt` and `<lessonId>.srt` rendered from it on every save. Writes are atomic (temp
 * file + rename), so a crash leaves the previous version, never half a file.
 */
export class TranscriptStore {
  readonly root: string;
  /** Saves run one at a time per lesson, in order. */
  readonly #saving = new Map<string, Promise<void>>();

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  static isLessonId(lessonId: string): boolean {
    return LESSON_ID.test(lessonId);
  }

  /** Writes a lesson's transcript (JSON, WebVTT, SRT). */
  save(transcript: Transcript): Promise<void> {
    const lessonId = this.#checkedId(transcript.lessonId);
    const previous = this.#saving.get(lessonId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#write(transcript));
    this.#saving.set(lessonId, next);
    void next.finally(() => {
      if (this.#saving.get(lessonId) === next) this.#saving.delete(lessonId);
    }).catch(() => {});
    return next;
  }

  /** A lesson's transcript, or null (none, or an unreadable file). */
  async get(lessonId: string): Promise<Transcript | null> {
    if (!TranscriptStore.isLessonId(lessonId)) return null;
    await this.#saving.get(lessonId)?.catch(() => {});
    try {
      return transcriptSchema.parse(JSON.parse(await fsp.readFile(this.#file(lessonId, 'json'), 'utf8')));
    } catch {
      return null;
    }
  }

  /** The stored WebVTT or SRT text of a lesson, or null. */
  async rendered(lessonId: string, format: 'vtt' | 'srt'): Promise<string | null> {
    if (!TranscriptStore.isLessonId(lessonId)) return null;
    await this.#saving.get(lessonId)?.catch(() => {});
    return fsp.readFile(this.#file(lessonId, format), 'utf8').catch(() => null);
  }

  /** WebVTT of a lesson on another timeline (a recording's, whose zero is `originMs`), or null. */
  async webVttFrom(lessonId: string, originMs: number): Promise<string | null> {
    const transcript = await this.get(lessonId);
    return transcript && transcript.captions.length > 0 ? formatWebVtt(toCues(transcript.captions, originMs)) : null;
  }

  /** Lesson ids that have a transcript. */
  async list(): Promise<string[]> {
    const names = await fsp.readdir(this.root).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -5)).filter((id) => TranscriptStore.isLessonId(id)).sort();
  }

  /**
   * Where `query` was said: substring match, case- and width-insensitive (Mandarin has no spaces
   * between words, so a word is a substring). Limited to `lessonIds` when given; at most `limit` hits.
   */
  async search(query: string, options: { lessonIds?: readonly string[]; limit?: number } = {}): Promise<TranscriptHit[]> {
    const needle = normalize(query.trim());
    if (!needle) return [];
    const limit = options.limit ?? 100;
    const hits: TranscriptHit[] = [];
    for (const lessonId of options.lessonIds ?? (await this.list())) {
      const transcript = await this.get(lessonId);
      if (!transcript) continue;
      const originMs = Date.parse(transcript.startedAt);
      for (const caption of transcript.captions) {
        if (!normalize(caption.text).includes(needle)) continue;
        hits.push({
          lessonId,
          captionId: caption.captionId,
          speaker: caption.speaker,
          text: caption.text,
          atSeconds: Math.max(0, Math.round((caption.startMs - originMs) / 100) / 10),
          startMs: caption.startMs,
        });
        if (hits.length >= limit) return hits;
      }
    }
    return hits;
  }

  async delete(lessonId: string): Promise<void> {
    this.#checkedId(lessonId);
    await Promise.all((['json', 'vtt', 'srt'] as const).map((ext) => fsp.rm(this.#file(lessonId, ext), { force: true })));
  }

  async #write(transcript: Transcript): Promise<void> {
    await fsp.mkdir(this.root, { recursive: true });
    const cues = toCues(transcript.captions, Date.parse(transcript.startedAt));
    // The JSON last: a reader that finds it finds the renderings of the same version or a newer one.
    await this.#writeAtomic(this.#file(transcript.lessonId, 'vtt'), formatWebVtt(cues));
    await this.#writeAtomic(this.#file(transcript.lessonId, 'srt'), formatSrt(cues));
    await this.#writeAtomic(this.#file(transcript.lessonId, 'json'), `${JSON.stringify(transcript, null, 1)}\n`);
  }

  async #writeAtomic(target: string, text: string): Promise<void> {
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await fsp.writeFile(temporary, text);
      await fsp.rename(temporary, target);
    } catch (error) {
      await fsp.rm(temporary, { force: true });
      throw error;
    }
  }

  #file(lessonId: string, ext: 'json' | 'vtt' | 'srt'): string {
    return path.join(this.root, `${lessonId}.${ext}`);
  }

  #checkedId(lessonId: string): string {
    if (!TranscriptStore.isLessonId(lessonId)) throw new Error(`not a lesson id: ${JSON.stringify(lessonId).slice(0, 80)}`);
    return lessonId;
  }
}

/** Orders captions by when their speech started (finals of different speakers arrive out of order). */
export function byStart(a: Caption, b: Caption): number {
  return a.startMs - b.startMs || a.captionId.localeCompare(b.captionId);
}
