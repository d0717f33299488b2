/**
 * The limit while something answers requests: what a compute-bound model can reach on
 * this machine when the cores also carry the requests' transport.
 *
 * wsinfer's saturation ÷ limit compares a server with the limit measured alone; but any
 * server must also read, decode, answer and write every request, and on one machine the
 * load generator needs the same cores. Here the limit's sessions run while the echo
 * server answers the closed loop wsinfer's saturation pairs use, paced to the rate wsinfer
 * reached and in bursts of wsinfer's mean batch (`pace:RATE:BURST`): the generator does
 * what it does against wsinfer, the server the least any server can. Runs alternate with
 * the limit alone; the median ratio is the share of the limit left for compute once the
 * requests themselves are served.
 */
import type { RunBenchmarkOptions } from '../../src/bench/run-benchmark.js';
import { runBenchmark } from '../../src/bench/run-benchmark.js';
import type { LimitSessions } from './limit-runner.js';
import { medianRatio } from './paired-runs.js';

export interface LimitUnderLoad {
  /** Requests per second the echo server was paced to (wsinfer's rate in the saturation pairs). */
  rateRps: number;
  /** Replies per burst (wsinfer's mean batch at that concurrency). */
  burst: number;
  /** The closed loop's concurrency. */
  concurrency: number;
  batch: number;
  /**
   * answeredRps: requests/s the echo server answered while the limit ran. The compute
   * percents: CPU of the limit's session threads in each window, % of one core (/proc).
   */
  pairs: Array<{ aloneRowsPerSec: number; servingRowsPerSec: number; answeredRps: number; aloneComputePercent?: number; servingComputePercent?: number }>;
  /** Median of servingRowsPerSec ÷ aloneRowsPerSec. */
  medianRatio: number;
}

const LOAD_WARMUP_MS = 500;

/** `echoLoad`: the closed loop, aimed at an echo server paced to `rateRps` in bursts of `burst`. */
export async function measureLimitUnderLoad(
  sessions: LimitSessions, batch: number, echoLoad: RunBenchmarkOptions, rateRps: number, burst: number, pairs: number, windowMs: number,
): Promise<LimitUnderLoad> {
  const out: LimitUnderLoad['pairs'] = [];
  await sessions.measure(batch, windowMs); // unmeasured: fresh sessions run slow at first
  for (let i = 0; i < pairs; i++) {
    const alone = await sessions.measure(batch, windowMs);
    // The load runs its warm-up, then one window that covers the limit's whole run.
    const load = runBenchmark({ ...echoLoad, warmupMs: LOAD_WARMUP_MS, measurementIntervalMs: windowMs + 2 * LOAD_WARMUP_MS, maxTrials: 1 });
    await new Promise((resolve) => setTimeout(resolve, LOAD_WARMUP_MS));
    const serving = await sessions.measure(batch, windowMs);
    const answered = (await load).steps[0];
    out.push({
      aloneRowsPerSec: alone.rowsPerSec, servingRowsPerSec: serving.rowsPerSec, answeredRps: answered?.requestsPerSec ?? 0,
      ...(alone.computePercent !== undefined && serving.computePercent !== undefined && { aloneComputePercent: alone.computePercent, servingComputePercent: serving.computePercent }),
    });
  }
  const ratios = out.map((p) => ({ reference: p.aloneRowsPerSec, wsinfer: p.servingRowsPerSec }));
  return { rateRps, burst, concurrency: echoLoad.levels[0] ?? 0, batch, pairs: out, medianRatio: medianRatio(ratios) };
}
