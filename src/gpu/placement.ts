/**
 * Where an instance group of kind `gpu` or `auto` goes, decided from a GPU snapshot: the
 * visible device (a whole GPU or the process's MIG instance) with the most free memory that
 * can hold all the group's instances. Pure: the loader takes the snapshot, tries CUDA on the
 * answer and falls back or fails as the group's kind says.
 *
 * The memory a group needs is estimated, not measured: model bytes × `memoryFactor` per
 * instance. onnxruntime keeps one copy of the weights per session on the device, plus its
 * arena for activations and cuDNN/cuBLAS workspaces, which for typical vision and tabular
 * models stays within another 1-2× the weights; hence a default factor of 3. The CUDA context
 * itself (a few hundred MiB per process and device) is not in the estimate.
 */
import type { CudaDeviceEnv, CudaVisibleDevice } from './cuda-visible-devices.js';
import { mapCudaDevices } from './cuda-visible-devices.js';
import type { GpuMemory, GpuSnapshot } from './gpu-snapshot.js';

export const PLACEMENT_DEFAULTS = Object.freeze({
  /** Device memory per instance, as a multiple of the model's bytes on disk. */
  memoryFactor: 3,
});

export interface GpuPlacementRequest {
  /** Instances in the group; all go on the same device. */
  count: number;
  /** CUDA ordinals the group may use (`instanceGroup[].gpus`); undefined: any visible device. */
  gpus?: readonly number[];
  /** The model's size on disk (model.onnx and its external data). */
  modelBytes: number;
  memoryFactor: number;
}

/** The device a group was placed on, as metadata and stats show it. */
export interface PlacedGpu {
  /** CUDA ordinal in this process (onnxruntime's deviceId). */
  cudaDeviceId: number;
  /** NVML index of the GPU (the parent GPU for a MIG instance). */
  index: number;
  /** `GPU-<uuid>` of the GPU. */
  uuid: string;
  name: string | null;
  /** `MIG-<uuid>` when the device is a MIG instance. */
  migUuid?: string;
  migProfile?: string | null;
  /** Free memory when placed; null when NVML could not tell. */
  freeBytes: number | null;
  /** The estimate the group had to fit in. */
  requiredBytes: number;
}

export type GpuPlacementDecision =
  /** Place on this device. */
  | { outcome: 'device'; device: PlacedGpu; reason: string; notes: readonly string[] }
  /** No visible device can hold the group: `auto` runs on CPU, `gpu` fails. */
  | { outcome: 'none'; reason: string; notes: readonly string[] }
  /** NVML cannot tell: try this CUDA ordinal without a memory check. */
  | { outcome: 'unchecked'; cudaDeviceId: number; reason: string; notes: readonly string[] };

export function requiredGroupBytes(request: Pick<GpuPlacementRequest, 'count' | 'modelBytes' | 'memoryFactor'>): number {
  return Math.ceil(request.modelBytes * request.memoryFactor * request.count);
}

/**
 * Decide where a group goes. `snapshot` null means GPU sampling is off; `env` holds the
 * process's CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER.
 */
