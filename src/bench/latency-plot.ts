/**
 * `--plot FILE.svg`: latency percentiles (p50, p90, p95, p99) against throughput, one
 * point per step — the curve perf_analyzer users draw by hand from its CSV. Plain SVG
 * text, no dependencies.
 */
import type { StepReport } from './bench-types.js';

const WIDTH = 720;
const HEIGHT = 440;
const MARGIN = { left: 70, right: 130, top: 40, bottom: 56 };
const SERIES = [
  { key: 'p50Us', label: 'p50', color: '#1b9e77' },
  { key: 'p90Us', label: 'p90', color: '#7570b3' },
  { key: 'p95Us', label: 'p95', color: '#d95f02' },
  { key: 'p99Us', label: 'p99', color: '#e7298a' },
] as const;

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Round-number tick values covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9 && ticks.length < 50; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(3))));

export function renderLatencyPlot(steps: readonly StepReport[], title: string): string {
  const points = [...steps].sort((a, b) => a.inferPerSec - b.inferPerSec);
  const xTicks = niceTicks(Math.max(1, ...points.map((s) => s.inferPerSec)));
  const yTicks = niceTicks(Math.max(0.001, ...points.map((s) => s.latency.p99Us / 1000)));
  const xMax = xTicks[xTicks.length - 1]!;
  const yMax = yTicks[yTicks.length - 1]!;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => (MARGIN.left + (v / xMax) * plotW).toFixed(1);
  const y = (v: number) => (MARGIN.top + plotH - (v / yMax) * plotH).toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (const t of xTicks) {
    parts.push(`<line x1="${x(t)}" y1="${MARGIN.top}" x2="${x(t)}" y2="${MARGIN.top + plotH}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${x(t)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" y1="${y(t)}" x2="${MARGIN.left + plotW}" y2="${y(t)}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y(t)}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">throughput (infer/s)</text>`);
  parts.push(`<text x="18" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">latency (ms)</text>`);

  SERIES.forEach((series, index) => {
    const coords = points.map((s) => `${x(s.inferPerSec)},${y(s.latency[series.key] / 1000)}`);
    if (coords.length > 1) parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${coords.join(' ')}"/>`);
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${series.color}"/>`);
    }
    const ly = MARGIN.top + 14 + index * 20;
    parts.push(`<line x1="${WIDTH - MARGIN.right + 16}" y1="${ly}" x2="${WIDTH - MARGIN.right + 40}" y2="${ly}" stroke="${series.color}" stroke-width="2"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right + 46}" y="${ly}" dominant-baseline="middle">${series.label}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
