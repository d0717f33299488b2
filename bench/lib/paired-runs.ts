/**
 * Ratios from alternating measurements. On a shared machine throughput drifts by tens of
 * percent within minutes, so two figures taken minutes apart can disagree by more than
 * the effect they compare. Alternating short runs of A and B, and taking the median of
 * the per-pair ratios, keeps the drift out of the ratio.
 */
import type { RunBenchmarkOptions } from '../../src/bench/run-benchmark.js';
import { runBenchmark } from '../../src/bench/run-benchmark.js';
import type { StepReport } from '../../src/bench/bench-types.js';
import type { LimitPoint, LimitSessions } from './limit-runner.js';

export interface Pair {
  /** Rows/s of the reference (the limit, or the naive peer). */
  reference: number;
  wsinfer: number;
  /** Against the limit, where /proc could be read: which threads had the cores in each window. */
  cores?: CoreShares;
}

/**
 * Where the two cores went in one limit / wsinfer pair, each in % of one core. The ratio
 * of the pair is (instances ÷ limit) × (wsinfer's rows per instance CPU-second ÷ the
 * limit's rows per session CPU-second): the share of the cores the model got, times how
 * well it used them.
 */
export interface CoreShares {
  /** The limit's session threads, in its window. */
  limitPercent: number;
  /** wsinfer's instances (its busiest threads, one per instance), in its window. */
  instancesPercent: number;
  /** The rest of wsinfer's process: the socket thread, the collector's helper threads. */
  serverOtherPercent: number;
  /** The load generator (the suite's own process) in wsinfer's window. */
  generatorPercent: number;
}

export interface PairedComparison {
  reference: string;
  concurrency: number;
  pairs: Pair[];
  medianRatio: number;
}

/** A lone request against the run it needs, taken one right after the other. */
export interface LatencyPair {
  /** The limit's median batch-1 run, back to back, in one session like wsinfer's instances. */
  runUs: number;
  /** wsinfer's p50 at concurrency 1 in the window right after, and its mean run time there (its `timing` block). */
  p50Us: number;
  computeUs?: number;
  /** The same for the echo server running the model in place (echo-server.ts, run:N), right after wsinfer. */
  inlineP50Us?: number;
  inlineComputeUs?: number;
}

export interface PairedOverhead {
  pairs: LatencyPair[];
  /** Median over the pairs of (p50 − run). */
  medianOverheadUs: number;
  /** Median over the pairs of (the in-place server's p50 − run), when it was measured. */
  medianInlineOverheadUs?: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function pairRatios(pairs: readonly Pair[]): number[] {
  return pairs.map((p) => (p.reference > 0 ? p.wsinfer / p.reference : 0));
}

export function medianRatio(pairs: readonly Pair[]): number {
  return median(pairRatios(pairs));
}

/** A distribution-free confidence interval for a median: two order statistics of the sample. */
export interface MedianInterval {
  low: number;
  high: number;
  /** The chance that the interval holds the true median (1 − 2·P(Binomial(n, ½) < k)). */
  confidence: number;
}

/**
 * The narrowest interval [x(k), x(n−k+1)] of the sorted sample whose confidence is at
 * least `wanted`; with too few values for that, [min, max] with the confidence it has
 * (five pairs: 93.75 %). Assumes only that the values are independent draws around one
 * median, which is what alternating pairs on a drifting machine give.
 */
export function medianInterval(values: readonly number[], wanted = 0.95): MedianInterval | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // below[k] = P(B < k) for B ~ Binomial(n, 1/2).
  const below: number[] = [0];
  let term = 0.5 ** n;
  for (let i = 0; i <= n; i++) {
    below.push(below[i]! + term);
    term = (term * (n - i)) / (i + 1);
  }
  let k = 1;
  while (k + 1 <= n - k && 1 - 2 * below[k + 1]! >= wanted) k++;
  return { low: sorted[k - 1]!, high: sorted[n - k]!, confidence: 1 - 2 * below[k]! };
}

export function medianOverheadUs(pairs: readonly LatencyPair[]): number {
  return median(pairs.map((p) => p.p50Us - p.runUs));
}

export function medianInlineOverheadUs(pairs: readonly LatencyPair[]): number | undefined {
  const measured = pairs.filter((p) => p.inlineP50Us !== undefined);
  return measured.length === 0 ? undefined : median(measured.map((p) => p.inlineP50Us! - p.runUs));
}

/** One closed-loop window at `concurrency` after a short warm-up. */
async function serverWindow(base: RunBenchmarkOptions, url: string, concurrency: number, windowMs: number, warmupMs = 500) {
  const report = await runBenchmark({ ...base, url, mode: 'concurrency', levels: [concurrency], measurementIntervalMs: windowMs, warmupMs, maxTrials: 1 });
  return report.steps[0];
}

async function serverRate(base: RunBenchmarkOptions, url: string, concurrency: number, windowMs: number): Promise<number> {
  return (await serverWindow(base, url, concurrency, windowMs))?.inferPerSec ?? 0;
}

