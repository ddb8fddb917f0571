import type { RunSummary } from './capacity.js';
import type { TargetRun } from './runLoad.js';
import { DELAY_P95_LIMIT_MS, LOSS_LIMIT_PCT } from './runLoad.js';
import { escapeHtml as escape, lineChart } from './svgChart.js';
import type { Series } from './svgChart.js';

/** The JSON a load run writes (and the HTML report is drawn from). */
export interface LoadRunResult {
  report: 'classbridge-load';
  scenario: string;
  description: string;
  params: Record<string, unknown>;
  expected: { audio: number; video: number; bots: number; publishers: number };
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; kernel: string };
  bots: Record<string, string>;
  summary: RunSummary;
  runs: TargetRun[];
}

const targetName = (kind: TargetRun['target']) => (kind === 'classbridge' ? 'ClassBridge' : '原生 mediasoup raw mediasoup');
const show = (v: unknown) => (v === null || v === undefined ? '–' : escape(String(v)));

export const REPORT_STYLE = `body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:24px;color:#1f2328;max-width:1000px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;font-size:13px;text-align:right}
th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{margin:0}figcaption{font-size:13px;font-weight:600}
.grid{stroke:#eaeef2}.limit{stroke:#d1242f;stroke-dasharray:4 3}.tick,.axis,.legend{font-size:11px;fill:#57606a}.legend{font-size:12px}.note{color:#57606a;font-size:13px}.bad{color:#d1242f}.ok{color:#1a7f37}`;

