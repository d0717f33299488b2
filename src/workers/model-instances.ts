/**
 * What the batch executor needs of one instance group: how many batches it can run at once,
 * how many of those are free, and a way to run one. Worker-thread instances (instance-pool.ts)
 * and the instance that runs on the socket thread itself (inline-instance.ts) both provide it.
 */
import type { BatchTask, BatchTaskResult } from './batch-task.js';

export interface ModelInstances {
  readonly count: number;
  /** Instances not running a batch now. */
  readonly idle: number;
  /** Batches handed over that wait for an instance (only when GPU spill-over lets them queue). */
  readonly queued: number;
  /** Run one batch; failures come back as a result with a code, never as a rejection. */
  run(task: BatchTask, transferList: ArrayBuffer[]): Promise<BatchTaskResult>;
  /** Wait for running batches, then release the sessions. */
  close(): Promise<void>;
}
