import { performance } from 'node:perf_hooks';

/**
 * The clock arrival times and the recording origin are measured on: epoch
 * milliseconds with sub-millisecond resolution, monotonic within the process
 * (wall-clock steps from NTP do not move recorded media).
 */
export function captureClock(): number {
  return performance.timeOrigin + performance.now();
}
