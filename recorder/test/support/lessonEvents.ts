import type { LessonEvent, LessonEventBus, LessonEventInput } from '@classbridge/protocol';

/** An in-memory lesson event stream for recorder tests (signaling's LocalLessonEventBus behaves the same way). */
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

export const testLesson = {
  title: '四年级科学 Grade 4 Science',
  subject: '科学 Science',
  school: '清河县实验小学',
  classroom: '四年级(1)班',
  teacher: '王丽',
  scheduledStart: '2026-11-23T08:00:00.000Z',
};
