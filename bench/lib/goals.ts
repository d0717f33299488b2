/**
 * The goals, computed from one suite run (ratios from the same run, never from
 * figures typed in by hand).
 */
import type { StepReport } from '../../src/bench/bench-types.js';
import type { ModelFigures, SuiteResult } from './suite-result.js';

export interface GoalCheck {
  figure: string;
  goal: string;
  value: string;
  /** undefined: could not be measured in this run. */
  pass: boolean | undefined;
  note?: string;
}

export function closedStep(steps: readonly StepReport[], concurrency: number): StepReport | undefined {
  return steps.find((s) => s.mode === 'concurrency' && s.level === concurrency);
}

/** Best closed-loop throughput: the saturation figure. */
export function saturation(steps: readonly StepReport[]): number {
  return Math.max(0, ...steps.filter((s) => s.mode === 'concurrency' && s.errors === 0).map((s) => s.inferPerSec));
}

/** The limit's batch-1 run time for sessions like wsinfer's instances (same intra-op threads). */
export function batch1RunUs(model: ModelFigures): number | undefined {
  return model.limit.batch1RunUsByThreads[model.config.intraOpThreads];
}

const find = (result: SuiteResult, name: string) => result.models.find((m) => m.name === name);
const fixed = (v: number, digits = 2) => v.toFixed(digits);

export function evaluateGoals(result: SuiteResult): GoalCheck[] {
  const checks: GoalCheck[] = [];
  const medium = find(result, 'medium');
  if (medium) {
    const tables = saturation(medium.wsinfer) / medium.limit.best.rowsPerSec;
    const paired = result.paired.mediumVsLimit?.medianRatio;
    const ratio = paired ?? tables;
    checks.push({
      figure: 'wsinfer saturation ÷ limit, medium', goal: '≥ 0.90 (aim 0.95)', pass: ratio >= 0.9,
      value: paired === undefined ? fixed(tables) : `${fixed(paired)} (median of alternating pairs; ${fixed(tables)} from the tables)`,
    });
  }
  const fraud = find(result, 'fraud');
  if (fraud) {
    const ws = closedStep(fraud.wsinfer, 64);
    const naive = closedStep(fraud.naive, 64);
    const tables = ws && naive && naive.inferPerSec > 0 ? ws.inferPerSec / naive.inferPerSec : undefined;
    const paired = result.paired.fraudVsNaive?.medianRatio;
    const ratio = paired ?? tables;
    const both = paired !== undefined && tables !== undefined ? `${fixed(paired, 2)}× (median of alternating pairs; ${fixed(tables, 2)}× from the tables)` : undefined;
    checks.push({
      figure: 'wsinfer ÷ naive peer at concurrency 64, fraud (MLP)', goal: '≥ 5×', pass: ratio === undefined ? undefined : ratio >= 5,
      value: both ?? (ratio === undefined ? 'n/a' : `${fixed(ratio, 2)}×`),
    });
  }
  for (const model of result.models) {
    const c1 = closedStep(model.wsinfer, 1);
    const runUs = batch1RunUs(model);
    const overheadUs = c1 && runUs !== undefined ? c1.latency.p50Us - runUs : undefined;
    checks.push({
      figure: `wsinfer p50 − limit's batch-1 run time, concurrency 1, ${model.name}`,
      goal: '≤ 0.25 ms',
      value: overheadUs === undefined ? 'n/a' : `${fixed(overheadUs / 1000, 3)} ms`,
      pass: overheadUs === undefined ? undefined : overheadUs <= 250,
    });
  }
  for (const model of result.models) {
    const open = model.wsinferOpen;
    const boundUs = open?.server ? model.config.maxQueueDelayUs + 2 * open.server.computeUs : undefined;
    checks.push({
      figure: `p99 at 50 % of max rate (Poisson), ${model.name}`,
      goal: '≤ maxQueueDelay + 2 × batch compute',
      value: open && boundUs !== undefined ? `${fixed(open.latency.p99Us / 1000)} ms vs ${fixed(boundUs / 1000)} ms` : 'n/a',
      pass: open && boundUs !== undefined ? open.latency.p99Us <= boundUs && open.errors === 0 : undefined,
    });
  }
  const memory = result.memory;
  if (memory) {
    const ratio = (memory.rssTwoInstancesBytes - memory.rssOneInstanceBytes) / memory.fileBytes;
    checks.push({ figure: `resident memory per extra worker ÷ model file size, ${memory.model}`, goal: '≤ 1.5', value: fixed(ratio), pass: ratio <= 1.5 });
  }
  return checks;
}
