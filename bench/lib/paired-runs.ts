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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function medianRatio(pairs: readonly Pair[]): number {
  return median(pairs.map((p) => (p.reference > 0 ? p.wsinfer / p.reference : 0)));
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

export async function pairWithServer(base: RunBenchmarkOptions, referenceUrl: string, wsinferUrl: string, concurrency: number, pairs: number, windowMs: number): Promise<PairedComparison> {
  const out: Pair[] = [];
  for (let i = 0; i < pairs; i++) {
    const reference = await serverRate(base, referenceUrl, concurrency, windowMs);
    out.push({ reference, wsinfer: await serverRate(base, wsinferUrl, concurrency, windowMs) });
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
export async function pairWithLimit(base: RunBenchmarkOptions, contenders: readonly LimitContender[], wsinferUrl: string, concurrency: number, pairs: number, windowMs: number): Promise<PairedComparison> {
  const out: Pair[] = [];
  // Freshly loaded sessions run slow at first (caches, lazy allocations): one unmeasured run.
  for (const c of contenders) await c.sessions.measure(c.batch, windowMs);
  for (let i = 0; i < pairs; i++) {
    let reference = 0;
    for (const c of contenders) reference = Math.max(reference, (await c.sessions.measure(c.batch, windowMs)).rowsPerSec);
    out.push({ reference, wsinfer: await serverRate(base, wsinferUrl, concurrency, windowMs) });
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
