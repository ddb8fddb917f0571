import type { TargetRun, TimelineSample } from './runLoad.js';

/** Whether a long run with churn held steady: memory and descriptors flat, nothing left behind. */
export interface SoakVerdict {
  minutes: number;
  churned: number;
  controlRssMiB: { first: number | null; last: number | null; slopePerHour: number | null };
  workerRssMiB: { first: number | null; last: number | null; slopePerHour: number | null };
  controlFds: { first: number | null; last: number | null; max: number | null };
  objectsAfterLeave: Record<string, number>;
  failures: number;
  /** mediasoup objects left after everyone left (transports, producers, consumers). */
  leakedObjects: number;
  /** Memory grew by more than `MAX_GROWTH_MIB_PER_HOUR` in the second half, or descriptors ended over 10 % above their start. */
  growing: boolean;
}

export const MAX_GROWTH_MIB_PER_HOUR = 20;

/** Least-squares slope of y over time (per hour); null with fewer than 3 points. */
export function slopePerHour(points: Array<[seconds: number, value: number]>): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3600;
}

export function soakVerdict(run: TargetRun): SoakVerdict {
  const samples = run.timeline;
  // The first half warms caches and pools up; growth that matters is what goes on after.
  const secondHalf = samples.slice(Math.floor(samples.length / 2));
  const series = (pick: (sample: TimelineSample) => number | null, from: TimelineSample[]) =>
    from.flatMap((sample) => {
      const value = pick(sample);
      return value === null ? [] : [[sample.atSeconds, value] as [number, number]];
    });
  const control = series((s) => s.controlRssMiB, samples);
  const worker = series((s) => s.workerRssMiB, samples);
  const fds = series((s) => s.controlFds, samples);
  const controlSlope = slopePerHour(series((s) => s.controlRssMiB, secondHalf));
  const workerSlope = slopePerHour(series((s) => s.workerRssMiB, secondHalf));
  const leakedObjects = ['transports', 'producers', 'consumers'].reduce((sum, type) => sum + (run.objectsAfterLeave[type] ?? 0), 0);
  const fdFirst = fds[0]?.[1] ?? null;
  const fdLast = fds.at(-1)?.[1] ?? null;
  const round = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
  return {
    minutes: round(samples.length ? (samples.at(-1)!.atSeconds - samples[0]!.atSeconds) / 60 : 0)!,
    churned: run.churned,
    controlRssMiB: { first: control[0]?.[1] ?? null, last: control.at(-1)?.[1] ?? null, slopePerHour: round(controlSlope) },
    workerRssMiB: { first: worker[0]?.[1] ?? null, last: worker.at(-1)?.[1] ?? null, slopePerHour: round(workerSlope) },
    controlFds: { first: fdFirst, last: fdLast, max: fds.length ? Math.max(...fds.map(([, v]) => v)) : null },
    objectsAfterLeave: run.objectsAfterLeave,
    failures: run.failures.length,
    leakedObjects,
    growing:
      (controlSlope ?? 0) > MAX_GROWTH_MIB_PER_HOUR ||
      (workerSlope ?? 0) > MAX_GROWTH_MIB_PER_HOUR ||
      (fdFirst !== null && fdLast !== null && fdLast > fdFirst * 1.1 + 5),
  };
}
