import os from 'node:os';
import { percentile } from '../stats.js';
import { ShardedFleet } from './ShardedFleet.js';
import type { FleetReading } from './ShardedFleet.js';
import { busyShare, machineTimes, udpReceiveBufferErrors } from './procStats.js';
import type { MachineTimes } from './procStats.js';
import { expectedStreams } from './scenarios.js';
import type { ScenarioPlan } from './scenarios.js';
import type { LoadTarget, TargetReading } from './targets.js';

export interface RunOptions {
  plan: ScenarioPlan;
  /** Bot processes (each a werift stack on one core at most). */
  botProcesses: number;
  /** Measured seconds per step (after the ramp and a settling pause). */
  seconds: number;
  /** Joins per second. */
  rampPerSecond: number;
  /** The plan's bots join in this many equal steps, each measured: figures against N. */
  steps: number;
  settleSeconds: number;
  /** Leave-and-rejoin operations per minute while measuring (soak). */
  churnPerMinute: number;
  /** Seconds between timeline samples (memory, descriptors, rates). */
  sampleSeconds: number;
  progress: (line: string, final?: boolean) => void;
}

/** Loss above this, or delay p95 above DELAY_P95_LIMIT_MS, marks a step saturated. */
export const LOSS_LIMIT_PCT = 1;
export const DELAY_P95_LIMIT_MS = 200;

export interface StepResult {
  bots: number;
  botsJoined: number;
  expectedStreams: { audio: number; video: number };
  receivingStreams: { audio: number; video: number };
  windowSeconds: number;
  packetsPerSecond: number;
  mbitPerSecond: number;
  lossPct: number;
  delayMs: { audio: Percentiles; video: Percentiles };
  workerCpuCores: number;
  /** Each worker's share of a core (local servers): how evenly lessons spread. */
  perWorkerCpuCores: number[];
  /** Worker CPU per packet forwarded to a subscriber (µs): the SFU's cost, whatever the mix. */
  workerUsPerPacket: number | null;
  /** Worker CPU per receiving video stream (share of a core). */
  workerCoresPerVideoStream: number | null;
  controlCpuCores: number | null;
  /** The server's other processes (caption and echo-guard worker, ffmpeg): ClassBridge's cost off the SFU. */
  otherCpuCores: number | null;
  botCpuCores: number;
  /** The busiest bot process's event-loop busy share (0..1): near 1, bots fall behind. */
  botEventLoopBusy: number;
  /** Bot CPU per packet sent or received (µs): what a bot machine needs per stream. */
  botUsPerPacket: number | null;
  machineBusy: number;
  perCoreBusy: number[];
  /** UDP packets this machine dropped at full socket receive buffers in the window (bots' or server's): loss that is the machine's, not the network's. */
  udpReceiveBufferDrops: number | null;
  workerRssMiB: number | null;
  controlRssMiB: number | null;
  controlFds: number | null;
  joinMs: Percentiles;
  firstPacketMs: Percentiles;
  failures: number;
  saturated: boolean;
  saturatedBy: string[];
  /** The bots were the bottleneck (a bot process's event loop over 85 % busy, or the machine over 90 %): the server's limit lies further. */
  botsLimited: boolean;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface TimelineSample {
  atSeconds: number;
  bots: number;
  packetsPerSecond: number;
  workerCpuCores: number;
  controlRssMiB: number | null;
  workerRssMiB: number | null;
  controlFds: number | null;
  botRssMiB: number;
}

export interface TargetRun {
  target: LoadTarget['kind'];
  url: string;
  workers: number;
  steps: StepResult[];
  timeline: TimelineSample[];
  churned: number;
  /** mediasoup objects once every bot left (all zero: nothing leaked). */
  objectsAfterLeave: Record<string, number>;
  failures: Array<{ bot: string; reason: string }>;
}

const MiB = 1024 * 1024;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const orNull = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? null : round(n, digits));

