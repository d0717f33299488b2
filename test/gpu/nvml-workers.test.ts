import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { RawGpuSnapshot } from '../../src/gpu/nvml-binding.js';
import { loadNvmlBinding } from '../../src/gpu/nvml-binding.js';
import { fakeNvmlScenario, H100_MIG, H100_TWO_PROCESSES } from './fake-nvml.js';

const WORKER = new URL('./nvml-worker.mjs', import.meta.url);

function snapshotsInWorker(libraryPath: string, rounds: number): Promise<{ snapshots: RawGpuSnapshot[]; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { libraryPath, rounds } });
    let snapshots: RawGpuSnapshot[] = [];
    worker.on('message', (message: RawGpuSnapshot[]) => {
      snapshots = message;
    });
    worker.on('error', reject);
    worker.on('exit', (exitCode) => resolve({ snapshots, exitCode }));
  });
}

describe('the addon in worker threads', () => {
  it('gives each of two concurrent workers its own correct snapshots, and shuts NVML down when they exit', async () => {
    const plain = fakeNvmlScenario(H100_TWO_PROCESSES);
    const mig = fakeNvmlScenario(H100_MIG);
    const [a, b] = await Promise.all([snapshotsInWorker(plain.libraryPath, 5), snapshotsInWorker(mig.libraryPath, 5)]);

    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(a.snapshots).toHaveLength(6);
    expect(b.snapshots).toHaveLength(6);
    for (const snapshot of a.snapshots) {
      expect(snapshot.available).toBe(true);
      expect(snapshot.devices.map((d) => d.uuid)).toEqual(['GPU-3f4b5c6d-1111-2222-3333-444455556666']);
      expect(snapshot.devices[0].utilization).toEqual({ gpuPercent: 37, memoryPercent: 12 });
      expect(snapshot.devices[0].processes?.map((p) => p.pid)).toEqual([4242, 4343]);
    }
    for (const snapshot of b.snapshots) {
      expect(snapshot.available).toBe(true);
      expect(snapshot.devices[0].mig).toEqual({ current: true, pending: true });
      expect(snapshot.devices[0].utilization).toBeNull();
      expect(snapshot.devices[0].migDevices.map((m) => m.gpuInstanceId)).toEqual([2, 3, 9]);
    }
    // Instance cleanup on worker exit releases the NVML reference each worker took.
    expect(plain.calls()).toEqual(['nvmlInit', 'nvmlShutdown']);
    expect(mig.calls()).toEqual(['nvmlInit', 'nvmlShutdown']);
  });

  it('serves three workers sharing one library at once', async () => {
    const fake = fakeNvmlScenario(H100_MIG);
    const results = await Promise.all([1, 2, 3].map(() => snapshotsInWorker(fake.libraryPath, 20)));
    for (const { snapshots, exitCode } of results) {
      expect(exitCode).toBe(0);
      expect(snapshots).toHaveLength(21);
      for (const snapshot of snapshots) {
        expect(snapshot.errors).toEqual([]);
        expect(snapshot.devices[0].migDevices.map((m) => m.uuid)).toEqual([
          'MIG-11111111-aaaa-bbbb-cccc-000000000000',
          'MIG-22222222-aaaa-bbbb-cccc-000000000000',
          'MIG-33333333-aaaa-bbbb-cccc-000000000000',
        ]);
      }
    }
    expect(fake.calls().sort()).toEqual(['nvmlInit', 'nvmlInit', 'nvmlInit', 'nvmlShutdown', 'nvmlShutdown', 'nvmlShutdown']);
  });

  it('survives terminating a worker while its snapshot is still reading NVML', async () => {
    const fake = fakeNvmlScenario({ ...H100_TWO_PROCESSES, delay_ms: 200 });
    const worker = new Worker(WORKER, { workerData: { libraryPath: fake.libraryPath, abandon: true } });
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    // Reaching this line is the assertion that matters: the process was not aborted.
    expect(fake.calls()).toEqual(['nvmlInit', 'nvmlShutdown']);
  });

  it('keeps one library initialised across the main thread and a worker (NVML counts inits)', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const binding = loadNvmlBinding();
    expect(binding.snapshotSync(fake.libraryPath).available).toBe(true);
    const worker = await snapshotsInWorker(fake.libraryPath, 2);
    expect(worker.snapshots.every((s) => s.available)).toBe(true);
    // The worker's shutdown left the main thread's reference intact.
    expect(binding.snapshotSync(fake.libraryPath).devices).toHaveLength(1);
    binding.close();
    expect(fake.calls()).toEqual(['nvmlInit', 'nvmlInit', 'nvmlShutdown', 'nvmlShutdown']);
  });
});
