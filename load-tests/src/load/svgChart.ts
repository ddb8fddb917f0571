/** A series of (x, y) points with a legend name. */
export interface Series {
  name: string;
  points: Array<[number, number | null]>;
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df'];
const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A small line chart as inline SVG: no scripts, no external assets, prints as is. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], options: { limit?: { y: number; label: string } } = {}): string {
  const width = 460;
  const height = 220 + 14 * series.length;
  // One legend line per series above the plot, so long names never overlap.
  const pad = { left: 56, right: 12, top: 12 + 14 * series.length, bottom: 40 };
  const points = series.flatMap((s) => s.points.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1])));
  if (points.length === 0) return `<figure class="chart"><figcaption>${escape(title)}</figcaption><p class="empty">无数据 No data</p></figure>`;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  if (options.limit) ys.push(options.limit.y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs) === xMin ? xMin + 1 : Math.max(...xs);
  const yMax = niceCeil(Math.max(...ys, 0) * 1.1 || 1);
  const x = (v: number) => pad.left + ((v - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / yMax) * (height - pad.top - pad.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(f * yMax)}" y2="${y(f * yMax)}" class="grid"/><text x="${pad.left - 6}" y="${y(f * yMax) + 4}" class="tick" text-anchor="end">${format(f * yMax)}</text>`)
    .join('');
  const xTicks = [...new Set([xMin, (xMin + xMax) / 2, xMax])].map((v) => `<text x="${x(v)}" y="${height - pad.bottom + 16}" class="tick" text-anchor="middle">${format(v)}</text>`).join('');
  const lines = series
    .map((s, i) => {
      const valid = s.points.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1]));
      const color = COLORS[i % COLORS.length];
      const path = valid.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
      const dots = valid.map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${color}"><title>${escape(s.name)}: ${format(p[1])} @ ${format(p[0])}</title></circle>`).join('');
      return `<path d="${path}" stroke="${color}" fill="none" stroke-width="2"/>${dots}<text x="${pad.left + 8}" y="${14 + 14 * i}" fill="${color}" class="legend">■ ${escape(s.name)}</text>`;
    })
    .join('');
  const limit = options.limit
    ? `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(options.limit.y)}" y2="${y(options.limit.y)}" class="limit"/><text x="${width - pad.right}" y="${y(options.limit.y) - 4}" class="tick" text-anchor="end">${escape(options.limit.label)}</text>`
    : '';
  return `<figure class="chart"><figcaption>${escape(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}">${grid}${limit}${lines}${xTicks}<text x="${(pad.left + width - pad.right) / 2}" y="${height - 6}" class="axis" text-anchor="middle">${escape(xLabel)}</text><text x="12" y="${(height - pad.bottom + pad.top) / 2}" class="axis" text-anchor="middle" transform="rotate(-90 12 ${(height - pad.bottom + pad.top) / 2})">${escape(yLabel)}</text></svg></figure>`;
}

function niceCeil(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= v) return step * magnitude;
  return 10 * magnitude;
}

function format(v: number): string {
  if (Math.abs(v) >= 1000) return `${Math.round(v / 100) / 10}k`;
  if (Math.abs(v) >= 10) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}

export { escape as escapeHtml };
