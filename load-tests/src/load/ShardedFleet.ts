import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DelayHistogram } from './DelayHistogram.js';
import type { FleetTotals, JoinOutcome } from './BotFleet.js';
import type { BotPlan, ScenarioPlan } from './scenarios.js';
import type { ShardAnswer, ShardCommand, ShardReading, ShardResponse } from './shardProtocol.js';
import type { LoadTarget } from './targets.js';

const shardMainPath = fileURLToPath(new URL('./botShardMain.js', import.meta.url));
const REQUEST_TIMEOUT_MS = 60_000;

/** All bot processes' figures at one moment. */
export interface FleetReading {
  totals: FleetTotals;
  delays: { audio: DelayHistogram; video: DelayHistogram };
  joinMs: number[];
  firstPacketMs: number[];
  failures: Array<{ bot: string; reason: string }>;
  cpuMicros: number;
  /** Per process: event-loop busy and idle time since it started (ms). */
  eventLoops: Array<{ idle: number; active: number }>;
  rssBytes: number;
  packetsSent: number;
  botsIn: number;
}

class Shard {
  readonly #pending = new Map<number, (answer: ShardAnswer) => void>();
  #next = 0;
  #exited = false;

  constructor(readonly child: ChildProcess) {
    child.on('message', (response: ShardResponse) => {
      this.#pending.get(response.id)?.(response.answer);
      this.#pending.delete(response.id);
    });
    child.on('exit', (code, signal) => {
      this.#exited = true;
      for (const resolve of this.#pending.values()) resolve({ kind: 'error', message: `bot process exited (${code ?? signal})` });
      this.#pending.clear();
    });
  }

  ask(command: ShardCommand): Promise<ShardAnswer> {
    if (this.#exited) return Promise.resolve({ kind: 'error', message: 'bot process gone' });
    const id = this.#next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ kind: 'error', message: `bot process did not answer ${command.kind} within ${REQUEST_TIMEOUT_MS} ms` });
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.child.send({ id, command });
    });
  }

  kill(): void {
    if (!this.#exited) this.child.kill('SIGKILL');
  }
}

/**
 * The bots of a run spread over several processes (a werift bot costs tens of µs of
 * JavaScript per packet: one process saturates long before a server does). The
 * parent mints tokens, paces joins, routes floor grants to the teacher's process and
 * sums what the processes count.
 */
export class ShardedFleet {
  readonly #shards: Shard[];
  readonly #shardOf = new Map<string, Shard>();
  readonly #joined = new Set<string>();
  readonly #granted = new Set<string>();
  readonly #failures: Array<{ bot: string; reason: string }> = [];
  #closed = false;

  static async start(plan: ScenarioPlan, target: LoadTarget, processes: number): Promise<ShardedFleet> {
    const shards = Array.from({ length: processes }, () => new Shard(fork(shardMainPath, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })));
    const fleet = new ShardedFleet(plan, target, shards);
    const answers = await Promise.all(shards.map((shard) => shard.ask({ kind: 'start', plan, url: target.url })));
    const failed = answers.find((answer) => answer.kind === 'error');
    if (failed?.kind === 'error') {
      fleet.close();
      throw new Error(`a bot process did not start: ${failed.message}`);
    }
    return fleet;
  }

