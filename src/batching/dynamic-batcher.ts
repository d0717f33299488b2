/**
 * One dynamic batcher per (model, version), after Triton's: requests queue by priority;
 * a batch forms from requests of the same shape when an instance is free and either the
 * batch reaches the largest preferred size (or maxBatchSize) or its oldest request has
 * waited maxQueueDelayUs. Requests that expire while queued are answered ERR_TIMEOUT and
 * never run; a full queue answers ERR_QUEUE_FULL at once.
 *
 * Dispatch is gated on free instances, so under load batches grow from whatever queued
 * while the instances were busy — no delay needs to be configured for that.
 */
import { WsinferError } from '../errors.js';
import { type Clock, type TimerHandle, systemClock } from './clock.js';
import { DelayAdvisor } from './delay-advisor.js';
import { PriorityQueue, type Queueable } from './priority-queue.js';

export interface BatchPolicy {
  /** Rows per batch; 0 = the model does not batch, each request runs alone. */
  maxBatchSize: number;
  /** Batch sizes (rows) worth dispatching at once; ascending. */
  preferredBatchSizes: readonly number[];
  maxQueueDelayUs: number;
  /** Requests (not rows) allowed to wait. */
  maxQueueSize: number;
  /** Applied to requests that carry no timeout; 0 = none. */
  defaultTimeoutUs: number;
  priorityLevels: number;
  /** Level of requests that name none. */
  defaultPriorityLevel: number;
  /** Batches running at once: the number of model instances. */
  maxInFlightBatches: number;
  /**
   * A request's arrival dispatches after the event loop's current round of socket reads
   * (setImmediate) instead of at once. For inline instances, which run a batch on this
   * thread as soon as it is dispatched: the requests read in the same round join it
   * rather than each running alone.
   */
  dispatchAfterReads?: boolean;
}

export interface BatchRequest {
  /** Rows along dim 0 (1 for models that do not batch). */
  readonly rows: number;
  /** Requests batch together only when their keys (non-batch dims) are equal. */
  readonly shapeKey: string;
  readonly priority?: number;
  readonly timeoutUs?: number;
  /** Called once with the reason when the batcher gives the request up. */
  fail(error: WsinferError): void;
}

/** What the batcher records about a queued request. */
export interface QueuedRequest<R extends BatchRequest> extends Queueable {
  readonly request: R;
  readonly enqueuedAtUs: number;
  readonly deadlineUs: number | undefined;
  timer?: TimerHandle;
}

export interface DispatchedBatch<R extends BatchRequest> {
  requests: R[];
  rows: number;
  /** Per request, microseconds spent queued. */
  queueUs: number[];
  /**
   * The batch no longer holds its instance (its run finished): the batcher may hand that
   * instance the next batch now, before this one's answers go out. Optional to call; the
   * runner's promise settling does the same.
   */
  instanceFree(): void;
}

/** Runs a batch; resolves when every request in it has been answered. */
export type BatchRunner<R extends BatchRequest> = (batch: DispatchedBatch<R>) => Promise<void>;

export class DynamicBatcher<R extends BatchRequest> {
  private readonly queue: PriorityQueue<QueuedRequest<R>>;
  private readonly targetRows: number;
  /** Batches holding an instance: what dispatch is gated on. */
  private running = 0;
  /** Batches not yet answered (running, or answering): what drain waits for. */
  private inFlight = 0;
  private delayTimer: TimerHandle | undefined;
  private delayTimerDueUs = Infinity;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly delayAdvisor = new DelayAdvisor();
  /** Set while a partial batch waits for company: how many requests were queued then. */
  private waitingWith: number | undefined;
  private scheduledAfterReads = false;

  constructor(
    readonly policy: Readonly<BatchPolicy>,
    private readonly runBatch: BatchRunner<R>,
    private readonly clock: Clock = systemClock,
  ) {
    this.queue = new PriorityQueue(policy.priorityLevels);
    const preferred = policy.preferredBatchSizes;
    this.targetRows = preferred.length > 0 ? Math.min(preferred[preferred.length - 1]!, policy.maxBatchSize) : policy.maxBatchSize;
  }

  /** Requests waiting (not yet dispatched). */
  get queued(): number {
    return this.queue.size;
  }

  /** Batches handed to instances and not yet finished. */
  get batchesInFlight(): number {
    return this.inFlight;
  }

