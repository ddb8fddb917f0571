import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserLab, openPage } from '@classbridge/load-tests';
import type { Page } from 'playwright-core';

jest.setTimeout(120_000);

/*
 * The SDK as a third-party app gets it: `npm pack` of client-sdk, installed into a copy of
 * the example app (client-sdk/examples/classroom-viewer) in a temporary folder outside the
 * repository, type-checked under --strict, bundled, served from its own origin, and run in
 * Chromium against a real server while the demo teacher page publishes.
 *
 * Needs the root `npm run build` first (npm pack's prepack refuses a missing or stale build).
 * The app installs only the tarball and its dependencies (mediasoup-client and socket.io-client,
 * from npm's cache that the repository's own install filled); TypeScript and esbuild are the
 * repository's, found on PATH, so the test stays fast and works offline.
 */

const LESSON = 'demo-music-g4';
const ROOM = 'qh-shangling-g4';
const TEACHER_NAME = '王丽';

const sdkDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = path.dirname(sdkDir.replace(/\/$/, ''));
const exampleDir = path.join(sdkDir, 'examples', 'classroom-viewer');
const typeTest = path.join(sdkDir, 'test', 'typedEvents.typecheck.ts');

interface RunResult {
  code: number;
  output: string;
  ms: number;
}

/** The environment a developer's shell would give npm: none of the npm/jest settings this process runs under. */
function appEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  }
  env['PATH'] = [path.join(repoDir, 'node_modules', '.bin'), process.env['PATH'] ?? ''].join(path.delimiter);
  return env;
}

function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: appEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output, ms: Date.now() - started }));
  });
}

