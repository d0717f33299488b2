/**
 * The server's GPUs: one GpuSampler reading NVML every `gpuSampleIntervalMs` (started before
 * models load, so placement sees the GPUs), the DCGM-named gauges on the server's /metrics,
 * the batch dispatch counters, and the placement context model loading uses.
 */
import type { Registry } from 'prom-client';
import { GpuMonitor } from '../gpu/gpu-monitor.js';
import { GpuSampler } from '../gpu/gpu-sampler.js';
import { DispatchMetrics } from '../metrics/dispatch-metrics.js';
import { registerGpuMetrics } from '../metrics/gpu-metrics.js';
import type { PlacementContext } from '../registry/instance-placement.js';
import type { GpuServerOptions } from './gpu-options.js';

export class ServerGpu {
  /** Absent when sampling is off (`gpuSampleIntervalMs` 0). */
  readonly sampler: GpuSampler | undefined;
  readonly placement: PlacementContext;
  private readonly monitor: GpuMonitor | undefined;

  constructor(options: Readonly<GpuServerOptions>, registry: Registry) {
    const env = options.gpuEnv ?? process.env;
    if (options.gpuSampleIntervalMs > 0) {
      this.monitor = new GpuMonitor({ env, ...(options.nvmlLibraryPath === undefined ? {} : { libraryPath: options.nvmlLibraryPath }) });
      this.sampler = new GpuSampler({ intervalMs: options.gpuSampleIntervalMs, source: this.monitor });
      registerGpuMetrics(registry, this.sampler);
    }
    const dispatch = new DispatchMetrics(registry);
    this.placement = Object.freeze({
      sampler: this.sampler,
      memoryFactor: options.gpuMemoryFactor,
      cudaEnv: { CUDA_VISIBLE_DEVICES: env.CUDA_VISIBLE_DEVICES, CUDA_DEVICE_ORDER: env.CUDA_DEVICE_ORDER },
      spill: { queueBatches: options.gpuSpillQueueBatches, freeMemoryFloorBytes: options.gpuSpillFreeMemoryBytes },
      recorderFor: (name: string, version: string) => dispatch.recorderFor(name, version),
    });
  }

  /** Takes the first snapshot (never fails: without NVML it says why) and keeps sampling. */
  async start(): Promise<void> {
    await this.sampler?.start();
  }

  stop(): void {
    this.sampler?.stop();
    this.monitor?.close();
  }
}

