// Loads the addon directly in a worker thread, takes a few snapshots (async and sync) and
// posts them back; the addon must be context-aware for this to load at all. With
// `abandon`, it starts one snapshot and reports without waiting for it, so the test can
// terminate the worker while NVML is still being read.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const addon = createRequire(import.meta.url)('../../build/Release/wsinfer_nvml.node');
if (workerData.abandon) {
  void addon.snapshot(workerData.libraryPath);
  parentPort.postMessage('started');
} else {
  const snapshots = [];
  for (let round = 0; round < workerData.rounds; round += 1) {
    snapshots.push(await addon.snapshot(workerData.libraryPath));
  }
  snapshots.push(addon.snapshotSync(workerData.libraryPath));
  parentPort.postMessage(snapshots);
}
