/**
 * Impairment relay from the command line: forwards UDP (or, with --tcp, TCP) from a
 * loopback port to a loopback target with loss, delay, jitter, a rate cap and
 * outages, and prints its counters as one JSON object on stdout when stopped
 * (SIGINT, SIGTERM, or after --duration). A JSON line on stderr says where it listens.
 *
 *   node load-tests/dist/impairmentRelayMain.js --listen 3479 --target 127.0.0.1:3478 --loss 0.05 --jitter 60
 *   node load-tests/dist/impairmentRelayMain.js --target 127.0.0.1:3478 --up '{"rateKbps":512}' --down '{"delayMs":80}'
 *
 * Flags --loss/--burst/--delay/--jitter/--normal/--reorder/--rate/--queue describe one
 * direction's conditions and apply to --direction (default both); --up and --down
 * take LinkConditions as JSON and override them field by field.
 */
import { parseArgs } from 'node:util';
import { ImpairmentRelay } from './impairment/ImpairmentRelay.js';
import { ImpairmentTcpProxy } from './impairment/ImpairmentTcpProxy.js';
import type { LinkConditions } from './impairment/conditions.js';
import type { StreamConditions } from './impairment/StreamLink.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    listen: { type: 'string', default: '0' },
    'listen-host': { type: 'string', default: '127.0.0.1' },
    allow: { type: 'string', multiple: true, default: [] },
    tcp: { type: 'boolean', default: false },
    direction: { type: 'string', default: 'both' },
    loss: { type: 'string' },
    burst: { type: 'string' },
    delay: { type: 'string' },
    jitter: { type: 'string' },
    normal: { type: 'boolean', default: false },
    reorder: { type: 'boolean', default: false },
    rate: { type: 'string' },
    queue: { type: 'string' },
    up: { type: 'string' },
    down: { type: 'string' },
    seed: { type: 'string', default: '1' },
    duration: { type: 'string' },
    'stats-every': { type: 'string' },
  },
});

function numberFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${text}`);
  return value;
}

function jsonFlag(name: string, text: string | undefined): LinkConditions {
  if (text === undefined) return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`--${name} must be a JSON object of conditions`);
  return value as LinkConditions;
}

if (!values.target) throw new Error('--target HOST:PORT is required (loopback, or an address given with --allow)');
if (!['up', 'down', 'both'].includes(values.direction)) throw new Error('--direction must be up, down or both');

const loss = numberFlag('loss', values.loss);
const burst = numberFlag('burst', values.burst);
const flagged: LinkConditions = Object.fromEntries(
  Object.entries({
    loss: burst === undefined ? loss : undefined,
    burstLoss: burst === undefined ? undefined : { meanLoss: loss ?? 0, meanBurstLength: burst },
    delayMs: numberFlag('delay', values.delay),
    jitterMs: numberFlag('jitter', values.jitter),
    jitterDistribution: values.normal ? 'normal' : undefined,
    keepOrder: values.reorder ? false : undefined,
    rateKbps: numberFlag('rate', values.rate),
    queueBytes: numberFlag('queue', values.queue),
  }).filter(([, v]) => v !== undefined),
);
const applies = (direction: 'up' | 'down') => values.direction === 'both' || values.direction === direction;
const up = { ...(applies('up') ? flagged : {}), ...jsonFlag('up', values.up) };
const down = { ...(applies('down') ? flagged : {}), ...jsonFlag('down', values.down) };

const common = {
  target: values.target,
  listenPort: numberFlag('listen', values.listen),
  listenHost: values['listen-host'],
  allowNamespaceTargets: values.allow,
  seed: numberFlag('seed', values.seed),
};
// A TCP stream has no loss or queue of its own; the proxy refuses those fields.
const relay = values.tcp
  ? new ImpairmentTcpProxy({ ...common, up: up as StreamConditions, down: down as StreamConditions })
  : new ImpairmentRelay({ ...common, up, down });
const address = await relay.start();
process.stderr.write(`${JSON.stringify({ listening: address, target: relay.target, protocol: values.tcp ? 'tcp' : 'udp', conditions: relay.conditions() })}\n`);

const statsEvery = numberFlag('stats-every', values['stats-every']);
const ticker = statsEvery ? setInterval(() => process.stderr.write(`${JSON.stringify(relay.stats())}\n`), statsEvery) : null;

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (ticker) clearInterval(ticker);
  const stats = relay.stats();
  await relay.close();
  process.stdout.write(`${JSON.stringify({ protocol: values.tcp ? 'tcp' : 'udp', listening: address, target: relay.target, conditions: relay.conditions(), stats })}\n`);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
const durationMs = numberFlag('duration', values.duration);
if (durationMs !== undefined) setTimeout(() => void stop(), durationMs);