  private constructor(
    readonly plan: ScenarioPlan,
    readonly target: LoadTarget,
    shards: Shard[],
  ) {
    this.#shards = shards;
    this.order.forEach((bot, i) => this.#shardOf.set(bot.id, shards[i % shards.length]!));
  }

  /** Every bot of the plan in join order: per lesson its teacher first. */
  get order(): BotPlan[] {
    return this.plan.lessons.flatMap((lesson) => lesson.bots);
  }

  get joinedCount(): number {
    return this.#joined.size;
  }

  /** Joins `plans` at most `perSecond` a second (up to 32 in flight); `onJoined` after each that got in. */
  async join(plans: BotPlan[], perSecond: number, onJoined: (outcome: JoinOutcome) => void): Promise<void> {
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < plans.length && !this.#closed; i++) {
      const wait = started + (i * 1000) / perSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const joining = this.#joinOne(plans[i]!).then((outcome) => {
        if (outcome.ok) onJoined(outcome);
      });
      inFlight.add(joining);
      void joining.finally(() => inFlight.delete(joining));
      if (inFlight.size >= 32) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await this.grantFloors();
  }

  /** The teachers give the floor to those of their lesson who should hold it and are in. */
  async grantFloors(): Promise<void> {
    for (const lesson of this.plan.lessons) {
      const teacher = lesson.bots.find((bot) => bot.role === 'teacher');
      if (!teacher || !this.#joined.has(teacher.id)) continue;
      for (const bot of lesson.bots) {
        if (!bot.holdsFloor || this.#granted.has(bot.id) || !this.#joined.has(bot.id)) continue;
        const answer = await this.#shardOf.get(teacher.id)!.ask({ kind: 'grantFloor', teacherId: teacher.id, participantId: bot.id });
        if (answer.kind === 'error') this.#failures.push({ bot: teacher.id, reason: `grantFloor ${bot.id}: ${answer.message}` });
        else this.#granted.add(bot.id);
      }
    }
  }

  /** Leaves and joins again (churn): a new session, a new token, the same participant. */
  async rejoin(botId: string): Promise<void> {
    const plan = this.order.find((bot) => bot.id === botId);
    if (!plan) return;
    await this.#shardOf.get(botId)!.ask({ kind: 'leave', botId });
    this.#joined.delete(botId);
    this.#granted.delete(botId);
    await this.#joinOne(plan);
    await this.grantFloors();
  }

  /** A bot that may churn (not a teacher: their leaving ends nothing but disturbs every lesson figure). */
  churnCandidate(): string | null {
    const candidates = [...this.#joined].filter((id) => this.order.find((bot) => bot.id === id)?.role !== 'teacher');
    return candidates[Math.floor(Math.random() * candidates.length)] ?? null;
  }

  async leaveAll(): Promise<void> {
    await Promise.all(this.#shards.map((shard) => shard.ask({ kind: 'leaveAll' })));
    this.#joined.clear();
  }

  async read(): Promise<FleetReading> {
    const answers = await Promise.all(this.#shards.map((shard) => shard.ask({ kind: 'read' })));
    const readings = answers.flatMap((answer) => (answer.kind === 'reading' ? [answer.reading] : []));
    const sum = (pick: (reading: ShardReading) => number) => readings.reduce((total, reading) => total + pick(reading), 0);
    const audio = new DelayHistogram();
    const video = new DelayHistogram();
    for (const reading of readings) {
      audio.merge(reading.audioDelays);
      video.merge(reading.videoDelays);
    }
    return {
      totals: {
        packets: sum((r) => r.totals.packets),
        bytes: sum((r) => r.totals.bytes),
        lost: sum((r) => r.totals.lost),
        expected: sum((r) => r.totals.expected),
        audioStreams: sum((r) => r.totals.audioStreams),
        videoStreams: sum((r) => r.totals.videoStreams),
      },
      delays: { audio, video },
      joinMs: readings.flatMap((r) => r.joinMs),
      firstPacketMs: readings.flatMap((r) => r.firstPacketMs),
      failures: [...this.#failures, ...readings.flatMap((r) => r.failures), ...answers.flatMap((a) => (a.kind === 'error' ? [{ bot: 'bot process', reason: a.message }] : []))],
      cpuMicros: sum((r) => r.cpuMicros),
      eventLoops: readings.map((r) => r.eventLoop),
      rssBytes: sum((r) => r.rssBytes),
      packetsSent: sum((r) => r.packetsSent),
      botsIn: this.#joined.size,
    };
  }

  close(): void {
    this.#closed = true;
    for (const shard of this.#shards) shard.kill();
  }

  async #joinOne(plan: BotPlan): Promise<JoinOutcome> {
    let token: string;
    try {
      token = await this.target.tokenFor(plan);
    } catch (error) {
      const reason = `token: ${(error as Error).message}`;
      this.#failures.push({ bot: plan.id, reason });
      return { id: plan.id, ok: false, joinMs: null, error: reason };
    }
    const answer = await this.#shardOf.get(plan.id)!.ask({ kind: 'join', botId: plan.id, token });
    if (answer.kind !== 'joined') {
      const reason = answer.kind === 'error' ? answer.message : `unexpected ${answer.kind}`;
      this.#failures.push({ bot: plan.id, reason });
      return { id: plan.id, ok: false, joinMs: null, error: reason };
    }
    if (answer.outcome.ok) this.#joined.add(plan.id);
    return answer.outcome;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
