import type { StepResult, TargetRun } from './runLoad.js';

/** What one target carried, read off its steps. */
export interface TargetCapacity {
  target: TargetRun['target'];
  /** The step the figures come from: the largest neither saturated nor limited by the bots. */
  basisBots: number | null;
  workerUsPerPacket: number | null;
  /** Subscriber video streams (this scenario's mix, audio included in the cost) one worker carries at 100 % of a core. */
  videoStreamsPerWorker: number | null;
  /** Packets a second one worker forwards at 100 % of its core. */
  packetsPerSecondPerWorker: number | null;
  /** Bots at the first saturated step (loss over 1 % or delay p95 over 200 ms); null: not reached. */
  saturatedAtBots: number | null;
  saturatedBy: string[];
  /** Every step was limited by the bots' machine: the server's capacity is extrapolated from its cost per packet. */
  extrapolated: boolean;
}

export interface RunSummary {
  targets: TargetCapacity[];
  /** ClassBridge's worker CPU per forwarded packet over raw mediasoup's, same bots, same steps (median of the steps). */
  overheadRatio: number | null;
  overheadRatioPerStep: number[];
}

export function targetCapacity(run: TargetRun): TargetCapacity {
  const clean = run.steps.filter((step) => !step.saturated && !step.botsLimited && step.workerUsPerPacket !== null);
  const usable = run.steps.filter((step) => !step.saturated && step.workerUsPerPacket !== null);
  const basis: StepResult | undefined = clean.at(-1) ?? usable.at(-1);
  const firstSaturated = run.steps.find((step) => step.saturated && !step.botsLimited) ?? null;
  const coresPerStream = basis?.workerCoresPerVideoStream ?? null;
  return {
    target: run.target,
    basisBots: basis?.bots ?? null,
    workerUsPerPacket: basis?.workerUsPerPacket ?? null,
    videoStreamsPerWorker: coresPerStream ? Math.floor(1 / coresPerStream) : null,
    packetsPerSecondPerWorker: basis?.workerUsPerPacket ? Math.floor(1e6 / basis.workerUsPerPacket) : null,
    saturatedAtBots: firstSaturated?.bots ?? null,
    saturatedBy: firstSaturated?.saturatedBy ?? [],
    extrapolated: clean.length === 0,
  };
}

export function summarizeRun(runs: TargetRun[]): RunSummary {
  const classbridge = runs.find((run) => run.target === 'classbridge');
  const raw = runs.find((run) => run.target === 'raw-mediasoup');
  const perStep: number[] = [];
  if (classbridge && raw) {
    for (let i = 0; i < Math.min(classbridge.steps.length, raw.steps.length); i++) {
      const ours = classbridge.steps[i]!.workerUsPerPacket;
      const theirs = raw.steps[i]!.workerUsPerPacket;
      if (ours && theirs) perStep.push(Math.round((ours / theirs) * 1000) / 1000);
    }
  }
  const sorted = [...perStep].sort((a, b) => a - b);
  return {
    targets: runs.map(targetCapacity),
    overheadRatio: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : null,
    overheadRatioPerStep: perStep,
  };
}