export function placeOnGpu(snapshot: GpuSnapshot | null, env: CudaDeviceEnv, request: GpuPlacementRequest): GpuPlacementDecision {
  const fallbackOrdinal = request.gpus?.[0] ?? 0;
  if (snapshot === null || !snapshot.available) {
    const why = snapshot === null ? 'GPU sampling is off' : `NVML is unavailable (${snapshot.reason ?? 'no reason given'})`;
    return { outcome: 'unchecked', cudaDeviceId: fallbackOrdinal, reason: `${why}; trying CUDA device ${fallbackOrdinal} without a memory check`, notes: [] };
  }
  const requiredBytes = requiredGroupBytes(request);
  const need = `${request.count} instance(s) need ~${formatBytes(requiredBytes)} (${request.count} × ${formatBytes(request.modelBytes)} model × ${request.memoryFactor})`;
  const { devices, notes } = mapCudaDevices(snapshot, env);
  if (devices.length === 0) {
    const visible = env.CUDA_VISIBLE_DEVICES === undefined ? '' : ` and CUDA_VISIBLE_DEVICES='${env.CUDA_VISIBLE_DEVICES}' leaves none visible`;
    return { outcome: 'none', reason: withNotes(`no GPU to place on: NVML reports ${snapshot.devices.length} GPU(s)${visible}`, notes), notes };
  }
  const allowed = request.gpus === undefined ? devices : devices.filter((d) => request.gpus!.includes(d.cudaOrdinal));
  if (allowed.length === 0) {
    const ordinals = devices.map((d) => d.cudaOrdinal).join(', ');
    return { outcome: 'none', reason: withNotes(`none of gpus [${request.gpus!.join(', ')}] is a visible CUDA device (visible: ${ordinals})`, notes), notes };
  }

  const usable = allowed.filter((d) => d.unusableReason === null);
  const measured = usable
    .map((device) => ({ device, budget: budgetBytes(device) }))
    .filter((c): c is { device: CudaVisibleDevice; budget: number } => c.budget !== null);
  const fitting = measured.filter((c) => c.budget >= requiredBytes).sort((a, b) => b.budget - a.budget || a.device.cudaOrdinal - b.device.cudaOrdinal);
  if (fitting.length > 0) {
    const { device, budget } = fitting[0]!;
    const others = fitting.length > 1 ? `, the most of ${fitting.length} that fit` : '';
    return {
      outcome: 'device',
      device: placed(device, requiredBytes),
      reason: `${describe(device)}: ${formatBytes(budget)} free${sharedNote(device)}${others}; ${need}`,
      notes,
    };
  }
  // NVML answered but without memory for this device (a failed call): it may well fit.
  const unmeasured = usable.find((d) => budgetBytes(d) === null);
  if (unmeasured) {
    return { outcome: 'device', device: placed(unmeasured, requiredBytes), reason: `${describe(unmeasured)}: no memory reading, placed without a memory check`, notes };
  }
  const why = allowed.map((d) => `${describe(d)}: ${d.unusableReason ?? `${formatBytes(budgetBytes(d)!)} free${sharedNote(d)}`}`);
  return { outcome: 'none', reason: withNotes(`no GPU can hold the group: ${need}; ${why.join('; ')}`, notes), notes };
}

function memoryOf(device: CudaVisibleDevice): GpuMemory | null {
  return device.mig ? device.mig.memory : device.gpu.memory;
}

/**
 * Free memory, capped under time-slicing at the pod's share of the device: NVML's free
 * memory includes what the other pods sharing it have not taken yet.
 */
function budgetBytes(device: CudaVisibleDevice): number | null {
  const memory = memoryOf(device);
  if (memory === null) return null;
  const replicas = device.gpu.timeSliceReplicas;
  if (replicas === null || replicas <= 1) return memory.freeBytes;
  return Math.min(memory.freeBytes, Math.floor(memory.totalBytes / replicas));
}

function sharedNote(device: CudaVisibleDevice): string {
  const replicas = device.gpu.timeSliceReplicas;
  return replicas !== null && replicas > 1 ? ` (counting 1/${replicas} of its memory: time-sliced between ${replicas} pods)` : '';
}

function placed(device: CudaVisibleDevice, requiredBytes: number): PlacedGpu {
  const { gpu, mig } = device;
  return {
    cudaDeviceId: device.cudaOrdinal,
    index: gpu.index,
    uuid: gpu.uuid,
    name: gpu.name,
    ...(mig ? { migUuid: mig.uuid, migProfile: mig.profile } : {}),
    freeBytes: budgetBytes(device),
    requiredBytes,
  };
}

/** "cuda:0 = GPU 1 (NVIDIA H100 80GB HBM3, GPU-…)" or "cuda:0 = MIG 2g.20gb instance (GI 3) of GPU 0 (…, MIG-…)". */
export function describe(device: CudaVisibleDevice): string {
  const { gpu, mig } = device;
  const name = gpu.name ?? 'unnamed GPU';
  if (mig) {
    const gi = mig.gpuInstanceId === null ? '' : ` (GI ${mig.gpuInstanceId})`;
    return `cuda:${device.cudaOrdinal} = MIG ${mig.profile ?? 'instance'}${gi} of GPU ${gpu.index} (${name}, ${mig.uuid})`;
  }
  return `cuda:${device.cudaOrdinal} = GPU ${gpu.index} (${name}, ${gpu.uuid})`;
}

function withNotes(reason: string, notes: readonly string[]): string {
  return notes.length === 0 ? reason : `${reason} [${notes.join('; ')}]`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}
