/**
 * Recovery benchmark: how long a remote classroom goes without the teacher's
 * video after (a) its signaling link drops and (b) the media worker crashes,
 * measured from the fault to the first frame decoded by a new consumer.
 * Real server and Chromium on loopback; prints one JSON object.
 *
 *   npm run bench:recovery -- --trials 5
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import type { LocalSfu } from '@classbridge/sfu';
import { BrowserLab } from './harness/BrowserLab.js';
import { receiveStats, waitForStats } from './harness/pageStats.js';
import { summarize } from './stats.js';

const LESSON = 'demo-music-g4';
const ROOM = 'classroom-qh-shangling-g4';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '5' }, quiet: { type: 'boolean', default: false } } });
const trials = Number(values.trials);
if (!Number.isInteger(trials) || trials < 1 || trials > 50) throw new Error('--trials must be an integer from 1 to 50');
const progress = (text: string) => values.quiet || process.stderr.write(`[bench:recovery] ${text}\n`);

/** Runs `fault`, then waits for a teacher video frame on a consumer that did not exist before. */
async function timeToNewFrame(room: Page, fault: () => Promise<void> | void): Promise<number> {
  const old = new Set((await receiveStats(room)).map((s) => s.consumerId));
  const started = performance.now();
  await fault();
  await waitForStats(room, (s) => s.some((t) => !old.has(t.consumerId) && t.participantId === 'teacher' && t.kind === 'video' && t.framesDecoded > 0), 30_000, 'new teacher frames', 20);
  return performance.now() - started;
}

const lab = await BrowserLab.start();
try {
  await lab.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher' });
  const room = await lab.openSeat(`classroom.html?lesson=${LESSON}&classroom=qh-shangling-g4`, { role: 'classroom', classroomId: 'qh-shangling-g4' });
  await waitForStats(room, (s) => s.some((t) => t.participantId === 'teacher' && t.kind === 'video' && t.framesDecoded > 10), 30_000, 'teacher video');

  const linkDrop: number[] = [];
  const workerCrash: number[] = [];
  for (let i = 0; i < trials; i++) {
    linkDrop.push(
      await timeToNewFrame(room, () => lab.server.dropConnection(ROOM)),
    );
    progress(`link drop ${i + 1}/${trials}: ${linkDrop.at(-1)!.toFixed(0)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    workerCrash.push(await timeToNewFrame(room, () => void process.kill((lab.server.sfu as LocalSfu).workerPids()[0]!, 'SIGKILL')));
    progress(`worker crash ${i + 1}/${trials}: ${workerCrash.at(-1)!.toFixed(0)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'recovery-to-first-frame',
        description: 'fault → first teacher frame decoded by a new consumer in a remote classroom page (Chromium, loopback)',
        trials,
        signalingLinkDropMs: summarize(linkDrop),
        mediaWorkerCrashMs: summarize(workerCrash),
        environment: { cpus: os.availableParallelism(), node: process.version, chromium: lab.browser.version(), sfuWorkers: lab.server.config.numWorkers },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await lab.stop();
}
