/**
 * perf_analyzer's `-f` CSV: the same header, so the spreadsheets and scripts written for
 * it read ours. Times are mean microseconds; "Network+Server Send/Recv" is what is left of
 * the mean latency after the parts measured on either side.
 */
import type { StepReport } from './bench-types.js';

export const CSV_COLUMNS = [
  'Inferences/Second', 'Client Send', 'Network+Server Send/Recv', 'Server Queue', 'Server Compute Input',
  'Server Compute Infer', 'Server Compute Output', 'Client Recv', 'p50 latency', 'p90 latency', 'p95 latency', 'p99 latency',
] as const;

/** perf_analyzer names the first column after the load mode. */
export function csvHeader(mode: StepReport['mode']): string {
  return [mode === 'concurrency' ? 'Concurrency' : 'Request Rate', ...CSV_COLUMNS].join(',');
}

export function csvRow(step: StepReport): string {
  const queueUs = step.server?.queueUs ?? 0;
  const computeUs = step.server?.computeUs ?? 0;
  const networkUs = Math.max(0, step.latency.meanUs - step.clientSendUs - queueUs - computeUs - step.clientRecvUs);
  const us = (value: number) => String(Math.round(value));
  return [
    String(step.level),
    String(Math.round(step.inferPerSec * 100) / 100),
    us(step.clientSendUs), us(networkUs), us(queueUs), '0', us(computeUs), '0', us(step.clientRecvUs),
    us(step.latency.p50Us), us(step.latency.p90Us), us(step.latency.p95Us), us(step.latency.p99Us),
  ].join(',');
}

export function toCsv(steps: readonly StepReport[]): string {
  if (steps.length === 0) return `${csvHeader('concurrency')}\n`;
  return `${[csvHeader(steps[0]!.mode), ...steps.map(csvRow)].join('\n')}\n`;
}
