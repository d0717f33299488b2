/**
 * The instances of one model version: a Piscina pool whose threads each hold one session.
 * `count` threads, kept alive, one task at a time each; the batcher never hands it more
 * batches than there are instances, so Piscina's own queue stays empty — except for the
 * batches GPU spill-over lets wait for a GPU instance (gpuSpillQueueBatches).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { WsinferError } from '../errors.js';
import { batchAnswered, batchDispatched } from './socket-poller.js';
import { SpinTicket } from './spin-gate.js';
import type { BatchTask, BatchTaskResult, InstanceReport, InstanceWorkerData } from './batch-task.js';
import type { ModelInstances } from './model-instances.js';

export interface InstancePoolOptions extends Omit<InstanceWorkerData, 'reportChannel' | 'tsEntry'> {
  count: number;
  /** Give up on loading after this long. */
  loadTimeoutMs: number;
  /** Told when a replacement worker (after a crash) finished loading. */
  onReplacement?: (report: InstanceReport) => void;
}

const here = import.meta.url;
// From TypeScript sources (tests, tsx) workers need tsx registered first; dist/ runs as is.
const runningFromSource = here.endsWith('.ts');
const workerFile = runningFromSource ? new URL('./tsx-trampoline.mjs', here) : new URL('./inference-worker.js', here);
const tsEntry = runningFromSource ? new URL('./inference-worker.ts', here).href : undefined;

export class InstancePool implements ModelInstances {
  private running = 0;
  /** Recent batches' run time, smoothed: when the socket thread should poll for an answer. */
  private expectedComputeMs = 0;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    private readonly pool: Piscina,
    private readonly channel: BroadcastChannel,
    readonly count: number,
    /** Per instance, as reported when it became ready. */
    readonly reports: InstanceReport[],
    private readonly spin: { ticket: SpinTicket; windowMs: number } | undefined,
  ) {}

  static async start(options: InstancePoolOptions): Promise<InstancePool> {
    const { count, loadTimeoutMs, onReplacement, ...rest } = options;
    const reportChannel = `wsinfer-instances-${randomUUID()}`;
    const channel = new BroadcastChannel(reportChannel);
    const workerData: InstanceWorkerData = { ...rest, reportChannel, tsEntry };
    const reports: InstanceReport[] = [];
    const allReported = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WsinferError('ERR_MODEL_LOAD_FAILED', `instances did not load within ${loadTimeoutMs} ms`)), loadTimeoutMs);
      channel.onmessage = (event) => {
        const report = (event as unknown as { data: InstanceReport }).data;
        if (reports.length >= count) {
          onReplacement?.(report);
          return;
        }
        reports.push(report);
        // Wait for every instance, even after a failure: destroying a worker while its
        // session loads risks the same abort as destroying it inside session.run.
        if (reports.length === count) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    const pool = new Piscina({
      // A path, not a URL: Piscina converts a URL back to a path on every run.
      filename: fileURLToPath(workerFile),
      minThreads: count,
      maxThreads: count,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      concurrentTasksPerWorker: 1,
      // Piscina's default parks an idle worker in Atomics.wait, where its event loop stands
      // still: it could neither poll for batches nor run its idle heap trim.
      atomics: 'disabled',
      workerData,
      // Piscina's own run-time histograms are not read here; recording them costs every task.
      recordTiming: false,
      // Sessions hold their own memory; a worker's JS heap stays small.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    // Worker exits surface as rejected tasks; the pool replaces the worker itself.
    pool.on('error', () => {});
    const spin = rest.spin && { ticket: new SpinTicket(rest.spin.gate), windowMs: rest.spin.windowMs };
    // A worker destroyed while polling (closed, crashed) cannot count itself out at the gate.
    if (spin) pool.on('workerDestroy', (worker: { id: number }) => spin.ticket.releaseThread(worker.id));
    const instances = new InstancePool(pool, channel, count, reports, spin);
    try {
      await allReported;
      const failed = reports.find((r) => !r.ok);
      if (failed && !failed.ok) throw new WsinferError(failed.code, failed.message);
    } catch (error) {
      await instances.close();
      throw error;
    }
    channel.unref();
    return instances;
  }

  /** Instances not running a batch now. */
  get idle(): number {
    return Math.max(0, this.count - this.running);
  }

  /** Batches handed to the pool that wait for an instance (only when GPU spill-over lets them queue). */
  get queued(): number {
    return Math.max(0, this.running - this.count);
  }

  /** Run one batch. A worker that dies while running it yields ERR_WORKER_EXITED. */
  async run(task: BatchTask, transferList: ArrayBuffer[]): Promise<BatchTaskResult> {
    this.running++;
    if (this.spin) batchDispatched(this.expectedComputeMs, this.spin.windowMs, this.spin.ticket.open);
    try {
      const result = (await this.pool.run(task, { transferList })) as BatchTaskResult;
      if (result.ok) this.expectedComputeMs += 0.2 * (result.computeUs / 1000 - this.expectedComputeMs);
      return result;
    } catch (error) {
      return { ok: false, code: 'ERR_WORKER_EXITED', message: `instance worker failed: ${(error as Error).message}` };
    } finally {
      this.running--;
      if (this.spin) batchAnswered(this.spin.ticket.open ? this.spin.windowMs : 0);
      if (this.running === 0) this.releaseIdleWaiters();
    }
  }

  /** Wait for running batches, then stop the threads (never terminate one inside session.run). */
  async close(): Promise<void> {
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.channel.close();
    await this.pool.destroy();
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
