import { slopePerHour, soakVerdict } from '../src/load/soak.js';
import type { TargetRun, TimelineSample } from '../src/load/runLoad.js';

const sample = (atSeconds: number, controlRssMiB: number, controlFds = 120): TimelineSample => ({ atSeconds, bots: 30, packetsPerSecond: 5000, workerCpuCores: 0.2, controlRssMiB, workerRssMiB: 50, controlFds, botRssMiB: 300 });
const run = (timeline: TimelineSample[], objectsAfterLeave: Record<string, number> = { transports: 0, producers: 0, consumers: 0 }): TargetRun => ({
  target: 'classbridge',
  url: 'http://127.0.0.1:1',
  workers: 1,
  steps: [],
  timeline,
  churned: 60,
  objectsAfterLeave,
  failures: [],
});

describe('soak verdict', () => {
  it('fits a slope per hour', () => {
    expect(slopePerHour([[0, 100], [1800, 110], [3600, 120]])).toBeCloseTo(20);
    expect(slopePerHour([[0, 1], [1, 2]])).toBeNull();
  });

  it('is steady when memory levels off after warm-up and descriptors stay put', () => {
    // Growth in the first half (pools filling), flat after.
    const timeline = Array.from({ length: 60 }, (_, i) => sample(i * 30, i < 20 ? 80 + i : 100 + (i % 2) * 0.5));
    const verdict = soakVerdict(run(timeline));
    expect(verdict).toMatchObject({ minutes: 29.5, churned: 60, growing: false, leakedObjects: 0 });
    expect(verdict.controlRssMiB.first).toBe(80);
  });

  it('is not steady when memory keeps growing, descriptors climb, or objects are left behind', () => {
    const growing = Array.from({ length: 60 }, (_, i) => sample(i * 30, 80 + i)); // 2 MiB/min = 120 MiB/h
    expect(soakVerdict(run(growing)).growing).toBe(true);
    const fds = Array.from({ length: 60 }, (_, i) => sample(i * 30, 100, 100 + i));
    expect(soakVerdict(run(fds)).growing).toBe(true);
    const flat = Array.from({ length: 60 }, (_, i) => sample(i * 30, 100));
    expect(soakVerdict(run(flat, { transports: 2, producers: 0, consumers: 5 })).leakedObjects).toBe(7);
  });
});
