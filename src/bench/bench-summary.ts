/** Short descriptions of a report, shared by the CLI's outputs. */
import type { BenchReport } from './bench-types.js';

export function latencyPlotTitle(report: BenchReport): string {
  const load = report.steps[0]?.mode === 'rate' ? 'open loop' : 'closed loop';
  return `${report.model} over ${report.protocol.toUpperCase()}, ${report.batch} row(s)/request, ${load}`;
}