/** wsinfer's instances are its busiest threads at saturation; the rest of its CPU is everything else. */
function coreShares(limit: LimitPoint, step: StepReport | undefined, instances: number): CoreShares | undefined {
  const threads = step?.serverCpu?.threadsPercent;
  if (limit.computePercent === undefined || !step?.serverCpu || !threads || threads.length < instances) return undefined;
  const instancesPercent = threads.slice(0, instances).reduce((sum, p) => sum + p, 0);
  return {
    limitPercent: limit.computePercent,
    instancesPercent,
    serverOtherPercent: Math.max(0, step.serverCpu.processPercent - instancesPercent),
    generatorPercent: step.clientCpuPercent,
  };
}

/**
 * Runs `first` and `second` in that order on even pairs and the other way round on odd
 * ones, so a machine that slows (or speeds up) steadily through the pairs does not
 * always favour the side that runs first.
 */
async function inTurn<A, B>(pair: number, first: () => Promise<A>, second: () => Promise<B>): Promise<[A, B]> {
  if (pair % 2 === 0) {
    const a = await first();
    return [a, await second()];
  }
  const b = await second();
  return [await first(), b];
}

export async function pairWithServer(base: RunBenchmarkOptions, referenceUrl: string, wsinferUrl: string, concurrency: number, pairs: number, windowMs: number): Promise<PairedComparison> {
  const out: Pair[] = [];
  for (let i = 0; i < pairs; i++) {
    const [reference, wsinfer] = await inTurn(i,
      () => serverRate(base, referenceUrl, concurrency, windowMs),
      () => serverRate(base, wsinferUrl, concurrency, windowMs));
    out.push({ reference, wsinfer });
  }
  return { reference: 'naive peer', concurrency, pairs: out, medianRatio: medianRatio(out) };
}

/** Loaded sessions of one limit layout and the batch size to run them at. */
export interface LimitContender {
  sessions: LimitSessions;
  batch: number;
}

/**
 * Alternating windows of the limit and of wsinfer. With several contenders (layouts that
 * tied in the limit's own measurement) each pair runs every one and keeps the best: the
 * limit is the best way to use the cores at that moment, and a layout that merely won a
 * short window would otherwise stand in for it.
 */
export async function pairWithLimit(
  base: RunBenchmarkOptions, contenders: readonly LimitContender[], wsinferUrl: string, concurrency: number, pairs: number, windowMs: number, instances: number,
): Promise<PairedComparison> {
  const out: Pair[] = [];
  // Freshly loaded sessions run slow at first (caches, lazy allocations): one unmeasured run.
  for (const c of contenders) await c.sessions.measure(c.batch, windowMs);
  const bestLimit = async () => {
    let best: LimitPoint | undefined;
    for (const c of contenders) {
      const point = await c.sessions.measure(c.batch, windowMs);
      if (!best || point.rowsPerSec > best.rowsPerSec) best = point;
    }
    return best!;
  };
  for (let i = 0; i < pairs; i++) {
    const [limit, step] = await inTurn(i, bestLimit, () => serverWindow(base, wsinferUrl, concurrency, windowMs));
    const cores = coreShares(limit, step, instances);
    out.push({ reference: limit.rowsPerSec, wsinfer: step?.inferPerSec ?? 0, ...(cores && { cores }) });
  }
  const names = contenders.map((c) => `${c.sessions.layout.sessions} × ${c.sessions.layout.intraOpThreads}, batch ${c.batch}`);
  const reference = names.length === 1 ? `limit (${names[0]})` : `limit (best of ${names.join(' and ')})`;
  return { reference, concurrency, pairs: out, medianRatio: medianRatio(out) };
}

/**
 * The p50 goal's figures side by side: the limit's batch-1 run (one session with `limit`'s
 * layout, back to back for `runWindowMs`), then wsinfer's p50 at concurrency 1 for
 * `windowMs`, then the same for the server at `inlineUrl` (the echo server running the
 * model in place), `pairs` times. The machine's speed drifts by more than the 0.25 ms the
 * goal allows (medium's batch-1 run: 1.08–1.32 ms within a minute), so a run time taken
 * minutes before the p50 says little about the difference.
 */
export async function pairP50WithRun(
  base: RunBenchmarkOptions, limit: LimitSessions, wsinferUrl: string, inlineUrl: string, pairs: number, runWindowMs: number, windowMs: number,
): Promise<PairedOverhead> {
  const lone = async (url: string) => {
    const step = await serverWindow(base, url, 1, windowMs, 300);
    return step && step.errors === 0 && step.latency.count > 0 ? { p50Us: step.latency.p50Us, computeUs: step.server?.computeUs } : undefined;
  };
  const out: LatencyPair[] = [];
  await limit.measure(1, runWindowMs);
  for (let i = 0; i < pairs; i++) {
    const runUs = (await limit.measure(1, runWindowMs)).medianRunUs;
    const wsinfer = await lone(wsinferUrl);
    const inline = await lone(inlineUrl);
    if (wsinfer) out.push({ runUs, ...wsinfer, ...(inline && { inlineP50Us: inline.p50Us, inlineComputeUs: inline.computeUs }) });
  }
  return { pairs: out, medianOverheadUs: medianOverheadUs(out), medianInlineOverheadUs: medianInlineOverheadUs(out) };
}
