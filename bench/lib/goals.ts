/**
 * The issue's goals, computed from one suite run (ratios from the same run, never from
 * figures typed in by hand), each beside what the machine itself allows in the same run:
 * the echo ceiling (a server that does no inference) and bare worker threads. A goal is
 * met only by wsinfer's own figure; "unreachable here" only when the ceiling misses it too.
 */
import type { StepReport } from '../../src/bench/bench-types.js';
import { goalMeasure, perExtraInstanceBytes } from './memory-probe.js';
import { type MedianInterval, medianInterval, pairRatios } from './paired-runs.js';
import type { ModelFigures, ServedConfig, SuiteResult } from './suite-result.js';

/** The same goal's figure for what any server could do here (the echo ceiling, bare workers). */
export interface MachineAllows {
  value: string;
  /** false: the ceiling itself misses the goal, so no server can meet it on this machine. */
  reachable: boolean;
  /** Why it is unreachable, in the verdict's words. */
  because: string;
}

export interface GoalCheck {
  figure: string;
  goal: string;
  value: string;
  /** undefined: could not be measured in this run. */
  pass: boolean | undefined;
  machineAllows?: MachineAllows;
  /** Where the figure's own uncertainty spans the goal: the verdict says so after "met" or "missed". */
  withinNoise?: string;
}

export function verdict(goal: GoalCheck): string {
  if (goal.pass === undefined) return '–';
  const noise = goal.withinNoise ? ` — within this run's noise: ${goal.withinNoise}` : '';
  if (goal.pass) return `✅ met${noise}`;
  const allows = goal.machineAllows;
  return allows && !allows.reachable ? `❌ missed — unreachable here: ${allows.because}` : `❌ missed${noise}`;
}

/** The interval for the median reaches across the goal: one run cannot say which side it is on. */
function spansGoal(interval: MedianInterval | undefined, goal: number): string | undefined {
  if (!interval || interval.low >= goal || interval.high < goal) return undefined;
  return `the median's interval (${fixed(interval.low)}–${fixed(interval.high)}) holds ${fixed(goal)}`;
}

export function closedStep(steps: readonly StepReport[], concurrency: number): StepReport | undefined {
  return steps.find((s) => s.mode === 'concurrency' && s.level === concurrency);
}

/**
 * The closed loop at which a model's instances run full batches: in a closed loop, the
 * requests of a batch that just finished are still being answered and every other
 * instance holds a batch of its own, so a batch gets about concurrency ÷ (instances + 1)
 * rows. Medium (2 instances, maxBatchSize 32) ran batches of 22.5 rows at concurrency 64
 * and 31.9 at 96, and 1,751 against 1,867 infer/s (1,844 at 128: the plateau).
 */
