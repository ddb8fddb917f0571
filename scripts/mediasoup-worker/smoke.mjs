#!/usr/bin/env node
// Smoke test for the locally built mediasoup worker, including a real
// ICE + DTLS handshake and SRTP media from headless Chromium.
//
// Usage: node scripts/mediasoup-worker/smoke.mjs [path-to-mediasoup-worker-binary]
//
// Dependencies (mediasoup, mediasoup-client, playwright-core, esbuild) are
// resolved from $SMOKE_DEPS_DIR/node_modules if set, else from the repo's
// node_modules, else from /tmp/smoke-deps/node_modules. The worker binary is
// (in order): argv[2], else <mediasoup>/worker/out/Release/mediasoup-worker;
// MEDIASOUP_WORKER_BIN from the environment is ignored (it is overridden) so
// the test always exercises the binary produced by build.sh.
// Chromium: $CHROMIUM_PATH or /usr/bin/chromium.
//
// Prints one JSON line and exits 0 on success, non-zero on failure.
// Hard timeout: 60 s.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HARD_TIMEOUT_MS = 60_000;
const startedAt = Date.now();

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

const cleanups = [];
let finished = false;

async function finish(code, result) {
	if (finished) return;
	finished = true;
	for (const fn of cleanups.reverse()) {
		try {
			await Promise.race([fn(), new Promise((r) => setTimeout(r, 5000))]);
		} catch {
			/* ignore cleanup errors */
		}
	}
	process.stdout.write(`${JSON.stringify({ ...result, elapsedMs: Date.now() - startedAt })}\n`);
	process.exit(code);
}

function fail(error, extra = {}) {
	return finish(1, { ok: false, error: String(error?.stack ?? error), ...extra });
}

setTimeout(() => fail(`hard timeout after ${HARD_TIMEOUT_MS / 1000} s`, { stage }), HARD_TIMEOUT_MS);
process.on('unhandledRejection', (e) => fail(e, { stage }));
process.on('uncaughtException', (e) => fail(e, { stage }));

let stage = 'resolve-deps';

function pickDepsDir() {
	const candidates = [process.env.SMOKE_DEPS_DIR, repoRoot, '/tmp/smoke-deps'].filter(Boolean);
	for (const dir of candidates) {
		const nm = path.join(dir, 'node_modules');
		if (['mediasoup', 'mediasoup-client', 'playwright-core', 'esbuild'].every((m) => existsSync(path.join(nm, m, 'package.json')))) {
			return dir;
		}
	}
	throw new Error(
		`mediasoup, mediasoup-client, playwright-core and esbuild not found under any of: ${candidates.join(', ')} ` +
			'(run npm install in the repo, or `npm install --prefix /tmp/smoke-deps mediasoup-client playwright-core esbuild mediasoup`)'
	);
}

