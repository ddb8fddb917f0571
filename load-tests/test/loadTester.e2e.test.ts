import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadRunResult } from '../src/load/report.js';

const run = promisify(execFile);
const cliPath = fileURLToPath(new URL('../dist/loadCli.js', import.meta.url));

/** The load tester as operators run it, a few bots for a few seconds: CI's smoke test of it. */
describe('load tester (npm run load), a short smoke run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-load-test-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('classroom: bots join ClassBridge and raw mediasoup with real tokens and WebRTC, receive every planned stream, and leave nothing behind', async () => {
    const { stdout } = await run(process.execPath, [cliPath, '--scenario', 'classroom', '--classrooms', '3', '--seconds', '4', '--bot-processes', '2', '--out', dir, '--name', 'smoke', '--quiet'], { timeout: 240_000 });
    expect(JSON.parse(stdout).report).toBe(path.join(dir, 'smoke.json'));
    const result = JSON.parse(await fs.readFile(path.join(dir, 'smoke.json'), 'utf8')) as LoadRunResult;
    expect(result.runs.map((r) => r.target)).toEqual(['raw-mediasoup', 'classbridge']);
    for (const target of result.runs) {
      expect(target.failures).toEqual([]);
      const [only] = target.steps;
      // Every planned stream arrives: the teacher's three sources to 3 classrooms, their cameras to the
      // teacher, and the floor holder's microphone (live only once the teacher granted the floor).
      expect(only!.expectedStreams).toEqual({ video: 3 * 2 + 3, audio: 3 + 3 });
      expect(only!.receivingStreams).toEqual(only!.expectedStreams);
      expect(only!.packetsPerSecond).toBeGreaterThan(500);
      expect(only!.lossPct).toBeLessThan(5);
      expect(only!.delayMs.video.p50).toEqual(expect.any(Number));
      expect(only!.workerCpuCores).toBeGreaterThan(0);
      expect(only!.joinMs.p50).toEqual(expect.any(Number));
      expect(target.objectsAfterLeave).toMatchObject({ transports: 0, producers: 0, consumers: 0 });
    }
    expect(result.summary.overheadRatio).toEqual(expect.any(Number));
    const html = await fs.readFile(path.join(dir, 'smoke.html'), 'utf8');
    expect(html).toContain('负载测试报告 Load test report — classroom');
    expect(html).toContain('<svg');
  }, 240_000);

  it('refuses an unknown scenario with a clear message and exit code 2', async () => {
    const failed = await run(process.execPath, [cliPath, '--scenario', 'nope'], { timeout: 30_000 }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('--scenario is one of classroom, livestream, audio-only, meeting, district');
  }, 30_000);

  it('refuses server settings that are not NAME=value, before starting anything', async () => {
    const failed = await run(process.execPath, [cliPath, '--scenario', 'classroom', '--server-env', 'echo_guard off'], { timeout: 30_000 }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('--server-env takes NAME=value (got "echo_guard off")');
  }, 30_000);
});
