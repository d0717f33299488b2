/** Everything one `npm run bench` measures; BENCHMARKS.md and the goals are computed from it. */
import type { StepReport } from '../../src/bench/bench-types.js';
import type { LimitResult } from './limit-runner.js';
import type { MachineInfo } from './machine-info.js';
import type { NoiseFigures } from './noise-probe.js';
import type { LimitOpenLoop } from './limit-open-loop.js';
import type { LimitUnderLoad } from './limit-under-load.js';
import type { PairedComparison, PairedOverhead } from './paired-runs.js';

export interface ServedConfig {
  maxBatchSize: number;
  maxQueueDelayUs: number;
  preferredBatchSizes: number[];
  instances: number;
  intraOpThreads: number;
}

export interface ModelFigures {
  name: string;
  fileBytes: number;
  config: ServedConfig;
  limit: LimitResult;
  /** Whether the limit ran the graph wsinfer's instances open, one mapped copy of the weights (limit-graph.ts); absent in older results. */
  limitSharedWeights?: boolean;
  naive: StepReport[];
  wsinfer: StepReport[];
  /** Open loop, Poisson, at half of wsinfer's best closed-loop rate. */
  wsinferOpen?: StepReport;
  /** The same Poisson arrivals fed to wsinfer's layout of sessions in-process: the model's own queueing. */
  limitOpen?: LimitOpenLoop;
  /** The echo ceiling (bench/baselines/echo-server.ts, no inference), closed loop at 1 and 64. */
  ceiling: StepReport[];
  /** The echo ceiling open loop, at wsinferOpen's rate. */
  ceilingOpen?: StepReport;
  /** The limit's batch-1 run, wsinfer's p50 at concurrency 1 and the in-place echo server's, taken alternately. */
  pairedP50?: PairedOverhead;
}

export interface MemoryFigures {
  model: string;
  fileBytes: number;
  /** Instances in the larger server of each pair; the smaller runs one. */
  moreInstances: number;
  /** The pair below with the median cost per extra instance: the figure the goal uses. */
  rssOneInstanceBytes: number;
  rssMoreInstancesBytes: number;
  /** The same servers' proportional set size (memory-probe.ts says why the goal uses it); absent in older results. */
  pssOneInstanceBytes?: number;
  pssMoreInstancesBytes?: number;
  /** Every alternating pair measured, in order (one process each). */
  pairs?: Array<{ rssOneInstanceBytes: number; rssMoreInstancesBytes: number; pssOneInstanceBytes?: number; pssMoreInstancesBytes?: number }>;
  /**
   * The same cost split, in a fresh Node process (bench/lib/worker-memory.ts): RSS one
   * more bare worker thread adds, and one more plain worker thread holding a session.
   */
  bareWorkerBytes?: number;
  sessionWorkerBytes?: number;
}

export interface SuiteResult {
  machine: MachineInfo;
  /** The machine's own latency floor, measured before anything else runs. */
  noise: NoiseFigures;
  startedAt: string;
  durationMs: number;
  /** How wsinfer was started. */
  serverCommand: string;
  measurementIntervalMs: number;
  models: ModelFigures[];
  memory?: MemoryFigures;
  /** Alternating runs for the two throughput ratios among the goals. */
  paired: { fraudVsNaive?: PairedComparison; mediumVsLimit?: PairedComparison };
  /** medium's limit while the echo server answers requests at wsinfer's rate, against the limit alone. */
  mediumLimitUnderLoad?: LimitUnderLoad;
}
