import { summarizeRun } from './capacity.js';
import type { TargetCapacity } from './capacity.js';
import type { LoadRunResult } from './report.js';
import { REPORT_STYLE } from './report.js';
import { soakVerdict } from './soak.js';
import type { SoakVerdict } from './soak.js';
import { escapeHtml as escape } from './svgChart.js';

/** Soak runs are churned runs of at least this long. */
export const SOAK_MIN_SECONDS = 25 * 60;

export interface ScenarioCapacity {
  scenario: string;
  file: string;
  description: string;
  params: Record<string, unknown>;
  bots: number;
  /** Media workers of the ClassBridge server (a cluster: its SFU nodes' workers). */
  workers: number;
  classbridge: TargetCapacity | null;
  raw: TargetCapacity | null;
  overheadRatio: number | null;
  overheadRatioPerStep: number[];
  /** The largest step's figures for ClassBridge (what a district would see at that size). */
  largestStep: { bots: number; lossPct: number; videoDelayP95Ms: number | null; joinP95Ms: number | null; workerCpuCores: number; perWorkerCpuCores: number[]; botsLimited: boolean } | null;
}

export interface CapacityReport {
  report: 'classbridge-capacity';
  generatedAt: string;
  machine: LoadRunResult['machine'] | null;
  scenarios: ScenarioCapacity[];
  soak: Array<SoakVerdict & { file: string; target: string }>;
}

/** The capacity report: one line per scenario run, the soak's verdict; from the runs' JSON files. */
export function capacityReport(results: Array<{ file: string; result: LoadRunResult }>, now: Date): CapacityReport {
  const scenarios: ScenarioCapacity[] = [];
  const soak: CapacityReport['soak'] = [];
  for (const { file, result } of results) {
    const seconds = Number(result.params['seconds'] ?? 0);
    if (Number(result.params['churn'] ?? 0) > 0 && seconds >= SOAK_MIN_SECONDS) {
      for (const run of result.runs) soak.push({ file, target: run.target, ...soakVerdict(run) });
      continue;
    }
    const summary = summarizeRun(result.runs);
    const classbridgeRun = result.runs.find((run) => run.target === 'classbridge');
    const largest = classbridgeRun?.steps.at(-1);
    scenarios.push({
      scenario: result.scenario,
      file,
      description: result.description,
      params: result.params,
      bots: result.expected.bots,
      workers: classbridgeRun?.workers ?? Number(result.params['workers'] ?? 1),
      classbridge: summary.targets.find((target) => target.target === 'classbridge') ?? null,
      raw: summary.targets.find((target) => target.target === 'raw-mediasoup') ?? null,
      overheadRatio: summary.overheadRatio,
      overheadRatioPerStep: summary.overheadRatioPerStep,
      largestStep: largest
        ? {
            bots: largest.bots,
            lossPct: largest.lossPct,
            videoDelayP95Ms: largest.delayMs.video.p95,
            joinP95Ms: largest.joinMs.p95,
            workerCpuCores: largest.workerCpuCores,
            perWorkerCpuCores: largest.perWorkerCpuCores,
            botsLimited: largest.botsLimited,
          }
        : null,
    });
  }
  return { report: 'classbridge-capacity', generatedAt: now.toISOString(), machine: results[0]?.result.machine ?? null, scenarios, soak };
}

const show = (v: unknown) => (v === null || v === undefined ? '–' : escape(String(v)));

