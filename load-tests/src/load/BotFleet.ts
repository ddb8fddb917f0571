import { Bot } from './Bot.js';
import type { BotDevices } from './botDevice.js';
import { DelayHistogram } from './DelayHistogram.js';
import type { MediaPump } from './MediaPump.js';
import type { LoadMedia } from './media/loadMedia.js';
import { subscription } from './scenarios.js';
import type { BotPlan, ScenarioPlan } from './scenarios.js';

/** Totals of every stream a fleet's bots received so far (bots that left included). */
export interface FleetTotals {
  packets: number;
  bytes: number;
  lost: number;
  expected: number;
  /** Open streams that have received something, now. */
  audioStreams: number;
  videoStreams: number;
}

export interface JoinOutcome {
  id: string;
  ok: boolean;
  joinMs: number | null;
  error?: string;
}

/**
 * The bots of one process: joins them with the tokens it is given, grants floors for
 * their teachers, churns and leaves them, and adds up what all of them received.
 * Its pump paces every publication of the process.
 */
export class BotFleet {
  readonly bots = new Map<string, Bot>();
  readonly delays = { audio: new DelayHistogram(), video: new DelayHistogram() };
  readonly failures: Array<{ bot: string; reason: string }> = [];
  readonly #retired = { packets: 0, bytes: 0, lost: 0, expected: 0 };
  readonly #plans = new Map<string, BotPlan>();
  readonly #lessons: ScenarioPlan['lessons'];

  constructor(
    plan: ScenarioPlan,
    private readonly deps: { url: string; devices: BotDevices; pump: MediaPump; media: LoadMedia; simulcast: boolean },
  ) {
    this.#lessons = plan.lessons;
    for (const lesson of plan.lessons) for (const bot of lesson.bots) this.#plans.set(bot.id, bot);
  }

  async join(id: string, token: string): Promise<JoinOutcome> {
    const plan = this.#plans.get(id);
    if (!plan) return { id, ok: false, joinMs: null, error: 'not in the plan' };
    const publishers = new Map(this.#lessons[plan.lesson]!.bots.map((bot) => [bot.id, bot]));
    const bot = new Bot({
      url: this.deps.url,
      token,
      plan,
      devices: this.deps.devices,
      pump: this.deps.pump,
      media: this.deps.media,
      simulcast: this.deps.simulcast,
      delays: this.delays,
      subscriptionFor: (producer) => {
        const publisher = publishers.get(producer.participantId);
        const source = producer.source;
        if (!publisher || (source !== 'camera' && source !== 'screen' && source !== 'microphone')) return null;
        return subscription(plan, publisher, source);
      },
    });
    this.bots.set(id, bot);
    try {
      await bot.join();
      return { id, ok: true, joinMs: bot.joinMs };
    } catch (error) {
      const reason = `join: ${(error as Error).message}`;
      this.failures.push({ bot: id, reason });
      this.bots.delete(id);
      await bot.leave().catch(() => undefined);
      return { id, ok: false, joinMs: null, error: reason };
    }
  }

  async grantFloor(teacherId: string, participantId: string): Promise<void> {
    const teacher = this.bots.get(teacherId);
    if (!teacher) throw new Error(`${teacherId} is not here`);
    await teacher.grantFloor(participantId);
  }

  async leave(id: string): Promise<void> {
    const bot = this.bots.get(id);
    if (!bot) return;
    this.#retire(bot);
    this.bots.delete(id);
    await bot.leave();
  }

  async leaveAll(): Promise<void> {
    const bots = [...this.bots.values()];
    // Listeners first, teachers last: as a lesson ends.
    bots.sort((a, b) => Number(a.context.plan.role === 'teacher') - Number(b.context.plan.role === 'teacher'));
    for (let i = 0; i < bots.length; i += 32) await Promise.all(bots.slice(i, i + 32).map((bot) => this.leave(bot.id)));
  }

  totals(): FleetTotals {
    const totals: FleetTotals = { ...this.#retired, audioStreams: 0, videoStreams: 0 };
    for (const bot of this.bots.values()) {
      for (const consumer of bot.consumers.values()) {
        totals.packets += consumer.counter.packets;
        totals.bytes += consumer.counter.bytes;
        totals.lost += consumer.counter.lost;
        totals.expected += consumer.counter.expected;
        if (!consumer.closed && consumer.counter.packets > 0) {
          if (consumer.kind === 'audio') totals.audioStreams++;
          else totals.videoStreams++;
        }
      }
    }
    return totals;
  }

  /** Join times (ms) and times to the first received packet of the bots here now. */
  joinTimes(): { joinMs: number[]; firstPacketMs: number[] } {
    const joinMs: number[] = [];
    const firstPacketMs: number[] = [];
    for (const bot of this.bots.values()) {
      if (bot.joinMs !== null) joinMs.push(bot.joinMs);
      if (bot.firstPacketMs !== null) firstPacketMs.push(bot.firstPacketMs);
    }
    return { joinMs, firstPacketMs };
  }

  /** Join errors and what bots recorded (disconnects, removals, consume errors). */
  allFailures(): Array<{ bot: string; reason: string }> {
    return [...this.failures, ...[...this.bots.values()].flatMap((bot) => bot.failures.map((reason) => ({ bot: bot.id, reason })))];
  }

  #retire(bot: Bot): void {
    for (const consumer of bot.consumers.values()) {
      this.#retired.packets += consumer.counter.packets;
      this.#retired.bytes += consumer.counter.bytes;
      this.#retired.lost += consumer.counter.lost;
      this.#retired.expected += consumer.counter.expected;
    }
    bot.consumers.clear();
    for (const reason of bot.failures) this.failures.push({ bot: bot.id, reason });
    bot.failures.length = 0;
  }
}
