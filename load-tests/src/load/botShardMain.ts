/**
 * One bot process of a load run (forked by ShardedFleet): a fleet of bots, driven
 * over IPC. It exits with its parent.
 */
import { performance } from 'node:perf_hooks';
import { defaultFfmpegPath } from '../media/analyzeMedia.js';
import { BotDevices } from './botDevice.js';
import { BotFleet } from './BotFleet.js';
import { MediaPump } from './MediaPump.js';
import { loadMedia } from './media/loadMedia.js';
import type { ShardAnswer, ShardCommand, ShardRequest, ShardResponse } from './shardProtocol.js';

if (!process.send) throw new Error('botShardMain runs as a forked bot process');
const send = (response: ShardResponse) => process.send!(response);
process.on('disconnect', () => process.exit(0));

let fleet: BotFleet | null = null;
const pump = new MediaPump();

async function handle(command: ShardCommand): Promise<ShardAnswer> {
  switch (command.kind) {
    case 'start': {
      const media = await loadMedia({ ffmpegPath: defaultFfmpegPath });
      fleet = new BotFleet(command.plan, { url: command.url, devices: new BotDevices(), pump, media, simulcast: command.plan.params.simulcast });
      return { kind: 'ready' };
    }
    case 'join':
      return { kind: 'joined', outcome: await must().join(command.botId, command.token) };
    case 'grantFloor':
      await must().grantFloor(command.teacherId, command.participantId);
      return { kind: 'done' };
    case 'leave':
      await must().leave(command.botId);
      return { kind: 'done' };
    case 'leaveAll':
      await must().leaveAll();
      return { kind: 'done' };
    case 'read': {
      const current = must();
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      const { joinMs, firstPacketMs } = current.joinTimes();
      return {
        kind: 'reading',
        reading: {
          totals: current.totals(),
          audioDelays: current.delays.audio.counts,
          videoDelays: current.delays.video.counts,
          joinMs,
          firstPacketMs,
          failures: current.allFailures(),
          cpuMicros: cpu.user + cpu.system,
          eventLoop: { idle: elu.idle, active: elu.active },
          rssBytes: process.memoryUsage().rss,
          packetsSent: pump.packetsSent,
        },
      };
    }
  }
}

function must(): BotFleet {
  if (!fleet) throw new Error('not started');
  return fleet;
}

process.on('message', (request: ShardRequest) => {
  handle(request.command).then(
    (answer) => send({ id: request.id, answer }),
    (error: Error) => send({ id: request.id, answer: { kind: 'error', message: error.message } }),
  );
});
process.on('unhandledRejection', (error) => process.stderr.write(`[bot process ${process.pid}] ${String((error as Error)?.stack ?? error)}\n`));