export function saturationConcurrency(config: Pick<ServedConfig, 'instances' | 'maxBatchSize'>): number {
  return (config.instances + 1) * Math.max(1, config.maxBatchSize);
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
/**
 * A ratio beside its goal: two decimals, or three where two would round it across the
 * goal (0.896 shown as 0.90 next to "≥ 0.90" and a miss).
 */
function besideGoal(v: number, goal: number, meets: (value: number, goal: number) => boolean): string {
  const two = fixed(v);
  return meets(Number(two), goal) === meets(v, goal) ? two : fixed(v, 3);
}
const atLeast = (value: number, goal: number) => value >= goal;
const atMost = (value: number, goal: number) => value <= goal;
const P50_OVERHEAD_GOAL_US = 250;
const NAIVE_RATIO_GOAL = 5;
const MEMORY_RATIO_GOAL = 1.5;
const SATURATION_RATIO_GOAL = 0.9;

/**
 * The limit while the echo server answers wsinfer's closed loop at wsinfer's rate, ÷ the limit alone. Both
 * are noisy; when wsinfer's own ratio beats it, this run did not bound anything and the
 * goal is not called unreachable.
 */
function saturationAllows(result: SuiteResult, wsinferRatio: number): MachineAllows | undefined {
  const underLoad = result.mediumLimitUnderLoad;
  if (!underLoad) return undefined;
  const ratio = underLoad.medianRatio;
  const notABound = wsinferRatio > ratio;
  return {
    value: `${fixed(ratio)} (the limit while the echo server answers c=${underLoad.concurrency} at ${Math.round(underLoad.rateRps)} req/s ÷ the limit alone` +
      `${notABound ? '; wsinfer did better, so not a bound in this run' : ''})`,
    reachable: ratio >= SATURATION_RATIO_GOAL || notABound,
    because: `serving the requests alone leaves the limit ${fixed(ratio)} of itself`,
  };
}

/** "; 95 % interval for the median 0.91–0.96": how far the pairs leave the median uncertain. */
function intervalText(interval: MedianInterval | undefined): string {
  if (!interval) return '';
  return `; ${(interval.confidence * 100).toFixed(interval.confidence >= 0.995 ? 1 : 0)} % interval for the median ${fixed(interval.low)}–${fixed(interval.high)}`;
}

/** Echo ceiling ÷ naive peer at concurrency 64: the most any server can gain over naive here. */
function naiveRatioAllows(model: ModelFigures): MachineAllows | undefined {
  const ceiling = closedStep(model.ceiling, 64);
  const naive = closedStep(model.naive, 64);
  if (!ceiling || !naive || naive.inferPerSec <= 0) return undefined;
  const ratio = ceiling.inferPerSec / naive.inferPerSec;
  return { value: `${fixed(ratio)}× (echo ceiling ÷ naive at c=64)`, reachable: ratio >= NAIVE_RATIO_GOAL, because: `the echo ceiling is ${fixed(ratio)}× naive` };
}

/**
 * A floor for any server's overhead on a lone request: the echo server running the model
 * in place on its answering thread (p50 − the limit's batch-1 run, median of the same
 * alternating pairs); without those pairs, the plain echo ceiling's p50 at c=1.
 */
function p50Allows(model: ModelFigures, wsinferOverheadUs: number | undefined): MachineAllows | undefined {
  const inlineUs = model.pairedP50?.medianInlineOverheadUs;
  if (inlineUs !== undefined) {
    const ms = fixed(inlineUs / 1000, 3);
    // Both are noisy; when wsinfer's own figure is lower, this run bounded nothing.
    const notABound = wsinferOverheadUs !== undefined && wsinferOverheadUs < inlineUs;
    return {
      value: `${ms} ms (the echo server running the model in place: its p50 less the limit's batch-1 run, median of the same pairs` +
        `${notABound ? '; wsinfer did better, so not a bound in this run' : ''})`,
      reachable: inlineUs <= P50_OVERHEAD_GOAL_US || notABound,
      because: `a server that runs the model in place on its answering thread already adds ${ms} ms`,
    };
  }
  const ceiling = closedStep(model.ceiling, 1);
  if (!ceiling) return undefined;
  const p50Us = ceiling.latency.p50Us;
  return { value: `${fixed(p50Us / 1000, 3)} ms (echo ceiling's p50 at c=1)`, reachable: p50Us <= P50_OVERHEAD_GOAL_US, because: `the echo ceiling's p50 alone is ${fixed(p50Us / 1000, 3)} ms` };
}

/**
 * Two floors for p99 at wsinfer's open-loop rate, against the bound wsinfer's own batches
 * allow: the echo ceiling (transport and generator, no model) and the model alone fed the
 * same Poisson arrivals in-process (its own queueing on these cores, no transport). Any
 * server pays at least the larger.
 */
function p99Allows(model: ModelFigures, boundUs: number | undefined): MachineAllows | undefined {
  if (boundUs === undefined) return undefined;
  const floors: Array<{ p99Us: number; label: string; because: string }> = [];
  const echo = model.ceilingOpen;
  if (echo && echo.errors === 0) {
    floors.push({ p99Us: echo.latency.p99Us, label: 'echo ceiling', because: `the echo ceiling's p99 at this rate is ${fixed(echo.latency.p99Us / 1000)} ms` });
  }
  const alone = model.limitOpen;
  if (alone && alone.measured > 0) {
    floors.push({ p99Us: alone.latency.p99Us, label: 'the model alone in-process', because: `the model alone, fed the same arrivals in-process, has a p99 of ${fixed(alone.latency.p99Us / 1000)} ms` });
  }
  if (floors.length === 0) return undefined;
  const worst = floors.reduce((a, b) => (b.p99Us > a.p99Us ? b : a));
  const detail = floors.length === 1 ? `${floors[0]!.label}, same rate` : `${floors.map((f) => `${f.label} ${fixed(f.p99Us / 1000)} ms`).join('; ')}; same rate`;
  return {
    value: `${fixed(worst.p99Us / 1000)} ms vs ${fixed(boundUs / 1000)} ms (${detail})`,
    reachable: worst.p99Us <= boundUs,
    because: worst.because,
  };
}

/** A plain worker thread holding a session of the original file, its own weights (bare thread included) ÷ the file: what a one-session-per-worker server pays unless its sessions share the weights. */
function memoryAllows(memory: NonNullable<SuiteResult['memory']>, wsinferRatio: number): MachineAllows | undefined {
  if (memory.bareWorkerBytes === undefined || memory.sessionWorkerBytes === undefined) return undefined;
  const ratio = memory.sessionWorkerBytes / memory.fileBytes;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  // Measured in another process, another way: when wsinfer's instance comes out cheaper, this run bounded nothing.
  const notABound = wsinferRatio < ratio;
  return {
    value: `${fixed(ratio)} (worker thread ${mib(memory.bareWorkerBytes)} MiB + session ${mib(memory.sessionWorkerBytes - memory.bareWorkerBytes)} MiB` +
      `${notABound ? '; wsinfer did better, so not a bound in this run' : ''})`,
    reachable: ratio <= MEMORY_RATIO_GOAL || notABound,
    because: `a plain worker thread holding a session already costs ${fixed(ratio)}× the file`,
  };
}

export function evaluateGoals(result: SuiteResult): GoalCheck[] {
  const checks: GoalCheck[] = [];
  const medium = find(result, 'medium');
  if (medium) {
    const tables = saturation(medium.wsinfer) / medium.limit.best.rowsPerSec;
    const pairs = result.paired.mediumVsLimit;
    const ratio = pairs?.medianRatio ?? tables;
    const interval = pairs && medianInterval(pairRatios(pairs.pairs));
    const noise = spansGoal(interval, SATURATION_RATIO_GOAL);
    checks.push({
      figure: 'wsinfer saturation ÷ limit, medium', goal: '≥ 0.90 (aim 0.95)', pass: ratio >= SATURATION_RATIO_GOAL,
      value: pairs === undefined ? besideGoal(tables, SATURATION_RATIO_GOAL, atLeast)
        : `${besideGoal(pairs.medianRatio, SATURATION_RATIO_GOAL, atLeast)} (median of ${pairs.pairs.length} alternating pair${pairs.pairs.length === 1 ? '' : 's'} at c=${pairs.concurrency}, where its batches are full` +
          `${intervalText(interval)}; ${fixed(tables)} from the tables)`,
      machineAllows: saturationAllows(result, ratio),
      ...(noise && { withinNoise: noise }),
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
      figure: 'wsinfer ÷ naive peer at concurrency 64, fraud (MLP)', goal: '≥ 5×', pass: ratio === undefined ? undefined : ratio >= NAIVE_RATIO_GOAL,
      value: both ?? (ratio === undefined ? 'n/a' : `${fixed(ratio, 2)}×`),
      machineAllows: naiveRatioAllows(fraud),
    });
  }
  for (const model of result.models) {
    const c1 = closedStep(model.wsinfer, 1);
    const runUs = batch1RunUs(model);
    const tables = c1 && runUs !== undefined ? c1.latency.p50Us - runUs : undefined;
    const paired = model.pairedP50 && model.pairedP50.pairs.length > 0 ? model.pairedP50.medianOverheadUs : undefined;
    const overheadUs = paired ?? tables;
    const both = paired !== undefined && tables !== undefined
      ? `${fixed(paired / 1000, 3)} ms (median of alternating pairs; ${fixed(tables / 1000, 3)} ms from the tables)` : undefined;
    checks.push({
      figure: `wsinfer p50 − limit's batch-1 run time, concurrency 1, ${model.name}`,
      goal: '≤ 0.25 ms',
      value: both ?? (overheadUs === undefined ? 'n/a' : `${fixed(overheadUs / 1000, 3)} ms`),
      pass: overheadUs === undefined ? undefined : overheadUs <= P50_OVERHEAD_GOAL_US,
      machineAllows: p50Allows(model, overheadUs),
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
      machineAllows: p99Allows(model, boundUs),
    });
  }
  const memory = result.memory;
  if (memory) {
    const measure = goalMeasure(memory);
    const ratio = perExtraInstanceBytes(memory, memory.moreInstances, measure) / memory.fileBytes;
    const rssRatio = perExtraInstanceBytes(memory, memory.moreInstances, 'rss') / memory.fileBytes;
    // PSS counts the weights the instances map together once; RSS once per instance (memory-probe.ts).
    const value = measure === 'pss' ? `${besideGoal(ratio, MEMORY_RATIO_GOAL, atMost)} by PSS (RSS ${fixed(rssRatio)})` : besideGoal(ratio, MEMORY_RATIO_GOAL, atMost);
    checks.push({
      figure: `resident memory per extra worker ÷ model file size, ${memory.model}`, goal: '≤ 1.5', value, pass: ratio <= MEMORY_RATIO_GOAL,
      machineAllows: memoryAllows(memory, ratio),
    });
  }
  return checks;
}