try {
	const depsDir = pickDepsDir();
	const require = createRequire(path.join(depsDir, 'package.json'));
	const mediasoupDir = path.join(depsDir, 'node_modules', 'mediasoup');

	const workerBin = path.resolve(
		process.argv[2] ?? path.join(mediasoupDir, 'worker', 'out', 'Release', 'mediasoup-worker')
	);
	if (!existsSync(workerBin)) {
		throw new Error(`worker binary ${workerBin} not found (run scripts/mediasoup-worker/build.sh)`);
	}
	// mediasoup reads this once, when its Worker module is loaded: set it
	// before require('mediasoup') so the built binary is used.
	process.env.MEDIASOUP_WORKER_BIN = workerBin;
	const mediasoup = require('mediasoup');
	const { chromium } = require('playwright-core');
	const esbuild = require('esbuild');

	// ---------------------------------------------------------------- server
	stage = 'create-worker';
	const worker = await mediasoup.createWorker({ logLevel: 'warn' });
	cleanups.push(() => worker.close());
	worker.on('died', (error) => fail(`mediasoup worker died: ${error}`, { stage, workerBin }));

	stage = 'create-router';
	const router = await worker.createRouter({
		mediaCodecs: [
			{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
			{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
		],
	});

	stage = 'create-transport';
	const transport = await router.createWebRtcTransport({
		listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }],
		enableUdp: true,
		enableTcp: false,
	});
	const dtlsConnected = new Promise((resolve, reject) => {
		transport.on('dtlsstatechange', (state) => {
			if (state === 'connected') resolve();
			else if (state === 'failed' || state === 'closed') reject(new Error(`DTLS state ${state}`));
		});
	});

	let producer;

	// ----------------------------------------------------------------- page
	stage = 'bundle-page';
	const pageSource = `
		import { Device } from 'mediasoup-client';

		window.runSmoke = async (params) => {
			const device = await Device.factory();
			await device.load({ routerRtpCapabilities: params.routerRtpCapabilities });
			const transport = device.createSendTransport({
				id: params.id,
				iceParameters: params.iceParameters,
				iceCandidates: params.iceCandidates,
				dtlsParameters: params.dtlsParameters,
			});
			transport.on('connect', ({ dtlsParameters }, callback, errback) => {
				window.smokeConnect(dtlsParameters).then(callback, errback);
			});
			transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
				window.smokeProduce({ kind, rtpParameters }).then(callback, errback);
			});
			const stream = await navigator.mediaDevices.getUserMedia({
				video: { width: 320, height: 240, frameRate: 15 },
				audio: false,
			});
			const producer = await transport.produce({ track: stream.getVideoTracks()[0] });
			return { producerId: producer.id, handler: device.handlerName };
		};
	`;
	const bundle = await esbuild.build({
		stdin: { contents: pageSource, resolveDir: depsDir, sourcefile: 'smoke-page.js', loader: 'js' },
		bundle: true,
		write: false,
		format: 'esm',
		platform: 'browser',
		target: 'es2020',
		logLevel: 'silent',
	});
	const pageJs = bundle.outputFiles[0].text;

	stage = 'http-server';
	const server = http.createServer((req, res) => {
		if (req.url === '/app.js') {
			res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
			res.end(pageJs);
		} else if (req.url === '/') {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end('<!doctype html><meta charset="utf-8"><title>mediasoup smoke</title><script type="module" src="/app.js"></script>');
		} else {
			res.writeHead(404).end();
		}
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
	const pageUrl = `http://127.0.0.1:${server.address().port}/`;

	stage = 'launch-chromium';
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		headless: true,
		args: [
			'--headless',
			'--no-sandbox',
			'--use-fake-device-for-media-stream',
			'--use-fake-ui-for-media-stream',
			'--disable-background-networking',
			'--disable-gpu',
			'--no-first-run',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	cleanups.push(() => browser.close());
	const page = await browser.newPage();
	const pageErrors = [];
	page.on('pageerror', (e) => pageErrors.push(String(e)));

	await page.exposeFunction('smokeConnect', async (dtlsParameters) => {
		await transport.connect({ dtlsParameters });
	});
	await page.exposeFunction('smokeProduce', async ({ kind, rtpParameters }) => {
		producer = await transport.produce({ kind, rtpParameters });
		return { id: producer.id };
	});

	stage = 'load-page';
	await page.goto(pageUrl);
	await page.waitForFunction(() => typeof window.runSmoke === 'function', null, { timeout: 15_000 });

	stage = 'produce';
	const pageResult = await page.evaluate((params) => window.runSmoke(params), {
		id: transport.id,
		iceParameters: transport.iceParameters,
		iceCandidates: transport.iceCandidates,
		dtlsParameters: transport.dtlsParameters,
		routerRtpCapabilities: router.rtpCapabilities,
	});

	stage = 'dtls-handshake';
	if (transport.dtlsState !== 'connected') await dtlsConnected;

	stage = 'media';
	let bytesReceived = 0;
	let packetsReceived = 0;
	while (bytesReceived === 0) {
		const stats = await producer.getStats();
		for (const s of stats) {
			bytesReceived += s.byteCount ?? 0;
			packetsReceived += s.packetCount ?? 0;
		}
		if (bytesReceived === 0) await new Promise((r) => setTimeout(r, 250));
	}

	await finish(0, {
		ok: true,
		dtlsState: transport.dtlsState,
		iceState: transport.iceState,
		bytesReceived,
		packetsReceived,
		producerKind: producer.kind,
		codec: producer.rtpParameters.codecs[0]?.mimeType,
		clientHandler: pageResult.handler,
		mediasoupVersion: mediasoup.version,
		workerBin,
		pageErrors: pageErrors.length ? pageErrors : undefined,
	});
} catch (error) {
	await fail(error, { stage });
}
