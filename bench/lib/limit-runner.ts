/**
 * The limit: how many rows/s onnxruntime-node itself reaches on this machine, in one
 * process with no I/O, over the ways of spending the cores (sessions in worker threads ×
 * intra-op threads each) and the batch sizes the server may form. The best of these is
 * the ceiling wsinfer's throughput is compared with.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { processCpuSince, readProcessCpu } from '../../src/bench/process-cpu.js';
import type { ExecutionProvider } from '../../src/runtime/session-factory.js';
import type { LimitOnceReply, LimitReply, LimitRequest, LimitWorkerData } from './limit-worker.js';

const TRAMPOLINE = new URL('../../src/workers/tsx-trampoline.mjs', import.meta.url);
const WORKER_ENTRY = new URL('./limit-worker.ts', import.meta.url).href;

export interface Layout {
  sessions: number;
  intraOpThreads: number;
}

export interface LimitPoint extends Layout {
  batch: number;
  rowsPerSec: number;
  medianRunUs: number;
  /**
   * CPU the sessions' threads used while they ran, % of one core: this process's CPU
   * beyond its main thread, which only waits meanwhile. Where /proc could be read.
   */
  computePercent?: number;
}

export interface LimitResult {
  points: LimitPoint[];
  best: LimitPoint;
  /** Median batch-1 run time of one session alone, by intra-op threads. */
  batch1RunUsByThreads: Record<number, number>;
}

/** One session per core with one thread each, one session using every core, and one single-threaded session. */
export function layoutsFor(cores: number): Layout[] {
  const layouts: Layout[] = [{ sessions: 1, intraOpThreads: 1 }];
  if (cores > 1) layouts.push({ sessions: 1, intraOpThreads: cores }, { sessions: cores, intraOpThreads: 1 });
  return layouts;
}

/** Powers of 4 up to maxBatchSize, and maxBatchSize itself. */
export function batchSizesFor(maxBatchSize: number): number[] {
  const sizes = new Set<number>();
  for (let b = 1; b < maxBatchSize; b *= 4) sizes.add(b);
  sizes.add(Math.max(1, maxBatchSize));
  return [...sizes].sort((a, b) => a - b);
}

function startWorker(modelPath: string, intraOpThreads: number, executionProvider: ExecutionProvider): Promise<Worker> {
  const data: LimitWorkerData & { tsEntry: string } = { modelPath, intraOpThreads, executionProvider, tsEntry: WORKER_ENTRY };
  const worker = new Worker(TRAMPOLINE, { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });
}

function run<R = LimitReply>(worker: Worker, request: LimitRequest): Promise<R> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    worker.once('message', (reply: R) => {
      worker.off('error', onError);
      resolve(reply);
    });
    worker.once('error', onError);
    worker.postMessage(request);
  });
}

/** One layout's sessions, kept loaded so they can be measured again later (paired runs). */
export class LimitSessions {
  private constructor(readonly layout: Layout, private readonly workers: Worker[]) {}

  static async start(modelPath: string, layout: Layout, executionProvider: ExecutionProvider = 'cpu'): Promise<LimitSessions> {
    const workers = await Promise.all(Array.from({ length: layout.sessions }, () => startWorker(modelPath, layout.intraOpThreads, executionProvider)));
    return new LimitSessions(layout, workers);
  }

  /** Every session runs `batch`-row batches back to back for `durationMs`, all at once. */
  async measure(batch: number, durationMs: number): Promise<LimitPoint> {
    const cpuAtStart = readProcessCpu(process.pid);
    const started = performance.now();
    const replies = await Promise.all(this.workers.map((w) => run(w, { op: 'run', batch, durationMs, warmupRuns: 3 })));
    const cpu = processCpuSince(cpuAtStart, readProcessCpu(process.pid));
    const elapsedMs = performance.now() - started;
    const rowsPerSec = replies.reduce((sum, r) => sum + r.rows / (r.elapsedMs / 1000), 0);
    const medianRunUs = replies.reduce((sum, r) => sum + r.medianRunUs, 0) / replies.length;
    // Includes the three warm-up runs each session makes first, as the elapsed time does.
    const computePercent = cpu && elapsedMs > 0 ? ((cpu.processUs - cpu.mainThreadUs) / 1000 / elapsedMs) * 100 : undefined;
    return { ...this.layout, batch, rowsPerSec, medianRunUs, ...(computePercent !== undefined && { computePercent }) };
  }

  get count(): number {
    return this.workers.length;
  }

  /** Session `index` runs one batch of `batch` rows; resolves with the run's time in µs. */
  async runOnce(index: number, batch: number): Promise<number> {
    return (await run<LimitOnceReply>(this.workers[index]!, { op: 'once', batch })).runUs;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Points this close to the best are ties: one short window cannot tell them apart. */
export const LIMIT_TIE_FRACTION = 0.03;

/**
 * Each layout's best point, where it is within LIMIT_TIE_FRACTION of the best overall, best
 * first: the ways of using the cores that a later comparison should all try.
 */
export function limitContenders(limit: Pick<LimitResult, 'points' | 'best'>): LimitPoint[] {
  const bestByLayout = new Map<string, LimitPoint>();
  for (const point of limit.points) {
    const key = `${point.sessions}x${point.intraOpThreads}`;
    const held = bestByLayout.get(key);
    if (!held || point.rowsPerSec > held.rowsPerSec) bestByLayout.set(key, point);
  }
  return [...bestByLayout.values()]
    .filter((p) => p.rowsPerSec >= limit.best.rowsPerSec * (1 - LIMIT_TIE_FRACTION))
    .sort((a, b) => b.rowsPerSec - a.rowsPerSec);
}

export async function measureLimit(modelPath: string, maxBatchSize: number, durationMs: number, cores = cpus().length): Promise<LimitResult> {
  const points: LimitPoint[] = [];
  for (const layout of layoutsFor(cores)) {
    const sessions = await LimitSessions.start(modelPath, layout);
    try {
      for (const batch of batchSizesFor(maxBatchSize)) points.push(await sessions.measure(batch, durationMs));
    } finally {
      await sessions.close();
    }
  }
  const best = points.reduce((a, b) => (b.rowsPerSec > a.rowsPerSec ? b : a));
  const batch1RunUsByThreads: Record<number, number> = {};
  for (const p of points) {
    if (p.sessions === 1 && p.batch === 1) batch1RunUsByThreads[p.intraOpThreads] = p.medianRunUs;
  }
  return { points, best, batch1RunUsByThreads };
}
