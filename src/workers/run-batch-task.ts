/**
 * One batch task on a session, where the caller stands: a worker instance's thread, or the
 * socket thread for an inline instance. Both then hand the outputs on in their own way (a
 * worker transfers buffers it owns; inline passes the views as they are).
 */
import type * as ort from 'onnxruntime-node';
import { onnxruntime } from '../runtime/onnxruntime.js';
import { runInPlace } from '../runtime/run-in-place.js';
import type { BatchTask } from './batch-task.js';

export interface BatchTaskRun {
  /** The requested outputs by name. */
  results: ort.InferenceSession.ReturnType;
  /** session.run alone, in µs. */
  computeUs: number;
}

export async function runBatchTask(session: ort.InferenceSession, task: BatchTask): Promise<BatchTaskRun> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of task.inputs) feeds[input.name] = new onnxruntime.Tensor(input.type, input.data, input.dims);
  const started = performance.now();
  // Now, inside this call: the batch is already formed, and deferring it a turn of the
  // event loop would only add that turn to its latency (run-in-place.ts).
  const results = await runInPlace(session, feeds, task.outputNames);
  return { results, computeUs: Math.round((performance.now() - started) * 1000) };
}