/** Runs the plan's bots against one target, step by step, and measures each step. */
export async function runAgainst(target: LoadTarget, options: RunOptions): Promise<TargetRun> {
  const { plan } = options;
  const timeline: TimelineSample[] = [];
  const steps: StepResult[] = [];
  const startedAt = performance.now();
  let churned = 0;
  const label = target.kind === 'classbridge' ? 'ClassBridge' : 'raw mediasoup';
  await target.prepare(plan);
  const fleet = await ShardedFleet.start(plan, target, options.botProcesses);
  let failures: FleetReading['failures'] = [];
  try {
    const order = fleet.order;
    let joinedUpTo = 0;
    for (let step = 1; step <= options.steps; step++) {
      const upTo = Math.ceil((order.length * step) / options.steps);
      const joining = order.slice(joinedUpTo, upTo);
      joinedUpTo = upTo;
      const stepPlan = { ...plan, lessons: plan.lessons.map((lesson) => ({ ...lesson, bots: lesson.bots.filter((bot) => order.indexOf(bot) < upTo) })) };
      let joined = 0;
      await fleet.join(joining, options.rampPerSecond, () => {
        joined++;
        options.progress(`${label}: step ${step}/${options.steps}, joined ${joined}/${joining.length} (${fleet.joinedCount}/${order.length} bots in)`);
      });
      await sleep(options.settleSeconds * 1000);
      const measured = await measureStep(target, fleet, options, stepPlan, upTo, (sample) => {
        timeline.push({ ...sample, atSeconds: round((performance.now() - startedAt) / 1000) });
        options.progress(`${label}: step ${step}/${options.steps}, ${sample.bots} bots, ${Math.round(sample.packetsPerSecond)} packets/s received, SFU ${round(sample.workerCpuCores * 100)} % of a core`);
      }, async () => {
        const id = fleet.churnCandidate();
        if (id) {
          await fleet.rejoin(id);
          churned++;
        }
      });
      steps.push(measured);
    }
  } finally {
    options.progress(`${label}: everyone leaves`);
    failures = (await fleet.read()).failures;
    await fleet.leaveAll();
    fleet.close();
  }
  // What the server still holds once everyone left: it should let go within a few seconds.
  let objectsAfterLeave: Record<string, number> = {};
  for (let attempt = 0; attempt < 20; attempt++) {
    objectsAfterLeave = (await target.read()).objects;
    if (['transports', 'producers', 'consumers'].every((type) => !objectsAfterLeave[type])) break;
    await sleep(500);
  }
  return { target: target.kind, url: target.url, workers: target.workers, steps, timeline, churned, objectsAfterLeave, failures };
}

