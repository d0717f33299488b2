/**
 * Ratios from alternating measurements. On a shared machine throughput drifts by tens of
 * percent within minutes, so two figures taken minutes apart can disagree by more than
 * the effect they compare. Alternating short runs of A and B, and taking the median of
 * the per-pair ratios, keeps the drift out of the ratio.
 */
import type { RunBenchmarkOptions } from '../../src/bench/run-benchmark.js';
import { runBenchmark } from '../../src/bench/run-benchmark.js';
import type { LimitSessions } from './limit-runner.js';

export interface Pair {
  /** Rows/s of the reference (the limit, or the naive peer). */
  reference: number;
  wsinfer: number;
}

export interface PairedComparison {
  reference: string;
  concurrency: number;
  pairs: Pair[];
  medianRatio: number;
}

export function medianRatio(pairs: readonly Pair[]): number {
  const ratios = pairs.map((p) => (p.reference > 0 ? p.wsinfer / p.reference : 0)).sort((a, b) => a - b);
  if (ratios.length === 0) return 0;
  const mid = Math.floor(ratios.length / 2);
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

/** One closed-loop window at `concurrency` after a short warm-up: infer/s. */
async function serverRate(base: RunBenchmarkOptions, url: string, concurrency: number, windowMs: number): Promise<number> {
  const report = await runBenchmark({ ...base, url, mode: 'concurrency', levels: [concurrency], measurementIntervalMs: windowMs, warmupMs: 500, maxTrials: 1 });
  return report.steps[0]?.inferPerSec ?? 0;
}

export async function pairWithServer(base: RunBenchmarkOptions, referenceUrl: string, wsinferUrl: string, concurrency: number, pairs: number, windowMs: number): Promise<PairedComparison> {
  const out: Pair[] = [];
  for (let i = 0; i < pairs; i++) {
    const reference = await serverRate(base, referenceUrl, concurrency, windowMs);
    out.push({ reference, wsinfer: await serverRate(base, wsinferUrl, concurrency, windowMs) });
  }
  return { reference: 'naive peer', concurrency, pairs: out, medianRatio: medianRatio(out) };
}

export async function pairWithLimit(base: RunBenchmarkOptions, limit: LimitSessions, batch: number, wsinferUrl: string, concurrency: number, pairs: number, windowMs: number): Promise<PairedComparison> {
  const out: Pair[] = [];
  // Freshly loaded sessions run slow at first (caches, lazy allocations): one unmeasured run.
  await limit.measure(batch, windowMs);
  for (let i = 0; i < pairs; i++) {
    const reference = (await limit.measure(batch, windowMs)).rowsPerSec;
    out.push({ reference, wsinfer: await serverRate(base, wsinferUrl, concurrency, windowMs) });
  }
  return { reference: `limit (${limit.layout.sessions} × ${limit.layout.intraOpThreads}, batch ${batch})`, concurrency, pairs: out, medianRatio: medianRatio(out) };
}
