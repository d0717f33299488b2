/**
 * The table printed at the end of a run: one line per step, latencies in milliseconds,
 * the server's own view (mean batch size, queue and compute time from the replies'
 * `timing`) beside the client's, and the server's CPU use when it was measured.
 */
import type { BenchReport, StepReport } from './bench-types.js';
import type { GpuStepFigures } from './gpu-telemetry.js';

const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 1);

function errorsText(step: StepReport): string {
  const entries = Object.entries(step.errorsByCode);
  return entries.length === 0 ? '0' : entries.map(([code, n]) => `${code}×${n}`).join(' ');
}

const percent = (value: number) => `${value.toFixed(0)}%`;

export function formatTable(report: BenchReport): string {
  const levelTitle = report.steps[0]?.mode === 'rate' ? 'rate/s' : 'conc';
  // Only with --server-pid (and /proc): without it the columns would be all dashes.
  const withServerCpu = report.steps.some((s) => s.serverCpu);
  const serverCpuTitles = withServerCpu ? ['server cpu', 'main thread'] : [];
  // Only with --collect-metrics; the JSON has each GPU's power and memory too.
  const withGpus = report.steps.some((s) => s.gpus);
  const gpuTitles = withGpus ? ['gpu util', 'gpu mem MiB'] : [];
  const header = [levelTitle, 'infer/s', 'req/s', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'max ms', 'batch', 'queue µs', 'compute µs', 'client cpu', ...serverCpuTitles, ...gpuTitles, 'stable', 'errors'];
  const rows = report.steps.map((s) => [
    String(s.level),
    s.inferPerSec.toFixed(0),
    s.requestsPerSec.toFixed(0),
    ms(s.latency.p50Us), ms(s.latency.p90Us), ms(s.latency.p95Us), ms(s.latency.p99Us), ms(s.latency.maxUs),
    s.server ? s.server.batchSize.toFixed(1) : '-',
    s.server ? s.server.queueUs.toFixed(0) : '-',
    s.server ? s.server.computeUs.toFixed(0) : '-',
    percent(s.clientCpuPercent),
    ...(withServerCpu ? [s.serverCpu ? percent(s.serverCpu.processPercent) : '-', s.serverCpu ? percent(s.serverCpu.mainThreadPercent) : '-'] : []),
    ...(withGpus ? gpuCells(s.gpus ?? []) : []),
    stability(s),
    errorsText(s),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]!))).join('  ');
  const title = `${report.model}${report.version ? ` v${report.version}` : ''} over ${report.protocol.toUpperCase()} at ${report.url}, ${report.batch} row(s) per request, ` +
    (report.measurementRequestCount === undefined
      ? `${report.measurementIntervalMs} ms windows`
      : `windows of ${report.measurementRequestCount} answers and at least ${report.measurementIntervalMs} ms`);
  const lines = [title, line(header), ...rows.map(line)];
  if (report.verify) {
    const v = report.verify;
    lines.push(`verify: ${v.checked} answers checked against onnxruntime in-process, ${v.mismatched} mismatched${v.details.length ? `\n  ${v.details.join('\n  ')}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** "yes", or why not: the windows kept moving, or the step ended early and why. */
function stability(step: StepReport): string {
  if (step.stable) return 'yes';
  if (step.interrupted) return `interrupted (${step.windows})`;
  if (step.connectionsLost) return `lost (${step.windows})`;
  return `no (${step.windows})`;
}

/**
 * Each GPU's mean utilisation and peak memory used, joined with "/" in GPU order
 * ("93%/12%"); dashes when the server published none.
 */
function gpuCells(gpus: readonly GpuStepFigures[]): [string, string] {
  if (gpus.length === 0) return ['-', '-'];
  const each = (value: (g: GpuStepFigures) => string) => gpus.map(value).join('/');
  return [
    each((g) => (g.utilizationPercent === undefined ? '-' : percent(g.utilizationPercent))),
    each((g) => (g.memoryUsedMaxMiB === undefined ? '-' : g.memoryUsedMaxMiB.toFixed(0))),
  ];
}
