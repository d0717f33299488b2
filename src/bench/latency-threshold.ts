/**
 * perf_analyzer's --latency-threshold: a sweep over load levels stops at the first step
 * whose latency (the mean, or the --percentile given) is over the threshold, and the
 * report names the highest level that stayed within it — the load a server can take
 * under a latency budget.
 */
import type { LatencySummary } from './latency-stats.js';
import { describeLoad } from './bench-summary.js';
import type { StepReport } from './bench-types.js';

export type LatencyStatistic = 'mean' | 'p50' | 'p90' | 'p95' | 'p99';

export const PERCENTILES = [50, 90, 95, 99] as const;

export interface LatencyThreshold {
  thresholdMs: number;
  statistic: LatencyStatistic;
}

export interface ThresholdOutcome extends LatencyThreshold {
  /** How the levels were visited: climbing until one went over, or by bisection. */
  searched: 'linear' | 'binary';
  /** The highest load level whose latency stayed within the threshold; absent when none did. */
  withinLevel?: number;
  withinInferPerSec?: number;
  /** The lowest level that went over it (a linear sweep stopped there); absent when none did. */
  exceededLevel?: number;
  exceededLatencyMs?: number;
}

export function latencyUs(latency: LatencySummary, statistic: LatencyStatistic): number {
  switch (statistic) {
    case 'mean': return latency.meanUs;
    case 'p50': return latency.p50Us;
    case 'p90': return latency.p90Us;
    case 'p95': return latency.p95Us;
    case 'p99': return latency.p99Us;
  }
}

/** A step is over the threshold by its latency, or when nothing it sent was answered. */
export function exceeds(step: StepReport, threshold: LatencyThreshold): boolean {
  return step.completed === 0 || latencyUs(step.latency, threshold.statistic) > threshold.thresholdMs * 1000;
}

/**
 * The highest level within the threshold and the lowest over it, whatever order the steps
 * ran in (a linear sweep climbs; a binary search jumps about).
 */
export function thresholdOutcome(steps: readonly StepReport[], threshold: LatencyThreshold, searched: 'linear' | 'binary' = 'linear'): ThresholdOutcome {
  const outcome: ThresholdOutcome = { ...threshold, searched };
  for (const step of steps) {
    if (exceeds(step, threshold)) {
      if (outcome.exceededLevel !== undefined && outcome.exceededLevel <= step.level) continue;
      outcome.exceededLevel = step.level;
      outcome.exceededLatencyMs = latencyUs(step.latency, threshold.statistic) / 1000;
    } else if (outcome.withinLevel === undefined || step.level > outcome.withinLevel) {
      outcome.withinLevel = step.level;
      outcome.withinInferPerSec = step.inferPerSec;
    }
  }
  return outcome;
}

/** One line for the end of the table. */
export function describeOutcome(outcome: ThresholdOutcome, mode: 'concurrency' | 'rate'): string {
  const load = (level: number) => describeLoad(mode, level);
  const budget = `latency threshold ${outcome.thresholdMs} ms (${outcome.statistic})`;
  const within = outcome.withinLevel === undefined
    ? 'no step stayed within it'
    : `highest load within it: ${load(outcome.withinLevel)}, ${Math.round(outcome.withinInferPerSec ?? 0)} infer/s`;
  const over = outcome.searched === 'binary' ? 'lowest load over it:' : 'stopped at';
  const exceeded = outcome.exceededLevel === undefined
    ? 'no step went over it'
    : `${over} ${load(outcome.exceededLevel)} (${outcome.exceededLatencyMs!.toFixed(2)} ms)`;
  return `${budget}: ${within}; ${exceeded}\n`;
}
