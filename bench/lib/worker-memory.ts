/**
 * What one more worker thread costs in resident memory, split in two, measured in the
 * suite's own process with real worker_threads: a bare thread (nothing imported), and a
 * plain thread holding one onnxruntime session of the model after it has run at batch 1
 * and at maxBatchSize (arenas grown to their working size). Each figure is the slope from
 * 1 to 3 live workers, so what the first one loads once per process (onnxruntime's shared
 * library) is not counted. This is what any server with one session per worker thread
 * pays before its own code adds anything.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sessionOptions } from '../../src/runtime/session-factory.js';

/** RSS is read this long after the last worker is ready, once allocations have settled. */
const SETTLE_MS = 500;
const RUNS_PER_BATCH = 3;

export interface WorkerMemoryFigures {
  /** RSS one more worker thread with nothing imported adds. */
  bareWorkerBytes: number;
  /** RSS one more worker thread holding a session of the model adds (the bare thread included). */
  sessionWorkerBytes: number;
}

interface SessionWorkerData {
  ortPath: string;
  modelPath: string;
  options: unknown;
  batches: number[];
  runs: number;
}

// Plain CommonJS, evaluated: no tsx loader in the thread (it would add its own memory to
// every worker), like wsinfer's compiled workers. The parentPort listener keeps the thread
// — and its memory — alive: a worker whose event loop empties exits and frees everything.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', () => {});
async function loadSession(d) {
  const ort = require(d.ortPath);
  const session = await ort.InferenceSession.create(d.modelPath, d.options);
  for (const batch of d.batches) {
    const feeds = {};
    for (const m of session.inputMetadata) {
      if (!m.isTensor || m.type !== 'float32') throw new Error('input ' + m.name + ': float32 tensors only');
      const dims = m.shape.map((x, axis) => (axis === 0 ? batch : typeof x === 'number' && x >= 0 ? x : 1));
      feeds[m.name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims);
    }
    for (let i = 0; i < d.runs; i++) await session.run(feeds);
  }
  globalThis.keepSession = session;
}
(workerData ? loadSession(workerData) : Promise.resolve()).then(() => parentPort.postMessage('ready'));
`;

function startWorker(data: SessionWorkerData | null): Promise<Worker> {
  // execArgv [] so the thread does not inherit the suite's `--import tsx`.
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data, execArgv: [] });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Slope of this process's RSS from 1 to 3 live workers started with `data`, bytes per worker. */
async function rssPerWorker(data: SessionWorkerData | null): Promise<number> {
  const workers: Worker[] = [];
  try {
    workers.push(await startWorker(data));
    await sleep(SETTLE_MS);
    const rssOne = process.memoryUsage.rss();
    // One after the other, as a server starts its instances.
    for (let i = 0; i < 2; i++) workers.push(await startWorker(data));
    await sleep(SETTLE_MS);
    return (process.memoryUsage.rss() - rssOne) / 2;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function measureWorkerMemory(modelPath: string, maxBatchSize: number, intraOpThreads: number): Promise<WorkerMemoryFigures> {
  const bareWorkerBytes = await rssPerWorker(null);
  const sessionWorkerBytes = await rssPerWorker({
    ortPath: createRequire(import.meta.url).resolve('onnxruntime-node'),
    modelPath,
    // The options wsinfer's instances (and the limit's sessions) use.
    options: sessionOptions({ executionProvider: 'cpu', deviceId: 0, intraOpThreads }),
    batches: [...new Set([1, maxBatchSize])],
    runs: RUNS_PER_BATCH,
  });
  return { bareWorkerBytes, sessionWorkerBytes };
}
