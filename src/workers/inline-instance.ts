/**
 * An instance that runs its session on the socket thread itself (`"inline": true` in an
 * instance group): no worker, so no hand-off of the batch and its answer between threads.
 *
 * For models whose batches run in microseconds. There the two thread hand-offs of a worker
 * instance cost more CPU than the model (fraud: about 60 µs of CPU per round trip against a
 * 10–20 µs run; bench/what-we-changed.md, item 27), and on a machine with few cores that CPU
 * is what the sockets needed. The price: while a batch runs, the thread reads no sockets —
 * which is why it suits only models whose largest batch runs in well under a millisecond.
 *
 * Between answers the thread polls for the next request like it does for worker instances
 * (socket-poller.ts): one that slept ran this model's batch of one in 40 µs, against 25 µs
 * when it kept polling. The batcher dispatches to an inline instance after the event
 * loop's round of socket reads (BatchPolicy.dispatchAfterReads): otherwise the first
 * request read would find the instance free and run alone, every time.
 */
import type * as ort from 'onnxruntime-node';
import { WsinferError, toErrorPayload } from '../errors.js';
import { createSession } from '../runtime/session-factory.js';
import { warmUp } from '../runtime/warmup-feeds.js';
import type { BatchTask, BatchTaskResult, InstanceWorkerData, WorkerTensor } from './batch-task.js';
import type { ModelInstances } from './model-instances.js';
import { runBatchTask } from './run-batch-task.js';
import { batchAnswered, batchDispatched } from './socket-poller.js';
import { SpinTicket } from './spin-gate.js';

export type InlineInstanceOptions = Pick<InstanceWorkerData, 'modelPath' | 'settings' | 'signature' | 'warmupBatchSizes' | 'batchable' | 'spin'>;

export class InlineInstance implements ModelInstances {
  readonly count = 1;
  private running = false;
  /** Runs handed over while one ran: only GPU spill-over's extra in-flight batches can do that. */
  private waiting = 0;
  private turnWaiters: Array<() => void> = [];
  private closeWaiters: Array<() => void> = [];

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly spin: { ticket: SpinTicket; windowMs: number } | undefined,
  ) {}

  static async start(options: InlineInstanceOptions): Promise<InlineInstance> {
    let session: ort.InferenceSession;
    try {
      session = await createSession(options.modelPath, options.settings);
    } catch (error) {
      throw new WsinferError('ERR_MODEL_LOAD_FAILED', toErrorPayload(error).message);
    }
    try {
      await warmUp(session, options.signature, options.batchable, options.warmupBatchSizes);
    } catch (error) {
      await session.release();
      throw new WsinferError('ERR_MODEL_LOAD_FAILED', `warm-up failed: ${toErrorPayload(error).message}`);
    }
    const spin = options.spin && { ticket: new SpinTicket(options.spin.gate), windowMs: options.spin.windowMs };
    return new InlineInstance(session, spin);
  }

  get idle(): number {
    return this.running ? 0 : 1;
  }

  get queued(): number {
    return this.waiting;
  }

  async run(task: BatchTask): Promise<BatchTaskResult> {
    while (this.running) {
      this.waiting++;
      await new Promise<void>((resolve) => this.turnWaiters.push(resolve));
      this.waiting--;
    }
    this.running = true;
    if (this.spin) batchDispatched(0, this.spin.windowMs, this.spin.ticket.open);
    try {
      const { results, computeUs } = await runBatchTask(this.session, task);
      const outputs = task.outputNames.map((name): WorkerTensor => {
        const tensor = results[name]!;
        return { name, type: tensor.type as WorkerTensor['type'], dims: [...tensor.dims], data: tensor.data as WorkerTensor['data'] };
      });
      return { ok: true, outputs, computeUs };
    } catch (error) {
      return { ok: false, code: 'ERR_INFERENCE_FAILED', message: (error as Error).message ?? String(error) };
    } finally {
      this.running = false;
      if (this.spin) batchAnswered(this.spin.ticket.open ? this.spin.windowMs : 0);
      const next = this.turnWaiters.shift();
      if (next) next();
      else for (const resolve of this.closeWaiters.splice(0)) resolve();
    }
  }

  async close(): Promise<void> {
    if (this.running || this.waiting > 0) await new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    await this.session.release();
  }
}
