/**
 * What one NVML snapshot costs through the addon on this machine: the first (which opens
 * the library and calls nvmlInit), then steady reads on the calling thread and on the libuv
 * pool, and worker threads that each load the addon, read, and exit, which must leave the
 * main thread's own NVML initialisation working (nvmlInit and nvmlShutdown are counted).
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { loadNvmlBinding } from '../../src/gpu/nvml-binding.js';
import type { NvmlCost } from './gpu-run.js';

const ADDON = fileURLToPath(new URL('../../build/Release/wsinfer_nvml.node', import.meta.url));
const SYNC_READS = 30;
const ASYNC_READS = 10;
const WORKER_THREADS = 3;

function msSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** A worker that loads the addon itself and answers with the UUIDs it sees. */
function uuidsInWorker(libraryPath: string | null): Promise<string[]> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const nvml = require(workerData.addon);
    nvml.snapshot(workerData.libraryPath).then((s) => parentPort.postMessage(s.devices.map((d) => d.uuid)));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { addon: ADDON, libraryPath } });
    worker.once('message', (uuids: string[]) => {
      resolve(uuids);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

export async function measureNvmlCost(libraryPath: string | null): Promise<NvmlCost> {
  const nvml = loadNvmlBinding();
  let start = process.hrtime.bigint();
  const first = nvml.snapshotSync(libraryPath);
  const firstSnapshotMs = msSince(start);
  const sync: number[] = [];
  for (let i = 0; i < SYNC_READS; i++) {
    start = process.hrtime.bigint();
    nvml.snapshotSync(libraryPath);
    sync.push(msSince(start));
  }
  const async: number[] = [];
  for (let i = 0; i < ASYNC_READS; i++) {
    start = process.hrtime.bigint();
    await nvml.snapshot(libraryPath);
    async.push(msSince(start));
  }
  const expected = first.devices.map((d) => d.uuid).join(',');
  let workersAgree = true;
  for (let i = 0; i < WORKER_THREADS; i++) {
    const uuids = await uuidsInWorker(libraryPath);
    workersAgree &&= uuids.join(',') === expected;
  }
  const after = nvml.snapshotSync(libraryPath);
  workersAgree &&= after.available && after.devices.map((d) => d.uuid).join(',') === expected;
  return {
    firstSnapshotMs,
    syncMedianMs: median(sync),
    syncMaxMs: Math.max(...sync),
    asyncMedianMs: median(async),
    asyncMaxMs: Math.max(...async),
    workerThreads: WORKER_THREADS,
    workersAgree,
  };
}
