/** `wsinfer serve`'s GPU flags: NVML sampling, placement's memory estimate, spill-over. */
import { GPU_SERVER_DEFAULTS, type GpuServerOptions } from '../server/gpu-options.js';

const d = GPU_SERVER_DEFAULTS;

export const GPU_SERVE_FLAGS = {
  'gpu-sample-interval-ms': { type: 'string' },
  'nvml-library': { type: 'string' },
  'gpu-memory-factor': { type: 'string' },
  'gpu-spill-queue-batches': { type: 'string' },
  'gpu-spill-free-memory-bytes': { type: 'string' },
} as const;

export const GPU_SERVE_USAGE = `      --gpu-sample-interval-ms <n>  NVML sampling for GPU metrics, placement and spill-over,
                                 0 = off (default ${d.gpuSampleIntervalMs})
      --nvml-library <path>      libnvidia-ml to load (default $WSINFER_NVML_LIBRARY, else libnvidia-ml.so.1)
      --gpu-memory-factor <x>    GPU memory per instance = model bytes × x, for placement (default ${d.gpuMemoryFactor})
      --gpu-spill-queue-batches <n>  batches that may wait for a busy GPU instance before
                                 batches go to the model's CPU instances (default ${d.gpuSpillQueueBatches})
      --gpu-spill-free-memory-bytes <n>  send batches to CPU instances while the GPU has less
                                 free memory than this, 0 = off (default ${d.gpuSpillFreeMemoryBytes})`;

type GpuFlagValues = { [K in keyof typeof GPU_SERVE_FLAGS]?: string };

function parsed(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !(integer ? Number.isSafeInteger(value) : Number.isFinite(value))) {
    throw new Error(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got '${text}'`);
  }
  return value;
}

/** Server options from the flags; range checks happen in resolveServerOptions. */
export function gpuServeOptions(values: GpuFlagValues): Partial<GpuServerOptions> {
  return {
    gpuSampleIntervalMs: parsed('gpu-sample-interval-ms', values['gpu-sample-interval-ms'], true),
    nvmlLibraryPath: values['nvml-library'],
    gpuMemoryFactor: parsed('gpu-memory-factor', values['gpu-memory-factor'], false),
    gpuSpillQueueBatches: parsed('gpu-spill-queue-batches', values['gpu-spill-queue-batches'], true),
    gpuSpillFreeMemoryBytes: parsed('gpu-spill-free-memory-bytes', values['gpu-spill-free-memory-bytes'], true),
  };
}
