/**
 * Which instance group of a model version runs the next batch. With GPU and CPU instances
 * side by side (an `auto` or `gpu` group placed on CUDA next to a `cpu` group), batches go to
 * the GPU unless
 *   - more than `queueBatches` batches already wait for a busy GPU instance, or
 *   - the GPU's free memory in the latest snapshot is under `freeMemoryFloorBytes`,
 * and then to CPU instances ("spill-over"). Free memory comes from the sampler's cached
 * snapshot: choosing an instance never calls NVML. Without that mix, the first group with a
 * free instance gets the batch, as Triton's instance groups do.
 */
import type { GpuSnapshot } from '../gpu/gpu-snapshot.js';
import type { GpuSnapshotView } from '../gpu/gpu-sampler.js';

export const SPILL_DEFAULTS = Object.freeze({
  /** 0: spill as soon as every GPU instance is busy, i.e. use any free instance. */
  queueBatches: 0,
  /** 0: free GPU memory never diverts batches. */
  freeMemoryFloorBytes: 0,
});

export interface SpillPolicy {
  /** Batches that may wait for a busy GPU instance before the next goes to a CPU instance. */
  readonly queueBatches: number;
  /** Under this many free bytes on the GPU (latest sample), batches go to CPU instances; 0 = off. */
  readonly freeMemoryFloorBytes: number;
}

export type SpillReason = 'queue_depth' | 'memory_floor';

/** What the decision needs to know about one instance group now. */
export interface TargetLoad {
  /** Instances not running a batch. */
  readonly idle: number;
  /** Batches handed to the group that wait for an instance. */
  readonly queued: number;
  readonly gpu: boolean;
  /** Free device memory from the latest snapshot; null on CPU or when unknown. */
  readonly freeBytes: number | null;
}

export interface TargetChoice {
  /** Index into the targets. */
  readonly index: number;
  /** Set when a GPU-and-CPU model sent the batch to a CPU instance, and why. */
  readonly spill: SpillReason | null;
}

export function chooseTarget(targets: readonly TargetLoad[], policy: SpillPolicy): TargetChoice {
  const all = targets.map((_, i) => i);
  const gpu = all.filter((i) => targets[i]!.gpu);
  const cpu = all.filter((i) => !targets[i]!.gpu);
  if (gpu.length === 0 || cpu.length === 0) return { index: firstIdle(targets, all) ?? leastQueued(targets, all), spill: null };

  const floor = policy.freeMemoryFloorBytes;
  // Unknown free memory (no sample yet, NVML failing) never diverts a batch.
  const roomy = gpu.filter((i) => !(floor > 0 && targets[i]!.freeBytes !== null && targets[i]!.freeBytes! < floor));
  if (roomy.length === 0) return { index: firstIdle(targets, cpu) ?? leastQueued(targets, cpu), spill: 'memory_floor' };
  const idleGpu = firstIdle(targets, roomy);
  if (idleGpu !== undefined) return { index: idleGpu, spill: null };
  const waiting = gpu.reduce((sum, i) => sum + targets[i]!.queued, 0);
  if (waiting < policy.queueBatches) return { index: leastQueued(targets, roomy), spill: null };
  return { index: firstIdle(targets, cpu) ?? leastQueued(targets, cpu), spill: 'queue_depth' };
}

function firstIdle(targets: readonly TargetLoad[], among: readonly number[]): number | undefined {
  return among.find((i) => targets[i]!.idle > 0);
}

function leastQueued(targets: readonly TargetLoad[], among: readonly number[]): number {
  return among.reduce((best, i) => (targets[i]!.queued < targets[best]!.queued ? i : best), among[0]!);
}

/** Where one instance group runs, for the decision and the `device` label. */
export interface TargetDevice {
  /** `cpu` or `cuda:<ordinal>`. */
  readonly device: string;
  /** Runs on CUDA. */
  readonly gpu: boolean;
  /** The NVML UUID whose free memory counts (a MIG instance's own); absent when not known. */
  readonly gpuUuid?: string;
}

/** Told about every batch handed to an instance group. */
export interface DispatchRecorder {
  batchDispatched(device: string, spill: SpillReason | null): void;
}

/** The load side of an InstancePool. */
export interface PoolLoad {
  readonly idle: number;
  readonly queued: number;
}

/**
 * Chooses among a model version's pools (same order as `devices`) with the policy above,
 * and reports each choice.
 */
export class InstanceSelector {
  #snapshot: GpuSnapshot | null = null;
  #freeBytes: Array<number | null>;

  constructor(
    private readonly devices: readonly TargetDevice[],
    private readonly policy: SpillPolicy,
    private readonly snapshots?: GpuSnapshotView,
    private readonly recorder?: DispatchRecorder,
  ) {
    this.#freeBytes = devices.map(() => null);
  }

  readonly choose = <P extends PoolLoad>(pools: readonly P[]): P => {
    // Most versions have one instance group: nothing to decide, only to count.
    if (pools.length === 1) {
      this.recorder?.batchDispatched(this.devices[0]?.device ?? 'cpu', null);
      return pools[0]!;
    }
    const freeBytes = this.#currentFreeBytes();
    const loads = pools.map((pool, i): TargetLoad => ({
      idle: pool.idle,
      queued: pool.queued,
      gpu: this.devices[i]?.gpu ?? false,
      freeBytes: freeBytes[i] ?? null,
    }));
    const { index, spill } = chooseTarget(loads, this.policy);
    this.recorder?.batchDispatched(this.devices[index]?.device ?? 'cpu', spill);
    return pools[index]!;
  };

  // Looked up once per new snapshot, not per batch.
  #currentFreeBytes(): Array<number | null> {
    const latest = this.snapshots?.latest ?? null;
    if (latest !== this.#snapshot) {
      this.#snapshot = latest;
      this.#freeBytes = this.devices.map((d) => (d.gpuUuid === undefined || latest === null ? null : freeBytesOf(latest, d.gpuUuid)));
    }
    return this.#freeBytes;
  }
}

export function freeBytesOf(snapshot: GpuSnapshot, uuid: string): number | null {
  for (const device of snapshot.devices) {
    if (device.uuid === uuid) return device.memory?.freeBytes ?? null;
    for (const mig of device.migDevices) if (mig.uuid === uuid) return mig.memory?.freeBytes ?? null;
  }
  return null;
}
