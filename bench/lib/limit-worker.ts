/**
 * One onnxruntime session in a worker thread, running batches back to back for the
 * limit measurement: no I/O, no serialisation, just session.run on prepared inputs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { type ExecutionProvider, sessionOptions } from '../../src/runtime/session-factory.js';

export interface LimitWorkerData {
  modelPath: string;
  intraOpThreads: number;
  /** cpu unless the GPU run (bench/gpu.ts) asks for cuda. */
  executionProvider?: ExecutionProvider;
}

export type LimitRequest =
  | { op: 'run'; batch: number; durationMs: number; warmupRuns: number }
  | { op: 'once'; batch: number };
/** Reply to 'once': the run's time. */
export interface LimitOnceReply {
  runUs: number;
}
export interface LimitReply {
  runs: number;
  rows: number;
  elapsedMs: number;
  medianRunUs: number;
}

const data = workerData as LimitWorkerData;
// The session options wsinfer's instances use.
const session = await ort.InferenceSession.create(data.modelPath, sessionOptions({ executionProvider: data.executionProvider ?? 'cpu', deviceId: 0, intraOpThreads: data.intraOpThreads }));

function feedsFor(batch: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor || meta.type !== 'float32') throw new Error(`input '${meta.name}': the limit runner feeds float32 tensors only`);
    const dims = meta.shape.map((d, axis) => (axis === 0 ? batch : typeof d === 'number' && d >= 0 ? d : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[meta.name] = new ort.Tensor('float32', Float32Array.from({ length: size }, (_, i) => Math.sin(i)), dims);
  }
  return feeds;
}

const feedsByBatch = new Map<number, Record<string, ort.Tensor>>();

parentPort!.on('message', async (request: LimitRequest) => {
  if (request.op === 'once') {
    let feeds = feedsByBatch.get(request.batch);
    if (!feeds) feedsByBatch.set(request.batch, (feeds = feedsFor(request.batch)));
    const t0 = performance.now();
    await session.run(feeds);
    parentPort!.postMessage({ runUs: (performance.now() - t0) * 1000 } satisfies LimitOnceReply);
    return;
  }
  const feeds = feedsFor(request.batch);
  for (let i = 0; i < request.warmupRuns; i++) await session.run(feeds);
  const runTimesUs: number[] = [];
  const started = performance.now();
  const deadline = started + request.durationMs;
  // Bounded by time, and by count so a very fast model cannot grow the array without end.
  while (performance.now() < deadline && runTimesUs.length < 1_000_000) {
    const t0 = performance.now();
    await session.run(feeds);
    runTimesUs.push((performance.now() - t0) * 1000);
  }
  const elapsedMs = performance.now() - started;
  runTimesUs.sort((a, b) => a - b);
  const reply: LimitReply = { runs: runTimesUs.length, rows: runTimesUs.length * request.batch, elapsedMs, medianRunUs: runTimesUs[Math.floor(runTimesUs.length / 2)] ?? 0 };
  parentPort!.postMessage(reply);
});
parentPort!.postMessage('ready');