  /** Admit a request, or throw ERR_QUEUE_FULL / ERR_SHUTTING_DOWN without queueing it. */
  submit(request: R): void {
    if (this.closed) throw new WsinferError('ERR_SHUTTING_DOWN', 'model is unloading');
    if (this.queue.size >= this.policy.maxQueueSize) {
      throw new WsinferError('ERR_QUEUE_FULL', `queue holds ${this.queue.size} requests (maxQueueSize ${this.policy.maxQueueSize})`);
    }
    if (this.policy.maxBatchSize > 0 && (request.rows < 1 || request.rows > this.policy.maxBatchSize)) {
      // The validator catches this first; a request that could never fit must not sit in the queue.
      throw new WsinferError('ERR_INPUT_INVALID', `batch of ${request.rows} rows does not fit maxBatchSize ${this.policy.maxBatchSize}`);
    }
    const nowUs = this.clock.nowUs();
    const timeoutUs = request.timeoutUs ?? (this.policy.defaultTimeoutUs > 0 ? this.policy.defaultTimeoutUs : undefined);
    const priorityLevel = Math.min(request.priority ?? this.policy.defaultPriorityLevel, this.policy.priorityLevels);
    const entry: QueuedRequest<R> = {
      request,
      priorityLevel,
      enqueuedAtUs: nowUs,
      deadlineUs: timeoutUs === undefined ? undefined : nowUs + timeoutUs,
    };
    if (timeoutUs !== undefined) entry.timer = this.clock.setTimer(() => this.expire(entry), timeoutUs);
    this.queue.push(entry);
    if (this.policy.dispatchAfterReads) this.scheduleAfterReads();
    else this.schedule();
  }

  private scheduleAfterReads(): void {
    if (this.scheduledAfterReads) return;
    this.scheduledAfterReads = true;
    setImmediate(() => {
      this.scheduledAfterReads = false;
      this.schedule();
    });
  }

