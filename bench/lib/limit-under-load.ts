/**
 * The limit while something answers requests: what a compute-bound model can reach on
 * this machine when the cores also carry the requests' transport.
 *
 * wsinfer's saturation ÷ limit compares a server with the limit measured alone; but any
 * server must also read, decode, answer and write every request, and on one machine the
 * load generator needs the same cores. Here the limit's sessions run while the echo
 * server (decodes and answers, no model) takes requests at the rate wsinfer reached,
 * alternating with runs of the limit alone; the median ratio is the share of the limit
 * that is left for compute once the requests themselves are served.
 */
import type { RunBenchmarkOptions } from '../../src/bench/run-benchmark.js';
import { runBenchmark } from '../../src/bench/run-benchmark.js';
import type { LimitSessions } from './limit-runner.js';
import { medianRatio } from './paired-runs.js';

export interface LimitUnderLoad {
  /** Requests per second the echo server answered meanwhile (the target rate). */
  rateRps: number;
  batch: number;
  pairs: Array<{ aloneRowsPerSec: number; servingRowsPerSec: number }>;
  /** Median of servingRowsPerSec ÷ aloneRowsPerSec. */
  medianRatio: number;
}

const LOAD_WARMUP_MS = 500;

/** `echoLoad`: open-loop options aimed at the echo server at the rate wsinfer reached. */
export async function measureLimitUnderLoad(
  sessions: LimitSessions, batch: number, echoLoad: RunBenchmarkOptions, pairs: number, windowMs: number,
): Promise<LimitUnderLoad> {
  const rateRps = echoLoad.levels[0] ?? 0;
  const out: LimitUnderLoad['pairs'] = [];
  await sessions.measure(batch, windowMs); // unmeasured: fresh sessions run slow at first
  for (let i = 0; i < pairs; i++) {
    const alone = await sessions.measure(batch, windowMs);
    // The load runs its warm-up, then one window that covers the limit's whole run.
    const load = runBenchmark({ ...echoLoad, warmupMs: LOAD_WARMUP_MS, measurementIntervalMs: windowMs + 2 * LOAD_WARMUP_MS, maxTrials: 1 });
    await new Promise((resolve) => setTimeout(resolve, LOAD_WARMUP_MS));
    const serving = await sessions.measure(batch, windowMs);
    await load;
    out.push({ aloneRowsPerSec: alone.rowsPerSec, servingRowsPerSec: serving.rowsPerSec });
  }
  const ratios = out.map((p) => ({ reference: p.aloneRowsPerSec, wsinfer: p.servingRowsPerSec }));
  return { rateRps, batch, pairs: out, medianRatio: medianRatio(ratios) };
}
