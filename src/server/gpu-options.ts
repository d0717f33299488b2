/**
 * The server's GPU options: NVML sampling, the memory estimate for placement, and the
 * spill-over thresholds. Part of ServerOptions; kept here so GPU settings read as one group.
 */
import { WsinferError } from '../errors.js';
import { PLACEMENT_DEFAULTS } from '../gpu/placement.js';
import { SPILL_DEFAULTS } from '../workers/instance-selector.js';

export interface GpuServerOptions {
  /** How often NVML is read for /metrics, placement and spill-over; 0 = never (no GPU gauges, CUDA device 0 unchecked). */
  gpuSampleIntervalMs: number;
  /** libnvidia-ml to open. Default: env WSINFER_NVML_LIBRARY, else libnvidia-ml.so.1. */
  nvmlLibraryPath?: string;
  /**
   * Where WSINFER_NVML_LIBRARY, WSINFER_GPU_TIME_SLICE_REPLICAS, CUDA_VISIBLE_DEVICES and
   * CUDA_DEVICE_ORDER are read. Default: process.env, which is also what CUDA itself reads.
   */
  gpuEnv?: Readonly<Record<string, string | undefined>>;
  /** Estimated device memory per instance, as a multiple of the model's bytes on disk. */
  gpuMemoryFactor: number;
  /** Batches that may wait for a busy GPU instance before batches go to the model's CPU instances. */
  gpuSpillQueueBatches: number;
  /** Under this many free bytes on the GPU (latest sample), batches go to CPU instances; 0 = off. */
  gpuSpillFreeMemoryBytes: number;
}

export const GPU_SERVER_DEFAULTS = Object.freeze({
  // NVML refreshes utilisation every 1/6 s to 1 s; sampling faster shows nothing new.
  gpuSampleIntervalMs: 1000,
  gpuMemoryFactor: PLACEMENT_DEFAULTS.memoryFactor,
  gpuSpillQueueBatches: SPILL_DEFAULTS.queueBatches,
  gpuSpillFreeMemoryBytes: SPILL_DEFAULTS.freeMemoryFloorBytes,
}) satisfies Readonly<GpuServerOptions>;

function check(ok: boolean, option: string, why: string): void {
  if (!ok) throw new WsinferError('ERR_CONFIG_INVALID', `option ${option} ${why}`);
}

export function checkGpuOptions(options: GpuServerOptions): void {
  for (const name of ['gpuSampleIntervalMs', 'gpuSpillQueueBatches', 'gpuSpillFreeMemoryBytes'] as const) {
    check(Number.isSafeInteger(options[name]) && options[name] >= 0, name, 'must be an integer ≥ 0');
  }
  check(Number.isFinite(options.gpuMemoryFactor) && options.gpuMemoryFactor > 0, 'gpuMemoryFactor', 'must be a number > 0');
  check(options.nvmlLibraryPath === undefined || (typeof options.nvmlLibraryPath === 'string' && options.nvmlLibraryPath.length > 0), 'nvmlLibraryPath', 'must be a file path');
}