export function renderCapacityReport(report: CapacityReport): string {
  const rows = report.scenarios
    .map((s) => {
      const cb = s.classbridge;
      const link = escape(s.file.replace(/\.json$/, '.html'));
      const stem = s.file.replace(/\.json$/, '');
      const setup = `${escape(String(s.params['target'] ?? 'local'))}, ${s.workers} worker(s)${s.params['simulcast'] === false ? ', simulcast off' : ''}`;
      return `<tr><td><a href="${link}">${escape(stem)}</a><br><span class="note">${escape(s.scenario)} · ${setup}</span></td><td>${s.bots}</td><td>${show(cb?.workerUsPerPacket)}</td><td>${show(s.raw?.workerUsPerPacket)}</td><td>${s.overheadRatio === null ? '–' : `${s.overheadRatio}×`}</td><td>${show(cb?.packetsPerSecondPerWorker)}</td><td>${show(cb?.videoStreamsPerWorker)}</td><td>${cb?.saturatedAtBots === null || cb?.saturatedAtBots === undefined ? '未达到 not reached' : `${cb.saturatedAtBots}: ${escape(cb.saturatedBy.join('; '))}`}</td><td>${s.largestStep ? `${s.largestStep.lossPct} % / ${show(s.largestStep.videoDelayP95Ms)} ms${s.largestStep.botsLimited ? ' ⚠' : ''}` : '–'}</td><td>${escape(s.largestStep?.perWorkerCpuCores.join(' / ') ?? '–')}</td><td>${cb?.extrapolated ? '是 yes' : '否 no'}</td></tr>`;
    })
    .join('');
  const soakRows = report.soak
    .map(
      (s) =>
        `<tr><td>${escape(s.target)}</td><td>${s.minutes}</td><td>${s.churned}</td><td>${show(s.controlRssMiB.first)} → ${show(s.controlRssMiB.last)} (${show(s.controlRssMiB.slopePerHour)}/h)</td><td>${show(s.workerRssMiB.first)} → ${show(s.workerRssMiB.last)} (${show(s.workerRssMiB.slopePerHour)}/h)</td><td>${show(s.controlFds.first)} → ${show(s.controlFds.last)} (max ${show(s.controlFds.max)})</td><td class="${s.leakedObjects ? 'bad' : 'ok'}">${escape(JSON.stringify(s.objectsAfterLeave))}</td><td>${s.failures}</td><td class="${s.growing || s.leakedObjects ? 'bad' : 'ok'}">${s.growing || s.leakedObjects ? '不稳定 not steady' : '平稳 steady'}</td></tr>`,
    )
    .join('');
  const machine = report.machine;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>容量报告 Capacity report</title><style>${REPORT_STYLE}</style></head><body>
<h1>ClassBridge 容量报告 Capacity report</h1>
<p class="note">${escape(report.generatedAt)} · ${machine ? `${machine.cpus} 核 cores (${escape(machine.model)}), ${machine.memoryGiB} GiB, Node ${escape(machine.node)}` : ''} · 机器人与服务器在同一台机器上 bots and server on the same machine</p>
<h2>各场景容量 Capacity per scenario</h2>
<table><tr><th>场景 scenario</th><th>机器人 bots</th><th>ClassBridge µs/包 µs/packet</th><th>原生 raw µs/packet</th><th>开销比 overhead</th><th>每 worker（每核）包/秒 packets/s per worker (core)</th><th>每 worker 视频订阅流 video streams per worker</th><th>饱和于 saturated at</th><th>最大一步 丢包/视频时延p95 largest step loss / delay p95</th><th>各 worker 核 cores per worker</th><th>推算 extrapolated</th></tr>${rows}</table>
<p class="note">每 worker 容量 = 1 核 ÷ 实测每包（每流）成本；worker 是单线程，所以也是每核容量。⚠：机器人所在机器已饱和。Capacity of one worker = one core ÷ the measured cost per packet (per stream); a worker is one thread, so this is also the capacity of one core. ⚠: the bots' side was saturated at that step. 开销比目标 ≤ 1.05× target.</p>
<h2>浸泡测试 Soak</h2>
${soakRows ? `<table><tr><th>服务器 server</th><th>分钟 minutes</th><th>轮换 churned</th><th>控制进程内存 control MiB</th><th>worker 内存 worker MiB</th><th>文件描述符 fds</th><th>离开后对象 objects after leave</th><th>失败 failures</th><th>结论 verdict</th></tr>${soakRows}</table>` : '<p>尚无浸泡测试 No soak run yet.</p>'}
</body></html>
`;
}
