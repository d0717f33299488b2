import { describe, expect, it } from 'vitest';
import { readGpuSnapshot } from '../../src/gpu/gpu-monitor.js';
import type { GpuSnapshot } from '../../src/gpu/gpu-snapshot.js';
import { formatBytes, type GpuPlacementRequest, placeOnGpu, requiredGroupBytes } from '../../src/gpu/placement.js';
import { fakeNvmlScenario, H100_MIG, type ScenarioValues } from './fake-nvml.js';
import { GIB, gpusScenario, H100_TOTAL_BYTES, MIB, ONE_FULL_ONE_FREE, UUID_A, UUID_B } from './gpu-scenarios.js';

const MIG_1G = 'MIG-33333333-aaaa-bbbb-cccc-000000000000';

async function snapshotOf(values: ScenarioValues, timeSliceReplicas: number | null = null): Promise<GpuSnapshot> {
  return readGpuSnapshot({ libraryPath: fakeNvmlScenario(values).libraryPath, timeSliceReplicas, env: {} });
}

/** Two instances of a 10 MiB model at the default factor: 60 MiB. */
const SMALL: GpuPlacementRequest = { count: 2, modelBytes: 10 * MIB, memoryFactor: 3 };

describe('GPU placement at load', () => {
  it('estimates model bytes × factor per instance', () => {
    expect(requiredGroupBytes(SMALL)).toBe(60 * MIB);
    expect(requiredGroupBytes({ count: 1, modelBytes: 1000, memoryFactor: 1.5 })).toBe(1500);
    expect(formatBytes(64 * 1024)).toBe('64.0 KiB');
    expect(formatBytes(512)).toBe('512 B');
  });

  it('puts the group on the visible GPU with the most free memory', async () => {
    const decision = placeOnGpu(await snapshotOf(ONE_FULL_ONE_FREE), {}, SMALL);
    expect(decision).toMatchObject({
      outcome: 'device',
      device: { cudaDeviceId: 1, index: 1, uuid: UUID_B, name: 'NVIDIA H100 80GB HBM3', freeBytes: 70 * GIB, requiredBytes: 60 * MIB },
      reason: `cuda:1 = GPU 1 (NVIDIA H100 80GB HBM3, ${UUID_B}): 70.0 GiB free; 2 instance(s) need ~60.0 MiB (2 × 10.0 MiB model × 3)`,
    });
    expect(decision.outcome === 'device' && 'migUuid' in decision.device).toBe(false);
  });

  it('prefers more free memory among GPUs that all fit, and says so', async () => {
    const snapshot = await snapshotOf(gpusScenario([{ uuid: UUID_A, freeBytes: 20 * GIB }, { uuid: UUID_B, freeBytes: 30 * GIB }]));
    const decision = placeOnGpu(snapshot, {}, SMALL);
    expect(decision.outcome === 'device' && decision.device.uuid).toBe(UUID_B);
    expect(decision.reason).toContain('30.0 GiB free, the most of 2 that fit');
  });

  it('honours instanceGroup gpus, and says why nothing fits there', async () => {
    const snapshot = await snapshotOf(ONE_FULL_ONE_FREE);
    expect(placeOnGpu(snapshot, {}, { ...SMALL, gpus: [0] })).toEqual({
      outcome: 'none',
      reason: `no GPU can hold the group: 2 instance(s) need ~60.0 MiB (2 × 10.0 MiB model × 3); cuda:0 = GPU 0 (NVIDIA H100 80GB HBM3, ${UUID_A}): 64.0 KiB free`,
      notes: [],
    });
    expect(placeOnGpu(snapshot, {}, { ...SMALL, gpus: [5] })).toMatchObject({ outcome: 'none', reason: 'none of gpus [5] is a visible CUDA device (visible: 0, 1)' });
  });

  it('finds no room when the group is larger than any GPU has free', async () => {
    const decision = placeOnGpu(await snapshotOf(ONE_FULL_ONE_FREE), {}, { count: 4, modelBytes: 10 * GIB, memoryFactor: 3 });
    expect(decision.outcome).toBe('none');
    expect(decision.reason).toContain('4 instance(s) need ~120.0 GiB (4 × 10.0 GiB model × 3)');
    expect(decision.reason).toContain(`cuda:1 = GPU 1 (NVIDIA H100 80GB HBM3, ${UUID_B}): 70.0 GiB free`);
  });

  it('uses CUDA ordinals after CUDA_VISIBLE_DEVICES for the session', async () => {
    const decision = placeOnGpu(await snapshotOf(ONE_FULL_ONE_FREE), { CUDA_VISIBLE_DEVICES: `${UUID_B},${UUID_A}` }, SMALL);
    expect(decision).toMatchObject({ outcome: 'device', device: { cudaDeviceId: 0, index: 1, uuid: UUID_B } });
  });

  it('places on the MIG instance the process was started with, as CUDA device 0', async () => {
    const decision = placeOnGpu(await snapshotOf(H100_MIG), { CUDA_VISIBLE_DEVICES: MIG_1G }, SMALL);
    expect(decision).toEqual({
      outcome: 'device',
      device: {
        cudaDeviceId: 0,
        index: 0,
        uuid: 'GPU-aaaaaaaa-0000-0000-0000-000000000001',
        name: 'NVIDIA H100 80GB HBM3',
        migUuid: MIG_1G,
        migProfile: '1g.10gb',
        freeBytes: 9856 * MIB,
        requiredBytes: 60 * MIB,
      },
      reason: `cuda:0 = MIG 1g.10gb (GI 9) of GPU 0 (NVIDIA H100 80GB HBM3, ${MIG_1G}): 9.6 GiB free; 2 instance(s) need ~60.0 MiB (2 × 10.0 MiB model × 3)`,
      notes: [],
    });
  });

  it('does not place on a GPU in MIG mode taken whole, and says how to pick an instance', async () => {
    const decision = placeOnGpu(await snapshotOf(H100_MIG), {}, SMALL);
    expect(decision.outcome).toBe('none');
    expect(decision.reason).toContain('GPU 0 is in MIG mode and cannot be used whole; start the process with CUDA_VISIBLE_DEVICES=MIG-<uuid>');
  });

  it('counts only its share of a time-sliced GPU', async () => {
    const snapshot = await snapshotOf(gpusScenario([{ uuid: UUID_A, freeBytes: 70 * GIB }]), 4);
    const shareBytes = Math.floor(H100_TOTAL_BYTES / 4);
    expect(placeOnGpu(snapshot, {}, SMALL)).toMatchObject({ outcome: 'device', device: { freeBytes: shareBytes } });
    const big = placeOnGpu(snapshot, {}, { count: 1, modelBytes: 10 * GIB, memoryFactor: 3 });
    expect(big.outcome).toBe('none');
    expect(big.reason).toContain(`${formatBytes(shareBytes)} free (counting 1/4 of its memory: time-sliced between 4 pods)`);
  });

  it('says why when no GPU is visible', async () => {
    expect(placeOnGpu(await snapshotOf({ driver: '550.54.15', count: 0 }), {}, SMALL)).toMatchObject({ outcome: 'none', reason: 'no GPU to place on: NVML reports 0 GPU(s)' });
    expect(placeOnGpu(await snapshotOf(ONE_FULL_ONE_FREE), { CUDA_VISIBLE_DEVICES: '' }, SMALL)).toMatchObject({
      outcome: 'none',
      reason: "no GPU to place on: NVML reports 2 GPU(s) and CUDA_VISIBLE_DEVICES='' leaves none visible",
    });
  });

  it('places without a memory check on a GPU whose memory NVML cannot read', async () => {
    const values = gpusScenario([{ uuid: UUID_A, freeBytes: 1 }]);
    for (const key of ['gpu0.mem.total', 'gpu0.mem.reserved', 'gpu0.mem.used', 'gpu0.mem.free']) delete values[key];
    const decision = placeOnGpu(await snapshotOf(values), {}, SMALL);
    expect(decision).toMatchObject({ outcome: 'device', device: { cudaDeviceId: 0, freeBytes: null }, reason: expect.stringContaining('no memory reading') });
  });

  it('tries the configured CUDA device unchecked when NVML is unavailable or not sampled', async () => {
    expect(placeOnGpu(await snapshotOf({ init: '!9' }), {}, { ...SMALL, gpus: [2] })).toEqual({
      outcome: 'unchecked',
      cudaDeviceId: 2,
      reason: 'NVML is unavailable (nvmlInit_v2 failed: Driver Not Loaded); trying CUDA device 2 without a memory check',
      notes: [],
    });
    expect(placeOnGpu(null, {}, SMALL)).toMatchObject({ outcome: 'unchecked', cudaDeviceId: 0, reason: 'GPU sampling is off; trying CUDA device 0 without a memory check' });
  });
});
