/**
 * The load tester: bots that speak ClassBridge's public protocol with real tokens and
 * real WebRTC (werift through msc-node), against a ClassBridge server and, in the same
 * run, against bare mediasoup for the overhead ratio. Writes a JSON and an HTML report.
 *
 *   npm run load -- --scenario classroom --classrooms 50 --seconds 30
 *   npm run load -- --help
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultFfmpegPath } from './media/analyzeMedia.js';
import { summarizeRun } from './load/capacity.js';
import { loadDirectory } from './load/loadDirectory.js';
import { loadMedia } from './load/media/loadMedia.js';
import { renderRunReport } from './load/report.js';
import type { LoadRunResult } from './load/report.js';
import { machineDescription, runAgainst } from './load/runLoad.js';
import type { TargetRun } from './load/runLoad.js';
import { MAX_FLOOR_SPEAKERS, expectedStreams, planScenario, scenarioDescriptions, scenarioNames } from './load/scenarios.js';
import type { ScenarioName } from './load/scenarios.js';
import { remoteClassBridge, startLocalClassBridge, startRawMediasoup } from './load/targets.js';
import { startLocalCluster } from './load/clusterTarget.js';
import type { LoadTarget } from './load/targets.js';
import { ProgressLine } from './load/ProgressLine.js';

const HELP = `npm run load -- --scenario NAME [options]

Scenarios:
${scenarioNames.map((name) => `  ${name.padEnd(11)} ${scenarioDescriptions[name]}`).join('\n')}

Options (defaults in brackets):
  --classrooms K     remote classrooms per lesson (classroom, district) [8]
  --listeners N      receive-only listeners (livestream, audio-only) [20]
  --speakers S       speakers (audio-only; at most ${MAX_FLOOR_SPEAKERS + 1}) [10]
  --participants N   meeting size [6]
  --lessons L        concurrent lessons (district) [4]
  --simulcast on|off cameras in three simulcast layers [on]
  --seconds S        measured seconds per step [20]
  --steps K          join the bots in K equal steps, each measured (figures against N) [1]
  --ramp R           joins per second [10]
  --workers W        mediasoup workers of the servers this run starts [1]
  --bot-processes P  processes the bots are spread over [the machine's cores]
  --raw on|off       also run the same bots against bare mediasoup (overhead ratio) [on]
  --churn C          leave-and-rejoin operations per minute while measuring (soak) [0]
  --cluster N        run ClassBridge as a cluster on loopback instead: Redis, N SFU nodes (one worker
                     each), two signaling nodes behind a balancer [0: one process]
  --url URL          a running ClassBridge server instead of one started here (needs --admin-key;
                     its directory must hold the load lessons: see --print-directory)
  --admin-key KEY    that server's ADMIN_API_KEY
  --server-env K=V   configuration for the server this run starts (repeatable), e.g. ECHO_GUARD=off
  --print-directory  print the directory JSON the run's lessons need, and exit
  --out DIR          where the JSON and HTML reports go [load-tests/reports]
  --name NAME        report file name (without extension) [load-<scenario>-<time>]
  --max-minutes M    hard stop for the whole run [15, or the soak's length + 10]
  --quiet            no progress line`;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    classrooms: { type: 'string', default: '8' },
    listeners: { type: 'string', default: '20' },
    speakers: { type: 'string', default: '10' },
    participants: { type: 'string', default: '6' },
    lessons: { type: 'string', default: '4' },
    simulcast: { type: 'string', default: 'on' },
    seconds: { type: 'string', default: '20' },
    steps: { type: 'string', default: '1' },
    ramp: { type: 'string', default: '10' },
    workers: { type: 'string', default: '1' },
    'bot-processes': { type: 'string', default: String(os.availableParallelism()) },
    raw: { type: 'string', default: 'on' },
    churn: { type: 'string', default: '0' },
    url: { type: 'string' },
    cluster: { type: 'string', default: '0' },
    'admin-key': { type: 'string' },
    'server-env': { type: 'string', multiple: true, default: [] },
    'print-directory': { type: 'boolean', default: false },
    out: { type: 'string' },
    name: { type: 'string' },
    'max-minutes': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

function fail(message: string): never {
  process.stderr.write(`load: ${message}\n\n${HELP}\n`);
  process.exit(2);
}
function integer(name: keyof typeof values, min: number, max: number): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}
function onOff(name: 'simulcast' | 'raw'): boolean {
  if (values[name] !== 'on' && values[name] !== 'off') fail(`--${name} is on or off`);
  return values[name] === 'on';
}

const scenario = values.scenario as ScenarioName;
if (!scenarioNames.includes(scenario)) fail(`--scenario is one of ${scenarioNames.join(', ')}`);
const plan = planScenario(scenario, {
  classrooms: integer('classrooms', 1, 64),
  listeners: integer('listeners', 1, 2000),
  speakers: integer('speakers', 1, MAX_FLOOR_SPEAKERS + 1),
  participants: integer('participants', 2, 100),
  lessons: integer('lessons', 1, 500),
  simulcast: onOff('simulcast'),
});
if (values['print-directory']) {
  process.stdout.write(`${JSON.stringify(loadDirectory(plan, new Date()), null, 2)}\n`);
  process.exit(0);
}
const seconds = integer('seconds', 1, 24 * 3600);
const steps = integer('steps', 1, 50);
const ramp = integer('ramp', 1, 200);
const workers = integer('workers', 1, 64);
const churn = integer('churn', 0, 600);
const botProcesses = integer('bot-processes', 1, 64);
const clusterNodes = integer('cluster', 0, 8);
if (clusterNodes > 0 && values.url) fail('--cluster starts a cluster here; --url targets one elsewhere: one or the other');
const compareRaw = onOff('raw');
if (values.url && !values['admin-key']) fail('--url needs --admin-key');
const serverEnv: Record<string, string> = {};
for (const pair of values['server-env'] ?? []) {
  const match = /^([A-Z][A-Z0-9_]{0,63})=(.{0,500})$/.exec(pair);
  if (!match) fail(`--server-env takes NAME=value (got ${JSON.stringify(pair)})`);
  serverEnv[match[1]!] = match[2]!;
}
if (values.url && Object.keys(serverEnv).length) fail('--server-env configures a server this run starts, not one at --url');
if (values.url && !/^https?:\/\//.test(values.url)) fail('--url is an http(s) URL');

const wanted = expectedStreams(plan);
const perTargetSeconds = steps * (seconds + 3) + wanted.bots / ramp + 30;
const maxMinutes = values['max-minutes'] ? integer('max-minutes', 1, 24 * 60) : Math.ceil(((compareRaw ? 2 : 1) * perTargetSeconds) / 60) + 10;
// However a run goes, it ends: a wedged server or bot cannot hold the machine.
setTimeout(() => {
  process.stderr.write(`\nload: stopped after the ${maxMinutes}-minute limit\n`);
  process.exit(3);
}, maxMinutes * 60_000).unref();

const progress = new ProgressLine(values.quiet ? null : process.stderr);
const reportsDir = values.out ?? fileURLToPath(new URL('../reports/', import.meta.url));
const name = values.name ?? `load-${scenario}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`;
if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) fail('--name is 1-100 letters, digits, ".", "_" or "-"');

progress.say(`${scenario}: ${wanted.bots} bots, ${wanted.publishers} publishing; ${wanted.video} video and ${wanted.audio} audio streams to forward`);
// Encoded here once (the bot processes find it cached).
await loadMedia({ ffmpegPath: defaultFfmpegPath, progress: (line) => progress.say(line) });
const startedAt = new Date().toISOString();
const runs: TargetRun[] = [];
const runOptions = { plan, botProcesses, seconds, rampPerSecond: ramp, steps, settleSeconds: 3, churnPerMinute: churn, sampleSeconds: Math.min(5, Math.max(1, seconds / 10)), progress: (line: string) => progress.update(line) };

const targets: Array<() => Promise<LoadTarget>> = [];
if (compareRaw) targets.push(() => startRawMediasoup(clusterNodes || workers));
targets.push(() =>
  values.url ? remoteClassBridge(values.url, values['admin-key']!, workers) : clusterNodes > 0 ? startLocalCluster(clusterNodes, plan, serverEnv) : startLocalClassBridge(workers, plan, serverEnv),
);
for (const start of targets) {
  const target = await start();
  try {
    runs.push(await runAgainst(target, runOptions));
  } finally {
    await target.stop();
  }
  progress.say(`${target.kind}: done`);
}

const result: LoadRunResult = {
  report: 'classbridge-load',
  scenario,
  description: plan.description,
  params: { ...plan.params, seconds, steps, ramp, workers: clusterNodes || workers, botProcesses, churn, target: values.url ?? (clusterNodes > 0 ? `loopback cluster of ${clusterNodes} SFU nodes` : 'local'), serverEnv },
  expected: wanted,
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: machineDescription(),
  bots: { stack: `msc-node 0.0.21 (mediasoup-client on werift 0.24.4) in ${botProcesses} process(es) on this machine`, congestionControl: 'none negotiated (no TWCC/REMB): the SFU forwards the layer asked for' },
  summary: summarizeRun(runs),
  runs,
};
await fs.mkdir(reportsDir, { recursive: true });
const jsonPath = path.join(reportsDir, `${name}.json`);
await fs.writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
await fs.writeFile(path.join(reportsDir, `${name}.html`), renderRunReport(result));
process.stdout.write(`${JSON.stringify({ report: jsonPath, summary: result.summary }, null, 2)}\n`);
process.exit(runs.some((run) => run.steps.length === 0) ? 1 : 0);
