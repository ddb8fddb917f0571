import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { restClient } from '../harness/restClient.js';
import type { RestClient } from '../harness/restClient.js';
import { parseMetric, startServerProcess } from '../harness/serverProcess.js';
import { lessonIdOf, loadDirectory, tokenRequestOf } from './loadDirectory.js';
import { cpuSecondsOf, descendants, fdCountOf, rssBytesOf } from './procStats.js';
import type { BotPlan, ScenarioPlan } from './scenarios.js';

/** CPU seconds and memory of a target's parts at one moment. */
export interface TargetReading {
  /** mediasoup workers, summed. */
  workerCpuSeconds: number;
  /** Each worker's (local targets; a restarted worker changes the list). */
  perWorkerCpuSeconds: number[];
  workerRssBytes: number | null;
  /** The server's other processes (caption and echo-guard worker, ffmpeg, coturn), summed. */
  otherCpuSeconds: number | null;
  otherRssBytes: number | null;
  /** The control process (signaling, or the raw server's Node process). */
  controlCpuSeconds: number | null;
  controlRssBytes: number | null;
  controlFds: number | null;
  /** mediasoup objects alive (transports, producers, consumers…). */
  objects: Record<string, number>;
}

/** What a load run drives: a ClassBridge server, or the raw mediasoup yardstick. */
export interface LoadTarget {
  readonly kind: 'classbridge' | 'raw-mediasoup';
  readonly url: string;
  readonly workers: number;
  /** Creates what the plan's lessons need (lessons started), before any bot joins. */
  prepare(plan: ScenarioPlan): Promise<void>;
  tokenFor(bot: BotPlan): Promise<string>;
  read(): Promise<TargetReading>;
  stop(): Promise<void>;
}

const rawMainPath = fileURLToPath(new URL('./rawServerMain.js', import.meta.url));

/** Generous limits: the run measures media capacity, not the abuse guards (which the tests cover). */
export const LOAD_SERVER_ENV = {
  RATE_LIMIT_BURST: '100000',
  RATE_LIMIT_PER_SECOND: '100000',
  MAX_FLOOR_HOLDERS: '16',
  MAX_SOCKETS_PER_PARTICIPANT: '4',
  LOG_LEVEL: 'warn',
};

const isWorker = (entry: { command: string }) => entry.command.startsWith('mediasoup-work');
const total = (values: Array<number | null>) => values.reduce<number>((sum, value) => sum + (value ?? 0), 0);

/**
 * CPU and memory of local server processes: `control` are the server's own Node processes; their
 * mediasoup descendants are its workers, any other descendants (caption worker, ffmpeg) the rest.
 */
export async function processReading(control: number[], objects: Record<string, number>): Promise<TargetReading> {
  const below = (await Promise.all(control.map(descendants))).flat().filter((entry) => !control.includes(entry.pid));
  const workers = below.filter(isWorker).map((entry) => entry.pid);
  const others = below.filter((entry) => !isWorker(entry)).map((entry) => entry.pid);
  const workerCpu = await Promise.all(workers.map(cpuSecondsOf));
  return {
    workerCpuSeconds: total(workerCpu),
    perWorkerCpuSeconds: workerCpu.map((value) => value ?? 0),
    workerRssBytes: total(await Promise.all(workers.map(rssBytesOf))),
    otherCpuSeconds: total(await Promise.all(others.map(cpuSecondsOf))),
    otherRssBytes: total(await Promise.all(others.map(rssBytesOf))),
    controlCpuSeconds: total(await Promise.all(control.map(cpuSecondsOf))),
    controlRssBytes: total(await Promise.all(control.map(rssBytesOf))),
    controlFds: total(await Promise.all(control.map(fdCountOf))),
    objects,
  };
}

const SFU_OBJECT_TYPES = ['rooms', 'peers', 'transports', 'producers', 'consumers', 'pipes'];

/** The mediasoup object counts a ClassBridge server's /metrics shows, and the metrics text. */
export async function classbridgeObjects(rest: RestClient): Promise<{ objects: Record<string, number>; metrics: string }> {
  const metrics = String((await rest.api('GET', '/metrics')).body);
  const objects: Record<string, number> = {};
  for (const type of SFU_OBJECT_TYPES) objects[type] = parseMetric(metrics, `classbridge_sfu_objects{type="${type}"}`);
  return { objects, metrics };
}

