/**
 * One onnxruntime session in a worker thread, running batches back to back for the
 * limit measurement: no I/O, no serialisation, just session.run on prepared inputs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { type ExecutionProvider, sessionOptions } from '../../src/runtime/session-factory.js';
import { sineFeeds } from './sine-feeds.js';

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

const feedsByBatch = new Map<number, Record<string, ort.Tensor>>();

parentPort!.on('message', async (request: LimitRequest) => {
  if (request.op === 'once') {
    let feeds = feedsByBatch.get(request.batch);
    if (!feeds) feedsByBatch.set(request.batch, (feeds = sineFeeds(session, request.batch)));
    const t0 = performance.now();
    await session.run(feeds);
    parentPort!.postMessage({ runUs: (performance.now() - t0) * 1000 } satisfies LimitOnceReply);
    return;
  }
  const feeds = sineFeeds(session, request.batch);
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
