/**
 * Join-time benchmark: from the moment a receiver's socket starts connecting to
 * the first decoded frame of the teacher's video, in real headless Chromium
 * against a real ClassBridge server on loopback. Prints one JSON object.
 *
 *   npm run bench:join -- --joins 20
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openPage } from './harness/browser.js';
import { BrowserLab } from './harness/BrowserLab.js';
import { summarize } from './stats.js';

const LESSON = 'demo-music-g4';

interface JoinSample {
  totalMs: number;
  joinedMs: number;
  trackMs: number;
}

const { values } = parseArgs({ options: { joins: { type: 'string', default: '12' }, quiet: { type: 'boolean', default: false } } });
const joins = Number(values.joins);
if (!Number.isInteger(joins) || joins < 1 || joins > 500) throw new Error('--joins must be an integer from 1 to 500');
const progress = (text: string) => values.quiet || process.stderr.write(`[bench:join] ${text}\n`);

const lab = await BrowserLab.start();
const { server, browser } = lab;
try {
  progress('teacher publishing camera and microphone');
  const teacher = await lab.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher' });
  await teacher.waitForFunction(() => (window as any).classbridge?.client.state === 'connected', null, { timeout: 30_000 });
  // Let the simulcast layers ramp up, as they would a few seconds into a lesson.
  await new Promise((resolve) => setTimeout(resolve, 3000));

  const samples: JoinSample[] = [];
  for (let i = 0; i < joins; i++) {
    const token = await server.mintToken(LESSON, { role: 'observer', participantId: `bench-${i}` });
    const page = await openPage(browser, `${server.url}/healthz`);
    const sample = await page.evaluate(async (token: string) => {
      const { ClassBridgeClient } = await import('/sdk/classbridge-sdk.js' as string);
      const t0 = performance.now();
      const client = new ClassBridgeClient({ url: location.origin, token });
      let trackAt = 0;
      const firstFrame = new Promise<number>((resolve) => {
        client.on('trackAdded', ({ kind, participantId, track }: { kind: string; participantId: string; track: MediaStreamTrack }) => {
          if (kind !== 'video' || participantId !== 'teacher') return;
          trackAt = performance.now();
          const video = document.createElement('video');
          video.muted = true;
          video.autoplay = true;
          video.srcObject = new MediaStream([track]);
          document.body.append(video);
          (video as any).requestVideoFrameCallback(() => resolve(performance.now()));
          void video.play();
        });
      });
      await client.join();
      const joinedAt = performance.now();
      const frameAt = await firstFrame;
      await client.leave();
      return { totalMs: frameAt - t0, joinedMs: joinedAt - t0, trackMs: trackAt - t0 };
    }, token);
    samples.push(sample);
    progress(`join ${i + 1}/${joins}: first frame after ${sample.totalMs.toFixed(0)} ms`);
    await page.context().close();
  }

  const result = {
    benchmark: 'join-to-first-frame',
    description: 'receiver socket connect → teacher video first decoded frame (requestVideoFrameCallback), Chromium on loopback',
    joins,
    firstFrameMs: summarize(samples.map((s) => s.totalMs)),
    joinResolvedMs: summarize(samples.map((s) => s.joinedMs)),
    trackAddedMs: summarize(samples.map((s) => s.trackMs)),
    targetMs: 500,
    environment: { cpus: os.availableParallelism(), node: process.version, chromium: browser.version(), sfuWorkers: server.config.numWorkers },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await lab.stop();
}
