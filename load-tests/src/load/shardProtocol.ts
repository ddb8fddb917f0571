import type { FleetTotals, JoinOutcome } from './BotFleet.js';
import type { ScenarioPlan } from './scenarios.js';

/*
 * Messages between the load tester and its bot processes (Node IPC, advanced
 * serialization): the parent asks, a shard answers with the same `id`.
 */

export type ShardCommand =
  | { kind: 'start'; plan: ScenarioPlan; url: string }
  | { kind: 'join'; botId: string; token: string }
  | { kind: 'grantFloor'; teacherId: string; participantId: string }
  | { kind: 'leave'; botId: string }
  | { kind: 'leaveAll' }
  | { kind: 'read' };

export interface ShardReading {
  totals: FleetTotals;
  /** Delay histograms as they stand (1 ms buckets). */
  audioDelays: Uint32Array;
  videoDelays: Uint32Array;
  joinMs: number[];
  firstPacketMs: number[];
  failures: Array<{ bot: string; reason: string }>;
  /** This process's CPU (µs, user + system) and its event loop's busy share since it started. */
  cpuMicros: number;
  eventLoop: { idle: number; active: number };
  rssBytes: number;
  packetsSent: number;
}

export type ShardAnswer = { kind: 'ready' } | { kind: 'joined'; outcome: JoinOutcome } | { kind: 'done' } | { kind: 'reading'; reading: ShardReading } | { kind: 'error'; message: string };

export interface ShardRequest {
  id: number;
  command: ShardCommand;
}

export interface ShardResponse {
  id: number;
  answer: ShardAnswer;
}