async function measureStep(
  target: LoadTarget,
  fleet: ShardedFleet,
  options: RunOptions,
  stepPlan: ScenarioPlan,
  bots: number,
  onSample: (sample: Omit<TimelineSample, 'atSeconds'>) => void,
  churnOne: () => Promise<void>,
): Promise<StepResult> {
  const begin = await reading(target, fleet);
  let last = begin;
  const endAt = performance.now() + options.seconds * 1000;
  let nextChurn = options.churnPerMinute > 0 ? performance.now() + 60_000 / options.churnPerMinute : Infinity;
  while (performance.now() < endAt) {
    await sleep(Math.min(options.sampleSeconds * 1000, Math.max(0, endAt - performance.now()), Math.max(0, nextChurn - performance.now())));
    if (performance.now() >= nextChurn) {
      await churnOne();
      nextChurn += 60_000 / options.churnPerMinute;
    }
    const now = await reading(target, fleet);
    const seconds = (now.at - last.at) / 1000;
    if (seconds >= options.sampleSeconds * 0.5 || performance.now() >= endAt) {
      onSample({
        bots: now.fleet.botsIn,
        packetsPerSecond: (now.fleet.totals.packets - last.fleet.totals.packets) / seconds,
        workerCpuCores: (now.target.workerCpuSeconds - last.target.workerCpuSeconds) / seconds,
        controlRssMiB: orNull(now.target.controlRssBytes === null ? null : now.target.controlRssBytes / MiB),
        workerRssMiB: orNull(now.target.workerRssBytes === null ? null : now.target.workerRssBytes / MiB),
        controlFds: now.target.controlFds,
        botRssMiB: round(now.fleet.rssBytes / MiB),
      });
      last = now;
    }
  }
  const end = await reading(target, fleet);
  const seconds = (end.at - begin.at) / 1000;
  const packets = end.fleet.totals.packets - begin.fleet.totals.packets;
  const expected = end.fleet.totals.expected - begin.fleet.totals.expected;
  const lost = Math.max(0, end.fleet.totals.lost - begin.fleet.totals.lost);
  const packetsSent = end.fleet.packetsSent - begin.fleet.packetsSent;
  const workerCpuCores = (end.target.workerCpuSeconds - begin.target.workerCpuSeconds) / seconds;
  const controlCpuCores = end.target.controlCpuSeconds !== null && begin.target.controlCpuSeconds !== null ? (end.target.controlCpuSeconds - begin.target.controlCpuSeconds) / seconds : null;
  const botCpuCores = (end.fleet.cpuMicros - begin.fleet.cpuMicros) / 1e6 / seconds;
  const botEventLoopBusy = Math.max(
    0,
    ...end.fleet.eventLoops.map((loop, i) => {
      const before = begin.fleet.eventLoops[i] ?? { idle: 0, active: 0 };
      const active = loop.active - before.active;
      const total = active + loop.idle - before.idle;
      return total > 0 ? active / total : 0;
    }),
  );
  const busy = busyShare(begin.machine, end.machine);
  const audioDelays = end.fleet.delays.audio.since(begin.fleet.delays.audio);
  const videoDelays = end.fleet.delays.video.since(begin.fleet.delays.video);
  const allDelays = audioDelays.snapshot();
  allDelays.merge(videoDelays);
  const lossPct = expected > 0 ? (lost / expected) * 100 : 0;
  const p95 = allDelays.percentile(95);
  const saturatedBy = [
    ...(lossPct > LOSS_LIMIT_PCT ? [`loss ${round(lossPct, 2)} % > ${LOSS_LIMIT_PCT} %`] : []),
    ...(p95 !== null && p95 > DELAY_P95_LIMIT_MS ? [`delay p95 ${round(p95)} ms > ${DELAY_P95_LIMIT_MS} ms`] : []),
  ];
  const wanted = expectedStreams(stepPlan);
  const { joinMs, firstPacketMs } = end.fleet;
  return {
    bots,
    botsJoined: end.fleet.botsIn,
    expectedStreams: { audio: wanted.audio, video: wanted.video },
    receivingStreams: { audio: end.fleet.totals.audioStreams, video: end.fleet.totals.videoStreams },
    windowSeconds: round(seconds, 2),
    packetsPerSecond: round(packets / seconds),
    mbitPerSecond: round(((end.fleet.totals.bytes - begin.fleet.totals.bytes) * 8) / seconds / 1e6, 2),
    lossPct: round(lossPct, 3),
    delayMs: { audio: percentiles(audioDelays), video: percentiles(videoDelays) },
    workerCpuCores: round(workerCpuCores, 3),
    perWorkerCpuCores:
      end.target.perWorkerCpuSeconds.length === begin.target.perWorkerCpuSeconds.length
        ? end.target.perWorkerCpuSeconds.map((cpu, i) => round((cpu - begin.target.perWorkerCpuSeconds[i]!) / seconds, 3))
        : [],
    workerUsPerPacket: packets > 0 ? round((workerCpuCores * seconds * 1e6) / packets, 2) : null,
    workerCoresPerVideoStream: end.fleet.totals.videoStreams > 0 ? round(workerCpuCores / end.fleet.totals.videoStreams, 5) : null,
    controlCpuCores: orNull(controlCpuCores, 3),
    otherCpuCores:
      end.target.otherCpuSeconds !== null && begin.target.otherCpuSeconds !== null ? round(Math.max(0, end.target.otherCpuSeconds - begin.target.otherCpuSeconds) / seconds, 3) : null,
    botCpuCores: round(botCpuCores, 3),
    botEventLoopBusy: round(botEventLoopBusy, 3),
    botUsPerPacket: packets + packetsSent > 0 ? round((botCpuCores * seconds * 1e6) / (packets + packetsSent), 1) : null,
    machineBusy: round(busy.machine, 3),
    perCoreBusy: busy.perCore.map((share) => round(share, 3)),
    udpReceiveBufferDrops: end.udpDrops !== null && begin.udpDrops !== null ? end.udpDrops - begin.udpDrops : null,
    workerRssMiB: orNull(end.target.workerRssBytes === null ? null : end.target.workerRssBytes / MiB),
    controlRssMiB: orNull(end.target.controlRssBytes === null ? null : end.target.controlRssBytes / MiB),
    controlFds: end.target.controlFds,
    joinMs: listPercentiles(joinMs),
    firstPacketMs: listPercentiles(firstPacketMs),
    failures: end.fleet.failures.length,
    saturated: saturatedBy.length > 0,
    saturatedBy,
    botsLimited: botEventLoopBusy > 0.85 || busy.machine > 0.9,
  };
}

interface Reading {
  at: number;
  target: TargetReading;
  fleet: FleetReading;
  machine: MachineTimes;
  udpDrops: number | null;
}

async function reading(target: LoadTarget, fleet: ShardedFleet): Promise<Reading> {
  const [targetReading, machine, fleetReading, udpDrops] = await Promise.all([target.read(), machineTimes(), fleet.read(), udpReceiveBufferErrors()]);
  return { at: performance.now(), target: targetReading, fleet: fleetReading, machine, udpDrops };
}

function percentiles(histogram: FleetReading['delays']['audio']): Percentiles {
  return { p50: orNull(histogram.percentile(50)), p95: orNull(histogram.percentile(95)), p99: orNull(histogram.percentile(99)) };
}

function listPercentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: null, p95: null, p99: null };
  return { p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), p99: round(percentile(values, 99)) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const machineDescription = () => ({ cpus: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown', memoryGiB: round(os.totalmem() / 1024 ** 3), node: process.version, kernel: os.release() });

