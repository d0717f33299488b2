import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { WsinferError } from '../../src/errors.js';
import { resolveServerOptions } from '../../src/server/server-options.js';
import { ServerGpu } from '../../src/server/server-gpu.js';
import { fakeNvmlScenario, H100_TWO_PROCESSES } from './fake-nvml.js';

describe("the server's GPU side", () => {
  it('samples the library from gpuEnv, exposes the gauges, and reads CUDA_VISIBLE_DEVICES from the same place', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const registry = new Registry();
    const options = resolveServerOptions({ gpuEnv: { WSINFER_NVML_LIBRARY: fake.libraryPath, CUDA_VISIBLE_DEVICES: '0', WSINFER_GPU_TIME_SLICE_REPLICAS: '2' }, gpuSpillQueueBatches: 3 });
    const gpu = new ServerGpu(options, registry);
    await gpu.start();
    expect(gpu.sampler?.running).toBe(true);
    expect(gpu.placement.sampler?.latest?.devices[0]?.timeSliceReplicas).toBe(2);
    expect(gpu.placement.cudaEnv).toEqual({ CUDA_VISIBLE_DEVICES: '0', CUDA_DEVICE_ORDER: undefined });
    expect(gpu.placement.spill).toEqual({ queueBatches: 3, freeMemoryFloorBytes: 0 });
    expect(gpu.placement.memoryFactor).toBe(3);
    const text = await registry.metrics();
    expect(text).toMatch(/^wsinfer_gpu_available 1$/m);
    expect(text).toMatch(/^wsinfer_gpu_time_slice_replicas\{.*\} 2$/m);
    gpu.stop();
    expect(gpu.sampler?.running).toBe(false);
  });

  it('reads no GPU and registers no GPU gauges with gpuSampleIntervalMs 0', async () => {
    const registry = new Registry();
    const gpu = new ServerGpu(resolveServerOptions({ gpuSampleIntervalMs: 0 }), registry);
    await gpu.start();
    expect(gpu.sampler).toBeUndefined();
    expect(gpu.placement.sampler).toBeUndefined();
    const text = await registry.metrics();
    expect(text).not.toContain('wsinfer_gpu_available');
    expect(text).toContain('# TYPE wsinfer_batches_total counter');
    gpu.stop();
  });

  it('rejects GPU options out of range with ERR_CONFIG_INVALID naming them', () => {
    const invalid = (overrides: Parameters<typeof resolveServerOptions>[0]) => {
      try {
        resolveServerOptions(overrides);
      } catch (error) {
        return error instanceof WsinferError ? `${error.code}: ${error.message}` : String(error);
      }
      return 'accepted';
    };
    expect(invalid({ gpuSampleIntervalMs: -1 })).toBe('ERR_CONFIG_INVALID: option gpuSampleIntervalMs must be an integer ≥ 0');
    expect(invalid({ gpuMemoryFactor: 0 })).toBe('ERR_CONFIG_INVALID: option gpuMemoryFactor must be a number > 0');
    expect(invalid({ gpuSpillQueueBatches: 1.5 })).toBe('ERR_CONFIG_INVALID: option gpuSpillQueueBatches must be an integer ≥ 0');
    expect(invalid({ gpuSpillFreeMemoryBytes: -5 })).toBe('ERR_CONFIG_INVALID: option gpuSpillFreeMemoryBytes must be an integer ≥ 0');
    expect(invalid({ nvmlLibraryPath: '' })).toBe('ERR_CONFIG_INVALID: option nvmlLibraryPath must be a file path');
    expect(invalid({ gpuMemoryFactor: 1.5, gpuSampleIntervalMs: 0 })).toBe('accepted');
  });
});
