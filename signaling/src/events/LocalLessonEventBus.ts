import type { Logger } from 'pino';
import type { LessonEvent, LessonEventBus, LessonEventInput } from '@classbridge/protocol';

/** The embedded default: subscribers in this process, called synchronously in publish order. */
export class LocalLessonEventBus implements LessonEventBus {
  readonly #listeners = new Set<(event: LessonEvent) => void>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  publish(input: LessonEventInput): void {
    const event = { ...input, at: new Date().toISOString() } as LessonEvent;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A subscriber's bug must not break the lesson that published.
        this.#logger.error({ type: event.type, lessonId: event.lessonId, err: error instanceof Error ? error.stack : String(error) }, 'lesson event subscriber failed');
      }
    }
  }

  subscribe(listener: (event: LessonEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
