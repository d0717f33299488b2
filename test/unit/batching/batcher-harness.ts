/**
 * A DynamicBatcher on a ManualClock with a runner that records each batch and finishes it
 * only when the test says so — batching decisions become a function of simulated time
 * and instance availability, never of how busy the test machine is.
 */
import { ManualClock } from '../../../src/batching/clock.js';
import { type BatchPolicy, type BatchRequest, type DispatchedBatch, DynamicBatcher } from '../../../src/batching/dynamic-batcher.js';
import type { WsinferError } from '../../../src/errors.js';

export interface TestRequest extends BatchRequest {
  readonly id: string;
  /** Every error the batcher gave this request up with. */
  readonly failures: WsinferError[];
}

export function request(
  id: string,
  options: { rows?: number; shapeKey?: string; priority?: number; timeoutUs?: number } = {},
): TestRequest {
  const failures: WsinferError[] = [];
  return {
    id,
    rows: options.rows ?? 1,
    shapeKey: options.shapeKey ?? '16',
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.timeoutUs === undefined ? {} : { timeoutUs: options.timeoutUs }),
    failures,
    fail: (error) => failures.push(error),
  };
}

export interface RecordedBatch {
  ids: string[];
  rows: number;
  queueUs: number[];
  shapeKeys: string[];
  /** Clock time at dispatch. */
  dispatchedAtUs: number;
  /** The run is over but the answers are not out yet: the batcher may reuse the instance. */
  free(): void;
  finish(): void;
  reject(error: Error): void;
}

/** Defaults: batching on, no added delay, one instance, one priority level. */
export const BASE_POLICY: BatchPolicy = Object.freeze({
  maxBatchSize: 8,
  preferredBatchSizes: [],
  maxQueueDelayUs: 0,
  maxQueueSize: 100,
  defaultTimeoutUs: 0,
  priorityLevels: 1,
  defaultPriorityLevel: 1,
  maxInFlightBatches: 1,
});

export class BatcherHarness {
  readonly clock = new ManualClock();
  readonly batches: RecordedBatch[] = [];
  readonly batcher: DynamicBatcher<TestRequest>;

  constructor(policy: Partial<BatchPolicy> = {}) {
    this.batcher = new DynamicBatcher<TestRequest>({ ...BASE_POLICY, ...policy }, (batch) => this.record(batch), this.clock);
  }

  private record(batch: DispatchedBatch<TestRequest>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batches.push({
        ids: batch.requests.map((r) => r.id),
        rows: batch.rows,
        queueUs: batch.queueUs,
        shapeKeys: batch.requests.map((r) => r.shapeKey),
        dispatchedAtUs: this.clock.nowUs(),
        free: batch.instanceFree,
        finish: resolve,
        reject,
      });
    });
  }

  submit(...requests: TestRequest[]): void {
    for (const r of requests) this.batcher.submit(r);
  }

  /** Ids of each batch dispatched so far, in dispatch order. */
  get batchIds(): string[][] {
    return this.batches.map((b) => b.ids);
  }

  /** Finish batch `index` and let the batcher react (its bookkeeping runs in a then()). */
  async finish(index: number): Promise<void> {
    this.batches[index]!.finish();
    await settle();
  }
}

/** Let pending promise callbacks run; no timers are involved. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
