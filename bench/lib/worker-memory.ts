/**
 * What one more worker thread costs in resident memory, split in two, measured in a
 * fresh Node process with real worker_threads: a bare thread (nothing imported), and a
 * plain thread holding one onnxruntime session of the model after it has run at batch 1
 * and at maxBatchSize (arenas grown to their working size), its heap then trimmed as any
 * server can (wsinfer does: runtime/heap-trim.ts), so the floor is not our own choice. Each figure is the slope from
 * 1 to 4 live workers, so what the first one loads once per process (onnxruntime's shared
 * library) is not counted. This is what any server with one session per worker thread
 * pays before its own code adds anything.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sessionOptions } from '../../src/runtime/session-factory.js';

/** RSS is read this long after the last worker is ready, once allocations have settled. */
const SETTLE_MS = 500;
const RUNS_PER_BATCH = 3;
/** Workers started after the first; the slope is taken over them. */
const EXTRA_WORKERS = 3;
const execFileAsync = promisify(execFile);
const HEAP_ADDON = fileURLToPath(new URL('../../build/Release/wsinfer_heap.node', import.meta.url));

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
  /** wsinfer_heap.node, to trim after the runs; absent when it was not built. */
  heapAddonPath?: string;
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
  if (d.heapAddonPath) require(d.heapAddonPath).trimHeap();
}
(workerData ? loadSession(workerData) : Promise.resolve()).then(() => parentPort.postMessage('ready'));
`;

// The measuring process: starts the workers one after the other, as a server starts its
// instances, and prints the RSS slope. A fresh process each time, because memory that
// earlier threads of a process freed is handed to new ones and hides part of their cost
// (in the suite's own process a bare thread once measured below zero).
const MEASURER_SOURCE = `
const { Worker } = require('node:worker_threads');
const [source, data, extra, settleMs] = JSON.parse(process.argv[1]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const start = () => new Promise((resolve, reject) => {
  const worker = new Worker(source, { eval: true, workerData: data });
  worker.once('message', () => resolve(worker));
  worker.once('error', reject);
});
(async () => {
  const workers = [await start()];
  await sleep(settleMs);
  const rssOne = process.memoryUsage.rss();
  for (let i = 0; i < extra; i++) workers.push(await start());
  await sleep(settleMs);
  process.stdout.write(JSON.stringify({ bytesPerWorker: (process.memoryUsage.rss() - rssOne) / extra }));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** Slope of a fresh process's RSS from 1 to 1 + EXTRA_WORKERS live workers started with `data`, bytes per worker. */
async function rssPerWorker(data: SessionWorkerData | null): Promise<number> {
  const args = JSON.stringify([WORKER_SOURCE, data, EXTRA_WORKERS, SETTLE_MS]);
  const { stdout } = await execFileAsync(process.execPath, ['-e', MEASURER_SOURCE, args], { timeout: 120_000 });
  return (JSON.parse(stdout) as { bytesPerWorker: number }).bytesPerWorker;
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
    heapAddonPath: existsSync(HEAP_ADDON) ? HEAP_ADDON : undefined,
  });
  return { bareWorkerBytes, sessionWorkerBytes };
}
