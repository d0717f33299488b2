/**
 * One model instance: a Piscina worker thread holding one onnxruntime session and running
 * one batch per task. session.run blocks its thread, which is why it lives here and not on
 * the thread that serves sockets.
 *
 * The session loads at module evaluation (top-level await): Piscina reports the worker
 * ready only after that, so no batch arrives before the session exists. A failed load is
 * reported, not thrown — a throw here would make Piscina respawn the worker forever.
 *
 * Between batches the worker may poll for the next one (spin-gate.ts) and trims its heap
 * once idle (heap-trim.ts); both need its event loop running, which is why the pool turns
 * off Piscina's Atomics.wait.
 */
import { createRequire } from 'node:module';
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { toErrorPayload } from '../errors.js';
import { IdleHeapTrim, trimHeap } from '../runtime/heap-trim.js';
import { createSession } from '../runtime/session-factory.js';
import { warmUp } from '../runtime/warmup-feeds.js';
import { ownsBuffer } from '../runtime/tensor-batch.js';
import { LoopPoller } from './loop-poller.js';
import { runBatchTask } from './run-batch-task.js';
import { SpinTicket } from './spin-gate.js';
import type { BatchTask, BatchTaskResult, InstanceReport, InstanceWorkerData, WorkerTensor } from './batch-task.js';

// Required, not imported: see runtime/onnxruntime.ts (CommonJS from an ES module).
const { Piscina } = createRequire(import.meta.url)('piscina') as typeof import('piscina');

const data = workerData as InstanceWorkerData;

async function load(): Promise<{ session?: ort.InferenceSession; report: InstanceReport }> {
  const started = performance.now();
  try {
    const session = await createSession(data.modelPath, data.settings);
    const loadMs = performance.now() - started;
    await warmUp(session, data.signature, data.batchable, data.warmupBatchSizes);
    trimHeap();
    return { session, report: { threadId, ok: true, loadMs, warmupMs: performance.now() - started - loadMs } };
  } catch (error) {
    const { code, message } = toErrorPayload(error);
    return { report: { threadId, ok: false, code: code === 'ERR_INTERNAL' ? 'ERR_MODEL_LOAD_FAILED' : code, message } };
  }
}

const loaded = await load();
const channel = new BroadcastChannel(data.reportChannel);
channel.postMessage(loaded.report);
channel.unref();

// After a batch, poll for the next one while the gate allows: a sleeping thread takes
// 60–100 µs to wake on a VM, longer than a small model's whole run.
const spinTicket = data.spin && new SpinTicket(data.spin.gate);
const nextBatchPoller = new LoopPoller(() => spinTicket?.leave());

function pollForNextBatch(): void {
  if (spinTicket?.tryEnter()) nextBatchPoller.pollFor(data.spin!.windowMs);
}

// Memory a burst of batches freed goes back to the system once the instance pauses.
const heapTrim = new IdleHeapTrim(250);

function toWorkerTensor(name: string, tensor: ort.Tensor): WorkerTensor {
  let values = tensor.data as WorkerTensor['data'];
  // Transfer needs a buffer holding exactly these bytes; copy in the rare other case.
  if (!Array.isArray(values) && !ownsBuffer(values)) values = values.slice();
  return { name, type: tensor.type as WorkerTensor['type'], dims: [...tensor.dims], data: values };
}

export default async function runBatch(task: BatchTask): Promise<BatchTaskResult | unknown> {
  nextBatchPoller.stop();
  try {
    return await runOne(task);
  } finally {
    pollForNextBatch();
    heapTrim.touch();
  }
}

async function runOne(task: BatchTask): Promise<BatchTaskResult | unknown> {
  const session = loaded.session;
  if (!session) {
    const report = loaded.report as Extract<InstanceReport, { ok: false }>;
    return { ok: false, code: report.code, message: report.message };
  }
  if (data.exitOnBatchRows !== undefined && task.inputs[0]?.dims[0] === data.exitOnBatchRows) process.exit(1);

  try {
    const { results, computeUs } = await runBatchTask(session, task);
    const outputs = task.outputNames.map((name) => toWorkerTensor(name, results[name]!));
    const transfer = outputs.flatMap((o) => (Array.isArray(o.data) ? [] : [o.data.buffer as ArrayBuffer]));
    const result: BatchTaskResult = { ok: true, outputs, computeUs };
    const movable = { [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: result };
    return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
  } catch (error) {
    return { ok: false, code: 'ERR_INFERENCE_FAILED', message: (error as Error).message ?? String(error) };
  }
}
