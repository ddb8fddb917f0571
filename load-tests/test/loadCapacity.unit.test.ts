import { summarizeRun, targetCapacity } from '../src/load/capacity.js';
import { capacityReport, renderCapacityReport } from '../src/load/capacityReport.js';
import { renderRunReport } from '../src/load/report.js';
import type { LoadRunResult } from '../src/load/report.js';
import type { StepResult, TargetRun } from '../src/load/runLoad.js';

const none = { p50: null, p95: null, p99: null };
function step(bots: number, overrides: Partial<StepResult> = {}): StepResult {
  return {
    bots,
    botsJoined: bots,
    expectedStreams: { audio: bots, video: bots },
    receivingStreams: { audio: bots, video: bots },
    windowSeconds: 20,
    packetsPerSecond: bots * 150,
    mbitPerSecond: bots,
    lossPct: 0,
    delayMs: { audio: { p50: 2, p95: 5, p99: 9 }, video: { p50: 4, p95: 12, p99: 20 } },
    workerCpuCores: bots * 0.002,
    perWorkerCpuCores: [bots * 0.002],
    workerUsPerPacket: 13,
    workerCoresPerVideoStream: 0.002,
    controlCpuCores: 0.01,
    otherCpuCores: 0.05,
    botCpuCores: 0.5,
    botEventLoopBusy: 0.4,
    botUsPerPacket: 80,
    machineBusy: 0.5,
    perCoreBusy: [0.5, 0.5],
    udpReceiveBufferDrops: 0,
    workerRssMiB: 40,
    controlRssMiB: 90,
    controlFds: 100,
    joinMs: none,
    firstPacketMs: none,
    failures: 0,
    saturated: false,
    saturatedBy: [],
    botsLimited: false,
    ...overrides,
  };
}
const run = (target: TargetRun['target'], steps: StepResult[]): TargetRun => ({ target, url: 'http://127.0.0.1:1', workers: 1, steps, timeline: [], churned: 0, objectsAfterLeave: { transports: 0 }, failures: [] });

describe('capacity from a run', () => {
  it('takes the largest step that is neither saturated nor limited by the bots', () => {
    const capacity = targetCapacity(
      run('classbridge', [step(10), step(20, { workerCoresPerVideoStream: 0.0025, workerUsPerPacket: 12.5 }), step(30, { botsLimited: true }), step(40, { saturated: true, saturatedBy: ['loss 3 % > 1 %'] })]),
    );
    expect(capacity).toMatchObject({ basisBots: 20, workerUsPerPacket: 12.5, videoStreamsPerWorker: 400, packetsPerSecondPerWorker: 80_000, saturatedAtBots: 40, extrapolated: false });
    expect(capacity.saturatedBy).toEqual(['loss 3 % > 1 %']);
  });

  it('says when every step was limited by the bots (the capacity is then extrapolated)', () => {
    expect(targetCapacity(run('classbridge', [step(10, { botsLimited: true })]))).toMatchObject({ basisBots: 10, extrapolated: true, saturatedAtBots: null });
  });

  it('compares ClassBridge with raw mediasoup step by step (median ratio)', () => {
    const summary = summarizeRun([
      run('raw-mediasoup', [step(10, { workerUsPerPacket: 10 }), step(20, { workerUsPerPacket: 10 }), step(30, { workerUsPerPacket: 10 })]),
      run('classbridge', [step(10, { workerUsPerPacket: 10.2 }), step(20, { workerUsPerPacket: 12 }), step(30, { workerUsPerPacket: 10.4 })]),
    ]);
    expect(summary.overheadRatioPerStep).toEqual([1.02, 1.2, 1.04]);
    expect(summary.overheadRatio).toBe(1.04);
    expect(summarizeRun([run('classbridge', [step(10)])]).overheadRatio).toBeNull();
  });
});

describe('HTML report', () => {
  it('shows the ratio, the capacity, every step and the charts, in Chinese and English, escaping what it prints', () => {
    const runs = [run('raw-mediasoup', [step(10, { workerUsPerPacket: 10 })]), run('classbridge', [step(10, { workerUsPerPacket: 10.3 })])];
    runs[1]!.failures.push({ bot: '<script>', reason: 'join: refused' });
    const result: LoadRunResult = {
      report: 'classbridge-load',
      scenario: 'livestream',
      description: 'One → N',
      params: {},
      expected: { audio: 10, video: 10, bots: 11, publishers: 1 },
      startedAt: '2026-12-03T00:00:00Z',
      finishedAt: '2026-12-03T00:01:00Z',
      machine: { cpus: 2, model: 'test', memoryGiB: 24, node: 'v20', kernel: '6' },
      bots: { stack: 'werift' },
      summary: summarizeRun(runs),
      runs,
    };
    const html = renderRunReport(result);
    expect(html).toContain('1.03×');
    expect(html).toContain('相对原生 mediasoup 的开销 Overhead against raw mediasoup');
    expect(html).toContain('<svg');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html.match(/<tr><td>/g)?.length).toBeGreaterThanOrEqual(6); // capacity 2, steps 2, after-leave 2
  });
});

describe('capacity report', () => {
  const result = (scenario: string, params: Record<string, unknown>, runs: TargetRun[]): LoadRunResult => ({
    report: 'classbridge-load',
    scenario,
    description: scenario,
    params,
    expected: { audio: 1, video: 1, bots: 11, publishers: 1 },
    startedAt: '2026-12-03T00:00:00Z',
    finishedAt: '2026-12-03T00:01:00Z',
    machine: { cpus: 2, model: 'test', memoryGiB: 24, node: 'v20', kernel: '6' },
    bots: {},
    summary: summarizeRun(runs),
    runs,
  });

  it('lists each scenario run with its capacity and ratio, and judges churned runs of 25 minutes or more as soaks', () => {
    const soakRun = run('classbridge', []);
    soakRun.timeline = Array.from({ length: 40 }, (_, i) => ({ atSeconds: i * 45, bots: 13, packetsPerSecond: 3000, workerCpuCores: 0.1, controlRssMiB: 90, workerRssMiB: 40, controlFds: 80, botRssMiB: 300 }));
    soakRun.churned = 180;
    const report = capacityReport(
      [
        { file: 'livestream.json', result: result('livestream', { seconds: 20, churn: 0 }, [run('raw-mediasoup', [step(10, { workerUsPerPacket: 10 })]), run('classbridge', [step(10, { workerUsPerPacket: 10.4 })])]) },
        { file: 'soak.json', result: result('classroom', { seconds: 1800, churn: 6 }, [soakRun]) },
      ],
      new Date('2026-12-03T12:00:00Z'),
    );
    expect(report.scenarios.map((s) => [s.scenario, s.overheadRatio, s.classbridge?.videoStreamsPerWorker])).toEqual([['livestream', 1.04, 500]]);
    expect(report.soak).toHaveLength(1);
    expect(report.soak[0]).toMatchObject({ target: 'classbridge', churned: 180, growing: false, leakedObjects: 0 });
    const html = renderCapacityReport(report);
    expect(html).toContain('<a href="livestream.html">livestream</a>');
    expect(html).toContain('平稳 steady');
  });
});