async function mustRun(command: string, args: string[], cwd: string): Promise<RunResult> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} exited ${result.code}:\n${result.output}`);
  return result;
}

/** Serves a folder over HTTP on loopback, as any static host would serve the built app. */
async function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };
  const server = http.createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(dir + path.sep)) return void res.writeHead(403).end();
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the SDK as a package, in an app outside the repository', () => {
  let workDir: string;
  let appDir: string;
  let lab: BrowserLab | undefined;
  let packed: { filename: string; files: Array<{ path: string }> };
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-sdk-package-'));
    // The example's package.json names the tarball as ../../classbridge-client-sdk-<version>.tgz:
    // the same layout here, so the app installs exactly as its README says.
    appDir = path.join(workDir, 'examples', 'classroom-viewer');
    const packAndInstall = async () => {
      const pack = await mustRun('npm', ['pack', '--json', '--pack-destination', workDir], sdkDir);
      timings['npmPackMs'] = pack.ms;
      const [info] = JSON.parse(pack.output.slice(pack.output.indexOf('['))) as Array<typeof packed>;
      packed = info!;
      await fs.cp(exampleDir, appDir, { recursive: true, filter: (source) => !/\/(node_modules|dist|package-lock\.json)$/.test(source) });
      const wanted = JSON.parse(await fs.readFile(path.join(appDir, 'package.json'), 'utf8')).dependencies['@classbridge/client-sdk'];
      expect(wanted).toBe(`file:../../${packed.filename}`);
      const install = await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev'], appDir);
      timings['npmInstallMs'] = install.ms;
    };
    const [started, installed] = await Promise.allSettled([BrowserLab.start(), packAndInstall()]);
    if (started.status === 'fulfilled') lab = started.value;
    if (started.status === 'rejected') throw started.reason;
    if (installed.status === 'rejected') throw installed.reason;
  });

  afterAll(async () => {
    await lab?.stop();
    if (workDir && process.env['CLASSBRIDGE_KEEP_TMP'] !== '1') await fs.rm(workDir, { recursive: true, force: true });
    console.log(`client-sdk package test timings: ${JSON.stringify(timings)}`);
  });

  it('packs ESM, one self-contained declaration file and the standalone bundle; installs with its dependencies only', async () => {
    const files = packed.files.map((file) => file.path).sort();
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'dist/npm/index.js', 'dist/npm/index.d.ts', 'dist/browser/classbridge-sdk.js']),
    );
    expect(files.filter((file) => !file.startsWith('dist/npm/') && !file.startsWith('dist/browser/') && file !== 'package.json')).toEqual([]);

    const installed = path.join(appDir, 'node_modules', '@classbridge', 'client-sdk');
    // Extracted from the tarball, not linked to the workspace.
    expect((await fs.lstat(installed)).isSymbolicLink()).toBe(false);
    const manifest = JSON.parse(await fs.readFile(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.type).toBe('module');
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['mediasoup-client', 'socket.io-client']);
    expect(manifest.exports['.']).toEqual({ types: './dist/npm/index.d.ts', default: './dist/npm/index.js' });
    expect(manifest.exports['./browser'].default).toBe('./dist/browser/classbridge-sdk.js');
    for (const dependency of ['mediasoup-client', 'socket.io-client']) {
      await expect(fs.access(path.join(appDir, 'node_modules', dependency, 'package.json'))).resolves.toBeUndefined();
    }
    // The workspace-only protocol package is inlined, never required.
    await expect(fs.access(path.join(appDir, 'node_modules', '@classbridge', 'protocol'))).rejects.toThrow();
    const declarations = await fs.readFile(path.join(installed, 'dist/npm/index.d.ts'), 'utf8');
    const javascript = await fs.readFile(path.join(installed, 'dist/npm/index.js'), 'utf8');
    for (const text of [declarations, javascript]) expect(text).not.toContain('@classbridge/protocol');
    expect([...javascript.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]).sort()).toEqual(['mediasoup-client', 'socket.io-client']);
  });

  it('a strict app type-checks against the installed types, and a typo in an event name does not compile', async () => {
    // The SDK's type-level test, inside the app: every @ts-expect-error (typo'd event names included) must fire.
    await fs.copyFile(typeTest, path.join(appDir, 'src', 'typedEvents.typecheck.ts'));
    const checked = await run('npm', ['run', '--silent', 'typecheck'], appDir);
    timings['typecheckMs'] = checked.ms;
    expect(checked.output).not.toMatch(/error/i);
    expect(checked.code).toBe(0);

    const typo = path.join(appDir, 'src', 'typo.ts');
    await fs.writeFile(typo, "import { ClassBridgeClient } from '@classbridge/client-sdk';\nnew ClassBridgeClient({ url: 'https://classbridge.example.edu', token: 't' }).on('trackAdd', () => undefined);\n");
    const failed = await run('npm', ['run', '--silent', 'typecheck'], appDir);
    await fs.rm(typo);
    expect(failed.code).not.toBe(0);
    expect(failed.output).toMatch(/src\/typo\.ts\(2,\d+\): error TS2345: Argument of type '"trackAdd"' is not assignable/);
  });

  it('the example app, bundled and served from its own origin, joins the lesson and decodes the teacher\'s video', async () => {
    const built = await mustRun('npm', ['run', '--silent', 'build'], appDir);
    timings['buildMs'] = built.ms;
    const app = await serveStatic(appDir);
    const pages: Page[] = [];
    try {
      const server = lab!.server;
      const teacher = await lab!.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher', displayName: TEACHER_NAME });
      pages.push(teacher);
      const token = await server.mintToken(LESSON, { role: 'classroom', classroomId: ROOM });
      const viewerUrl = `${app.url}/index.html?url=${encodeURIComponent(server.url)}&token=${encodeURIComponent(token)}`;
      const viewer = await openPage(lab!.browser, 'about:blank');
      pages.push(viewer);
      const fromServer: string[] = [];
      viewer.on('request', (request) => {
        if (request.url().startsWith(server.url) && request.resourceType() !== 'websocket') fromServer.push(request.url());
      });
      const started = Date.now();
      await viewer.goto(viewerUrl);

      // The tile for the teacher's camera, labelled with her name, shows decoded frames.
      const tile = 'figure[data-participant-id="teacher"][data-source="camera"]';
      await viewer.waitForFunction(
        (selector) => {
          const video = document.querySelector<HTMLVideoElement>(`${selector} video`);
          return !!video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 10;
        },
        tile,
        { timeout: 30_000 },
      );
      timings['joinToVideoMs'] = Date.now() - started;
      expect(await viewer.textContent(`${tile} figcaption`)).toBe(TEACHER_NAME);
      expect(await viewer.getAttribute('#status', 'data-state')).toBe('connected');
      expect(await viewer.textContent('#status')).toMatch(/^connected · .+ · [1-9]\d* videos?$/);

      // The SDK's own receive stats agree (the app exposes its client for the console).
      const stats = await viewer.evaluate(async () => {
        const { classroomViewer } = window as unknown as { classroomViewer: { getReceiveStats(): Promise<Array<{ participantId: string; kind: string; framesDecoded: number }>> } };
        return (await classroomViewer.getReceiveStats()).map(({ participantId, kind, framesDecoded }) => ({ participantId, kind, framesDecoded }));
      });
      const teacherVideo = stats.find((s) => s.participantId === 'teacher' && s.kind === 'video');
      expect(teacherVideo?.framesDecoded).toBeGreaterThan(10);
      // Everything came from the app's own bundle: nothing loaded from the ClassBridge server but the signaling socket.
      expect(fromServer).toEqual([]);
    } finally {
      for (const page of pages) await page.context().close();
      await app.close();
    }
  });
});