/** The run's HTML report: summary, per-step table, charts against N and over time. Chinese first, English after. */
export function renderRunReport(result: LoadRunResult): string {
  const byBots = (pick: (step: TargetRun['steps'][number]) => number | null): Series[] =>
    result.runs.map((run) => ({ name: targetName(run.target), points: run.steps.map((step) => [step.bots, pick(step)] as [number, number | null]) }));
  const overTime = (pick: (sample: TargetRun['timeline'][number]) => number | null): Series[] =>
    result.runs.map((run) => ({ name: targetName(run.target), points: run.timeline.map((sample) => [sample.atSeconds, pick(sample)] as [number, number | null]) }));
  const perCore = result.runs.flatMap((run) =>
    (run.steps[0]?.perCoreBusy ?? []).map((_, core) => ({ name: `${run.target === 'classbridge' ? 'CB' : 'raw'} core ${core}`, points: run.steps.map((step) => [step.bots, (step.perCoreBusy[core] ?? 0) * 100] as [number, number | null]) })),
  );
  const charts = [
    lineChart('每秒转发包数 Packets forwarded per second', '机器人 bots', 'packets/s', byBots((s) => s.packetsPerSecond)),
    lineChart('SFU 进程 CPU（核）SFU worker CPU (cores)', '机器人 bots', 'cores', byBots((s) => s.workerCpuCores)),
    lineChart('每个转发包的 CPU（微秒）CPU per forwarded packet (µs)', '机器人 bots', 'µs', byBots((s) => s.workerUsPerPacket)),
    lineChart('信令/控制进程 CPU（核）Signaling CPU (cores)', '机器人 bots', 'cores', byBots((s) => s.controlCpuCores)),
    lineChart('其他服务进程 CPU（核）Other server processes (cores)', '机器人 bots', 'cores', byBots((s) => s.otherCpuCores)),
    lineChart('丢包率 Loss (%)', '机器人 bots', '%', byBots((s) => s.lossPct), { limit: { y: LOSS_LIMIT_PCT, label: `${LOSS_LIMIT_PCT} %` } }),
    lineChart('视频时延 p95 Video delay p95 (ms)', '机器人 bots', 'ms', byBots((s) => s.delayMs.video.p95), { limit: { y: DELAY_P95_LIMIT_MS, label: `${DELAY_P95_LIMIT_MS} ms` } }),
    lineChart('入会时间 p95 Join time p95 (ms)', '机器人 bots', 'ms', byBots((s) => s.joinMs.p95)),
    lineChart('每核繁忙度 Busy per core (%)', '机器人 bots', '%', perCore),
    lineChart('内存：控制进程 Control process memory (MiB)', '秒 seconds', 'MiB', overTime((s) => s.controlRssMiB)),
    lineChart('内存：SFU 进程 Worker memory (MiB)', '秒 seconds', 'MiB', overTime((s) => s.workerRssMiB)),
    lineChart('文件描述符 Open file descriptors', '秒 seconds', 'fds', overTime((s) => s.controlFds)),
    lineChart('随时间的转发包数 Packets/s over time', '秒 seconds', 'packets/s', overTime((s) => s.packetsPerSecond)),
  ].join('');
  const capacityRows = result.summary.targets
    .map(
      (c) =>
        `<tr><td>${targetName(c.target)}</td><td>${show(c.workerUsPerPacket)}</td><td>${show(c.packetsPerSecondPerWorker)}</td><td>${show(c.videoStreamsPerWorker)}</td><td>${show(c.basisBots)}</td><td>${c.saturatedAtBots === null ? '未达到 not reached' : `${c.saturatedAtBots} (${escape(c.saturatedBy.join('; '))})`}</td><td>${c.extrapolated ? '是 yes' : '否 no'}</td></tr>`,
    )
    .join('');
  const stepRows = result.runs
    .flatMap((run) =>
      run.steps.map(
        (s) =>
          `<tr><td>${targetName(run.target)}</td><td>${s.bots}</td><td>${s.receivingStreams.video}/${s.expectedStreams.video}</td><td>${s.receivingStreams.audio}/${s.expectedStreams.audio}</td><td>${s.packetsPerSecond}</td><td>${s.mbitPerSecond}</td><td class="${s.lossPct > LOSS_LIMIT_PCT ? 'bad' : ''}">${s.lossPct}</td><td>${show(s.delayMs.audio.p95)}</td><td>${show(s.delayMs.video.p95)}</td><td>${s.workerCpuCores}</td><td>${show(s.workerUsPerPacket)}</td><td>${show(s.controlCpuCores)}</td><td>${show(s.otherCpuCores)}</td><td>${s.botCpuCores}</td><td>${Math.round(s.machineBusy * 100)}${s.botsLimited ? ' ⚠' : ''}</td><td>${show(s.udpReceiveBufferDrops)}</td><td>${show(s.joinMs.p95)}</td><td>${s.failures}</td></tr>`,
      ),
    )
    .join('');
  const leftovers = result.runs.map((run) => `<tr><td>${targetName(run.target)}</td><td>${escape(JSON.stringify(run.objectsAfterLeave))}</td><td>${run.churned}</td><td>${run.failures.length}</td></tr>`).join('');
  const ratio = result.summary.overheadRatio;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>负载测试 Load test: ${escape(result.scenario)}</title><style>${REPORT_STYLE}</style></head><body>
<h1>负载测试报告 Load test report — ${escape(result.scenario)}</h1>
<p>${escape(result.description)}</p>
<p class="note">${escape(result.startedAt)} → ${escape(result.finishedAt)} · ${result.machine.cpus} 核 cores (${escape(result.machine.model)}), ${result.machine.memoryGiB} GiB, Node ${escape(result.machine.node)} · 参数 parameters: ${escape(JSON.stringify(result.params))}</p>
<p class="note">机器人 Bots: ${escape(Object.values(result.bots).join('; '))}. 机器人与服务器在同一台机器上：⚠ 表示机器人所在机器已饱和，服务器容量由每包成本推算。Bots share the machine with the server: ⚠ marks steps where the bots' side was saturated; the server's capacity is then extrapolated from its cost per packet.</p>
<h2>容量 Capacity</h2>
<p>相对原生 mediasoup 的开销 Overhead against raw mediasoup (worker CPU per forwarded packet): <strong class="${ratio !== null && ratio <= 1.05 ? 'ok' : 'bad'}">${ratio === null ? '–' : `${ratio}×`}</strong> (目标 target ≤ 1.05×; 每步 per step: ${escape(result.summary.overheadRatioPerStep.join(', ') || '–')})</p>
<table><tr><th>服务器 Server</th><th>µs/包 µs/packet</th><th>每 worker 包/秒 packets/s per worker</th><th>每 worker 视频订阅流 video streams per worker</th><th>依据（机器人数）basis (bots)</th><th>饱和于 saturated at</th><th>推算 extrapolated</th></tr>${capacityRows}</table>
<p class="note">一个 mediasoup worker 是单线程的：每 worker 容量即每核容量。A mediasoup worker is one thread: capacity per worker is capacity per core. 饱和 Saturation: loss &gt; ${LOSS_LIMIT_PCT} % or delay p95 &gt; ${DELAY_P95_LIMIT_MS} ms.</p>
<h2>各步骤 Steps</h2>
<table><tr><th>服务器 Server</th><th>机器人 bots</th><th>视频流 video</th><th>音频流 audio</th><th>包/秒 pkt/s</th><th>Mbit/s</th><th>丢包 loss %</th><th>音频时延 p95 audio ms</th><th>视频时延 p95 video ms</th><th>SFU 核 cores</th><th>µs/包</th><th>信令核 signaling cores</th><th>其他进程核 other cores</th><th>机器人核 bot cores</th><th>机器繁忙 machine %</th><th>UDP 缓冲区丢弃 UDP buffer drops</th><th>入会 p95 join ms</th><th>失败 failures</th></tr>${stepRows}</table>
<h2>图表 Charts</h2><div class="charts">${charts}</div>
<h2>离开之后 After everyone left</h2>
<table><tr><th>服务器 Server</th><th>剩余 mediasoup 对象 mediasoup objects left</th><th>轮换次数 churned</th><th>失败 failures</th></tr>${leftovers}</table>
${result.runs.some((run) => run.failures.length) ? `<h2>失败 Failures</h2><ul>${result.runs.flatMap((run) => run.failures.slice(0, 20).map((f) => `<li>${targetName(run.target)} ${escape(f.bot)}: ${escape(f.reason)}</li>`)).join('')}</ul>` : ''}
</body></html>
`;
}
