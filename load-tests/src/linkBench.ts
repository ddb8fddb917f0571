/**
 * Weak-link benchmark: a remote classroom receives the teacher (camera 1280×720 in simulcast,
 * microphone) relay-only through the server's own coturn, with the userspace impairment relay
 * in front of it as the classroom's access link, under one condition after another. For each it
 * prints what the classroom's browser measured: mouth-to-ear latency of the teacher's beeps, audio
 * lost on the wire (after retransmission) and concealed, video freezes, received resolution and
 * frame rate, the link score the SDK reports; for the outage,
 * how soon the SDK noticed and how soon video came back. One JSON object on stdout, progress on
 * stderr.
 *
 *   npm run bench:links                      # ~5 minutes
 *   npm run bench:links -- --seconds 10      # shorter windows
 *   npm run bench:links -- --only "loss 5"   # the conditions whose name contains this
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { launchBrowser } from './harness/browser.js';
import { openSdkPage, playRemoteMedia } from './harness/sdkPage.js';
import type { SdkPage } from './harness/sdkPage.js';
import { freeRtcPort, startServerProcess } from './harness/serverProcess.js';
import { ImpairmentRelay } from './impairment/ImpairmentRelay.js';
import type { LinkConditions } from './impairment/conditions.js';
import { beepLatencies, publishBeeps, watchBeeps } from './harness/beeps.js';
import { summarize } from './stats.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, only: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds < 5 || seconds > 300) throw new Error('--seconds must be from 5 to 300');
const progress = (text: string) => values.quiet || process.stderr.write(`[bench:links] ${new Date().toISOString().slice(11, 19)} ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const r1 = (n: number) => Math.round(n * 10) / 10;

const LESSON = 'demo-music-g4';
const ROOM = 'qh-shangling-g4';

/** The conditions, each applied to both directions of the classroom's link unless it says otherwise. */
const CONDITIONS: Array<{ name: string; up: LinkConditions; down: LinkConditions }> = [
  { name: 'clean', up: {}, down: {} },
  { name: 'loss 2 %', up: { loss: 0.02 }, down: { loss: 0.02 } },
  { name: 'loss 5 %', up: { loss: 0.05 }, down: { loss: 0.05 } },
  { name: 'loss 10 %', up: { loss: 0.1 }, down: { loss: 0.1 } },
  { name: 'loss 5 % + jitter 60 ms', up: { loss: 0.05, delayMs: 40, jitterMs: 60 }, down: { loss: 0.05, delayMs: 40, jitterMs: 60 } },
  { name: 'jitter 60 ms (40 ms ± 60)', up: { delayMs: 40, jitterMs: 60 }, down: { delayMs: 40, jitterMs: 60 } },
  { name: 'bursty loss 20 % (bursts of 4)', up: { burstLoss: { meanLoss: 0.2, meanBurstLength: 4 } }, down: { burstLoss: { meanLoss: 0.2, meanBurstLength: 4 } } },
  { name: 'cap 1 Mbit/s down', up: {}, down: { rateKbps: 1_000 } },
  { name: 'cap 300 kbit/s down', up: {}, down: { rateKbps: 300 } },
];

interface Counters {
  at: number;
  audio: { samples: number; concealed: number; received: number; lost: number };
  video: { framesDecoded: number; freezeCount: number; totalFreezesDuration: number; frameHeight: number | null; spatialLayer: number | null };
}

async function counters(page: SdkPage): Promise<Counters> {
  return page.run<Counters>(`
    const stats = await client.getReceiveStats();
    const a = stats.find((s) => s.kind === 'audio');
    const v = stats.find((s) => s.kind === 'video');
    return {
      at: Date.now(),
      audio: { samples: a?.totalSamplesReceived ?? 0, concealed: (a?.concealedSamples ?? 0) - (a?.silentConcealedSamples ?? 0), received: a?.packetsReceived ?? 0, lost: a?.packetsLost ?? 0 },
      video: { framesDecoded: v?.framesDecoded ?? 0, freezeCount: v?.freezeCount ?? 0, totalFreezesDuration: v?.totalFreezesDuration ?? 0, frameHeight: v?.frameHeight ?? null, spatialLayer: v?.spatialLayer ?? null },
    };
  `);
}