  /**
   * Stop admitting; keep dispatching what is queued; resolve once the queue is empty and
   * no batch runs. Never cancels a running batch: terminating a worker inside
   * session.run aborts the whole process.
   */
  drain(): Promise<void> {
    this.closed = true;
    this.schedule();
    if (this.queue.size === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private expire(entry: QueuedRequest<R>): void {
    if (!this.queue.remove(entry)) return;
    const waitedUs = Math.round(this.clock.nowUs() - entry.enqueuedAtUs);
    entry.request.fail(new WsinferError('ERR_TIMEOUT', `request timed out after ${waitedUs} µs in the queue`));
    this.schedule();
  }

  /** Form and dispatch as many batches as free instances and the policy allow. */
  private schedule(): void {
    let nextDueUs = Infinity;
    while (this.running < this.policy.maxInFlightBatches && this.queue.size > 0) {
      const nowUs = this.clock.nowUs();
      const plan = this.formBatch(nowUs);
      if (!plan.batch) {
        nextDueUs = plan.nextDueUs;
        break;
      }
      if (this.waitingWith !== undefined) {
        this.delayAdvisor.recordWait(this.queue.size > this.waitingWith, nowUs);
        this.waitingWith = undefined;
      }
      this.dispatch(plan.batch, nowUs);
    }
    if (nextDueUs !== Infinity) this.waitingWith ??= this.queue.size;
    else if (this.queue.size === 0) this.waitingWith = undefined;
    this.armDelayTimer(nextDueUs);
    this.notifyIfIdle();
  }

  /**
   * Group queued requests by shape, in priority order, each group up to maxBatchSize rows.
   * The first group that is full enough (largest preferred size), or whose oldest request
   * has waited maxQueueDelayUs, goes; otherwise say when the next group's delay runs out.
   */
  private formBatch(nowUs: number): { batch?: Array<QueuedRequest<R>>; nextDueUs: number } {
    const { maxBatchSize, maxQueueDelayUs } = this.policy;
    if (maxBatchSize === 0) return { batch: [this.queue.peek()!], nextDueUs: Infinity };

    const groups = new Map<string, { entries: Array<QueuedRequest<R>>; rows: number; oldestUs: number }>();
    // Bounded scan: enough to fill a batch of one-row requests several times over.
    let budget = Math.max(64, maxBatchSize * 4);
    for (const entry of this.queue) {
      if (budget-- === 0) break;
      let group = groups.get(entry.request.shapeKey);
      if (!group) {
        group = { entries: [], rows: 0, oldestUs: entry.enqueuedAtUs };
        groups.set(entry.request.shapeKey, group);
      }
      group.oldestUs = Math.min(group.oldestUs, entry.enqueuedAtUs);
      if (group.rows + entry.request.rows > maxBatchSize) continue;
      group.entries.push(entry);
      group.rows += entry.request.rows;
    }

    let nextDueUs = Infinity;
    let waitAllowed: boolean | undefined;
    for (const group of groups.values()) {
      const dueUs = group.oldestUs + maxQueueDelayUs;
      const full = group.rows >= this.targetRows;
      if (full || nowUs >= dueUs || this.closed || !(waitAllowed ??= this.delayAdvisor.shouldWait(nowUs))) {
        const batch = this.cutToPreferred(group.entries, group.rows);
        return { batch: full ? batch : this.spread(batch, groups.size), nextDueUs };
      }
      nextDueUs = Math.min(nextDueUs, dueUs);
    }
    return { nextDueUs };
  }

  /**
   * A partial batch leaving while several instances are free is shared out among them,
   * one share per instance left after each other shape group gets one: on a compute-bound
   * model, 8 rows on two instances finish in half the time of 8 rows on one (medium at
   * concurrency 8, BENCHMARKS.md). A full batch is never split.
   */
  private spread(batch: Array<QueuedRequest<R>>, groupCount: number): Array<QueuedRequest<R>> {
    const shares = this.policy.maxInFlightBatches - this.running - (groupCount - 1);
    if (shares < 2 || batch.length < 2) return batch;
    let rows = 0;
    for (const entry of batch) rows += entry.request.rows;
    const shareRows = Math.ceil(rows / shares);
    let taken = 0;
    let length = 0;
    while (length < batch.length && (length === 0 || taken + batch[length]!.request.rows <= shareRows)) taken += batch[length++]!.request.rows;
    return batch.slice(0, length);
  }

  /** Prefer the longest prefix whose rows are a preferred size; else the whole set. */
  private cutToPreferred(taken: Array<QueuedRequest<R>>, rows: number): Array<QueuedRequest<R>> {
    const preferred = this.policy.preferredBatchSizes;
    if (preferred.length === 0 || preferred.includes(rows)) return taken;
    let bestLength = 0;
    let sum = 0;
    for (let i = 0; i < taken.length; i++) {
      sum += taken[i]!.request.rows;
      if (preferred.includes(sum)) bestLength = i + 1;
    }
    return bestLength > 0 ? taken.slice(0, bestLength) : taken;
  }

  private dispatch(entries: Array<QueuedRequest<R>>, nowUs: number): void {
    const requests: R[] = [];
    const queueUs: number[] = [];
    let rows = 0;
    for (const entry of entries) {
      this.queue.remove(entry);
      entry.timer?.cancel();
      requests.push(entry.request);
      queueUs.push(Math.round(nowUs - entry.enqueuedAtUs));
      rows += entry.request.rows;
    }
    this.inFlight++;
    this.running++;
    let holdsInstance = true;
    const freeInstance = (): boolean => {
      if (!holdsInstance) return false;
      holdsInstance = false;
      this.running--;
      return true;
    };
    // Under load the next batch is already queued: on a compute-bound model, answering a
    // batch of 22 one by one first left its instance idle for a few per cent of the time.
    const instanceFree = (): void => {
      if (freeInstance()) this.schedule();
    };
    const finished = (): void => {
      freeInstance();
      this.inFlight--;
      this.schedule();
    };
    this.runBatch({ requests, rows, queueUs, instanceFree }).then(finished, (error: unknown) => {
      // The runner answers its requests itself; a rejection here is a bug in it, and
      // the requests must still not hang.
      const failure = new WsinferError('ERR_INTERNAL', `batch failed: ${(error as Error)?.message ?? error}`);
      for (const request of requests) request.fail(failure);
      finished();
    });
  }

  /** One timer, for the moment the earliest waiting group's delay runs out. */
  private armDelayTimer(dueUs: number): void {
    if (dueUs === this.delayTimerDueUs) return;
    this.delayTimer?.cancel();
    this.delayTimer = undefined;
    this.delayTimerDueUs = dueUs;
    if (dueUs === Infinity) return;
    this.delayTimer = this.clock.setTimer(() => {
      this.delayTimer = undefined;
      this.delayTimerDueUs = Infinity;
      this.schedule();
    }, dueUs - this.clock.nowUs());
  }

  private notifyIfIdle(): void {
    if (!this.closed || this.queue.size > 0 || this.inFlight > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