/** Starts the plan's lessons over REST; `hint` says what to do when one is missing. */
export async function startLessons(rest: RestClient, plan: ScenarioPlan, hint = ''): Promise<void> {
  for (const { index } of plan.lessons) {
    const answer = await rest.api('POST', `/api/lessons/${lessonIdOf(index)}/start`);
    if (answer.status !== 200) throw new Error(`could not start ${lessonIdOf(index)}: ${answer.status} ${JSON.stringify(answer.body)}${hint}`);
  }
}

/** The plan's directory in a temporary file, for a server's SEED_FILE. */
export async function writeSeedFile(plan: ScenarioPlan): Promise<{ seedFile: string; remove(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-load-seed-'));
  const seedFile = path.join(dir, 'directory.json');
  await fs.writeFile(seedFile, JSON.stringify(loadDirectory(plan, new Date())));
  return { seedFile, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** A ClassBridge server this run starts on loopback, seeded with the plan's directory. */
export async function startLocalClassBridge(workers: number, plan: ScenarioPlan, extraEnv: Record<string, string> = {}): Promise<LoadTarget> {
  const seed = await writeSeedFile(plan);
  const server = await startServerProcess({ ...LOAD_SERVER_ENV, SFU_WORKERS: String(workers), SEED_FILE: seed.seedFile, ...extraEnv }, { gcPreload: false, readyTimeoutMs: 60_000 });
  return {
    kind: 'classbridge',
    url: server.url,
    workers,
    prepare: (p) => startLessons(server, p),
    tokenFor: (bot) => server.mintToken(lessonIdOf(bot.lesson), tokenRequestOf(bot)),
    async read() {
      return processReading([server.pid], (await classbridgeObjects(server)).objects);
    },
    async stop() {
      await server.stop();
      await seed.remove();
    },
  };
}

/**
 * A ClassBridge server elsewhere (--url, --admin-key): its directory must have the
 * lessons the plan needs (`load-lesson-N` with `load-lN-cK` classrooms, as the
 * local target seeds); CPU comes from its /metrics.
 */
export async function remoteClassBridge(url: string, adminKey: string, workers: number): Promise<LoadTarget> {
  const rest = restClient(url, adminKey);
  const health = await rest.api('GET', '/healthz');
  if (health.status !== 200) throw new Error(`${url}/healthz answered ${health.status}`);
  return {
    kind: 'classbridge',
    url,
    workers,
    prepare: (plan) => startLessons(rest, plan, ` (${url}: start that server with SEED_FILE set to what \`npm run load -- --print-directory\` prints)`),
    tokenFor: (bot) => rest.mintToken(lessonIdOf(bot.lesson), tokenRequestOf(bot)),
    async read() {
      const { objects, metrics } = await classbridgeObjects(rest);
      const value = (query: string) => {
        try {
          return parseMetric(metrics, query);
        } catch {
          return null;
        }
      };
      return {
        workerCpuSeconds: value('classbridge_sfu_worker_cpu_seconds') ?? 0,
        perWorkerCpuSeconds: [],
        otherCpuSeconds: null,
        otherRssBytes: null,
        workerRssBytes: null,
        controlCpuSeconds: value('classbridge_process_cpu_seconds_total'),
        controlRssBytes: value('classbridge_process_resident_memory_bytes'),
        controlFds: value('classbridge_process_open_fds'),
        objects,
      };
    },
    stop: async () => undefined,
  };
}

/** Bare mediasoup (the yardstick), started on loopback as a process of its own. */
export async function startRawMediasoup(workers: number): Promise<LoadTarget> {
  const server = await startServerProcess({ SFU_WORKERS: String(workers) }, { gcPreload: false, mainPath: rawMainPath });
  return {
    kind: 'raw-mediasoup',
    url: server.url,
    workers,
    prepare: async () => undefined,
    tokenFor: async (bot) => `${lessonIdOf(bot.lesson)}:${bot.id}`,
    async read() {
      const stats = (await server.api('GET', '/stats')).body as Record<string, number>;
      const { workerPids: _pids, ...objects } = stats;
      return processReading([server.pid], objects);
    },
    stop: () => server.stop(),
  };
}
