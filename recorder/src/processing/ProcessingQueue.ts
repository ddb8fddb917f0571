/**
 * Runs composition jobs one at a time for the whole process: ffmpeg gets one
 * core's worth of work and live media keeps the rest. Urgent jobs (the last
 * windows of a lesson that just ended, whose replay people are waiting for) go
 * before the routine windows of lessons still running.
 */
export class ProcessingQueue {
  readonly #urgent: Array<() => Promise<void>> = [];
  readonly #routine: Array<() => Promise<void>> = [];
  #running = false;
  #closed = false;
  #idle: Array<() => void> = [];

  /** Jobs waiting (not counting the one running). */
  get length(): number {
    return this.#urgent.length + this.#routine.length;
  }

  get busy(): boolean {
    return this.#running;
  }

  /** Queues a job; the promise settles with the job. */
  run<T>(job: () => Promise<T>, { urgent = false }: { urgent?: boolean } = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the processing queue is closed'));
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.#urgent : this.#routine).push(() => job().then(resolve, reject));
      this.#drain();
    });
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (!this.#running && this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Queued jobs that have not started are dropped; the running one finishes. */
  close(): void {
    this.#closed = true;
    this.#urgent.length = 0;
    this.#routine.length = 0;
  }

  #drain(): void {
    if (this.#running) return;
    const job = this.#urgent.shift() ?? this.#routine.shift();
    if (!job) {
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#running = true;
    void job().finally(() => {
      this.#running = false;
      this.#drain();
    });
  }
}
