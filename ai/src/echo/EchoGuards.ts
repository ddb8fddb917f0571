import { EchoDetector } from './EchoDetector.js';
import type { EchoDetectorOptions } from './echoConfig.js';
import type { EchoVerdict } from './EchoVerdict.js';

/** What a tapped microphone is to the echo guard: what classrooms are sent, or a classroom's pick-up. */
export type EchoRole = 'reference' | 'microphone';

interface LessonGuards {
  references: Set<string>;
  microphones: Map<string, EchoDetector>;
}

/**
 * The echo guards of the streams a process decodes, grouped by lesson: the teacher's audio (the
 * reference: what every remote classroom is sent) goes to the detector of each classroom
 * microphone of the same lesson; a classroom's audio goes to its own detector. Routing only: the
 * detectors judge (EchoDetector). Audio is 16 kHz mono s16le with capture times on one clock.
 */
export class EchoGuards {
  readonly #lessons = new Map<string, LessonGuards>();
  readonly #streams = new Map<string, { lessonId: string; role: EchoRole }>();
  readonly #options: EchoDetectorOptions;

  constructor(options: Omit<EchoDetectorOptions, 'onStateChange'> = {}) {
    this.#options = options;
  }

  /** Starts routing a stream; a microphone gets a detector whose changes of state go to `onVerdict`. */
  add(streamId: string, lessonId: string, role: EchoRole, onVerdict: (verdict: EchoVerdict) => void): void {
    this.remove(streamId);
    let lesson = this.#lessons.get(lessonId);
    if (!lesson) {
      lesson = { references: new Set(), microphones: new Map() };
      this.#lessons.set(lessonId, lesson);
    }
    this.#streams.set(streamId, { lessonId, role });
    if (role === 'reference') lesson.references.add(streamId);
    else lesson.microphones.set(streamId, new EchoDetector({ ...this.#options, onStateChange: onVerdict }));
  }

  remove(streamId: string): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    this.#streams.delete(streamId);
    const lesson = this.#lessons.get(stream.lessonId)!;
    lesson.references.delete(streamId);
    lesson.microphones.delete(streamId);
    if (lesson.references.size === 0 && lesson.microphones.size === 0) this.#lessons.delete(stream.lessonId);
  }

  /** Decoded audio of a stream (16 kHz mono s16le) captured from `startMs`. */
  audio(streamId: string, pcm: Buffer, startMs: number): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    const lesson = this.#lessons.get(stream.lessonId)!;
    if (stream.role === 'reference' && lesson.microphones.size === 0) return;
    const samples = toFloat(pcm);
    if (stream.role === 'reference') for (const detector of lesson.microphones.values()) detector.pushReference(samples, startMs);
    else lesson.microphones.get(streamId)?.pushMicrophone(samples, startMs);
  }

  /** The current verdict of a microphone stream (null for a reference or an unknown stream). */
  verdict(streamId: string): EchoVerdict | null {
    const stream = this.#streams.get(streamId);
    return stream ? (this.#lessons.get(stream.lessonId)?.microphones.get(streamId)?.verdict() ?? null) : null;
  }
}

function toFloat(pcm: Buffer): Float32Array {
  const samples = new Float32Array(pcm.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
  return samples;
}
