/** Short descriptions of a report, shared by the CLI's outputs. */
import type { BenchReport, LoadMode } from './bench-types.js';

/** A load level in words: "concurrency 8", "500 requests/s". */
export function describeLoad(mode: LoadMode, level: number): string {
  return mode === 'concurrency' ? `concurrency ${level}` : `${level} requests/s`;
}

export function latencyPlotTitle(report: BenchReport): string {
  const load = report.steps[0]?.mode === 'rate' ? 'open loop' : 'closed loop';
  return `${report.model} over ${report.protocol.toUpperCase()}, ${report.batch} row(s)/request, ${load}`;
}
