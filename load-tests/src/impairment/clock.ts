/** Time and timers, injectable so the scheduler can run on a fake clock in unit tests. */
export interface SchedulerClock {
  /** Milliseconds, monotonic, fractional. */
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** performance.now() and Node's timers. */
export const realSchedulerClock: SchedulerClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