// coturn listens on UDP and TCP at this port.
const coturnPort = await freeRtcPort('127.0.0.1');
const relay = new ImpairmentRelay({ target: `127.0.0.1:${coturnPort}` });
await relay.start();
const server = await startServerProcess({
  DEMO: '1',
  RECORDING: 'off',
  CAPTIONS: 'off',
  TURN_EMBEDDED: 'on',
  TURN_LISTEN_IP: '127.0.0.1',
  TURN_PORT: String(coturnPort),
  TURN_URLS: `turn:127.0.0.1:${relay.port}?transport=udp`,
  TURN_RELAY_PORTS: '49500-49599',
});
const browser = await launchBrowser();
try {
  const teacher = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'teacher' }) });
  await teacher.run('await client.publishCamera({ width: 1280, height: 720 });');
  // The teacher's microphone beeps: the classroom notes when each beep arrives (mouth-to-ear latency).
  await publishBeeps(teacher);
  const teacherId = await teacher.run<string>('return client.self.participantId;');
  const room = await openSdkPage(browser, server.url, { token: await server.mintToken(LESSON, { role: 'classroom', classroomId: ROOM }), forceRelay: true });
  await playRemoteMedia(room);
  await watchBeeps(room, teacherId);
  await room.waitFor('const v = (await client.getReceiveStats()).find((s) => s.kind === "video"); return v && v.framesDecoded > 30;', undefined, 30_000);
  progress(`classroom receiving through coturn behind the relay; ${CONDITIONS.length} conditions × ${seconds} s, then a 5 s outage`);

  const results: Array<Record<string, unknown>> = [];
  for (const condition of CONDITIONS.filter((c) => !values.only || c.name.includes(values.only))) {
    relay.set({ up: condition.up, down: condition.down });
    await sleep(5_000); // the receivers settle to the new link
    const before = await counters(room);
    const heights: number[] = [];
    const scores: number[] = [];
    const sampledFrom = Date.now();
    while (Date.now() - before.at < seconds * 1000) {
      await sleep(1_000);
      const now = await counters(room);
      if (now.video.frameHeight !== null) heights.push(now.video.frameHeight);
    }
    const after = await counters(room);
    for (const event of await room.events('networkQuality')) if (event.wallMs >= sampledFrom && typeof event.payload.score === 'number') scores.push(event.payload.score);
    const span = (after.at - before.at) / 1000;
    const latencies = await beepLatencies(teacher, room, before.at, after.at);
    const audioLost = after.audio.lost - before.audio.lost;
    const audioReceived = after.audio.received - before.audio.received;
    const result = {
      condition: condition.name,
      up: condition.up,
      down: condition.down,
      seconds: r1(span),
      audioLostOnWirePct: r1((audioLost / Math.max(1, audioLost + audioReceived)) * 100),
      audioConcealedPct: r1(((after.audio.concealed - before.audio.concealed) / Math.max(1, after.audio.samples - before.audio.samples)) * 100),
      videoFreezes: after.video.freezeCount - before.video.freezeCount,
      videoFrozenSeconds: r1(after.video.totalFreezesDuration - before.video.totalFreezesDuration),
      videoFramesPerSecond: r1((after.video.framesDecoded - before.video.framesDecoded) / span),
      meanFrameHeight: heights.length ? Math.round(heights.reduce((a, b) => a + b, 0) / heights.length) : null,
      lastFrameHeight: after.video.frameHeight,
      mouthToEarMs: latencies.length ? { ...summarize(latencies), beeps: latencies.length } : null,
      linkScores: scores,
    };
    results.push(result);
    progress(`${condition.name}: mouth-to-ear ${result.mouthToEarMs?.p50 ?? '?'} ms; audio lost ${result.audioLostOnWirePct} %, concealed ${result.audioConcealedPct} %; video ${result.videoFramesPerSecond} fps, ${result.meanFrameHeight}p mean, ${result.videoFreezes} freezes (${result.videoFrozenSeconds} s); scores ${scores.join(',')}`);
  }

  // A 5 s outage of both directions.
  relay.set({ up: {}, down: {} });
  await sleep(5_000);
  const outageAt = await room.run<number>('return Date.now();');
  relay.outage(5_000, 'both');
  await sleep(5_000);
  const backFrom = (await counters(room)).video.framesDecoded;
  const linkBackAt = Date.now();
  let videoBackMs: number | null = null;
  while (Date.now() - linkBackAt < 15_000) {
    if ((await counters(room)).video.framesDecoded > backFrom) {
      videoBackMs = Date.now() - linkBackAt;
      break;
    }
    await sleep(50);
  }
  const dead = (await room.events('mediaPath')).find((e) => e.wallMs >= outageAt && e.payload.state === 'dead');
  const outage = { deadPathNoticedMs: dead ? dead.wallMs - outageAt : null, videoBackAfterLinkMs: videoBackMs, state: await room.run<string>('return client.state;') };
  progress(`5 s outage: noticed after ${outage.deadPathNoticedMs} ms, video back ${outage.videoBackAfterLinkMs} ms after the link`);

  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'links',
        description: 'a remote classroom (Chromium, relay-only through the server\'s coturn behind the userspace impairment relay) receiving the teacher\'s 1280×720 simulcast camera and microphone under each condition',
        windowSeconds: seconds,
        conditions: results,
        outage5s: outage,
        environment: { cpus: os.availableParallelism(), node: process.version, chromium: browser.version(), loadAverage: os.loadavg().map((n) => r1(n)) },
      },
      null,
      1,
    )}\n`,
  );
} finally {
  await browser.close().catch(() => undefined);
  await server.stop().catch(() => undefined);
  await relay.close();
}
