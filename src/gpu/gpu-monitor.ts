/**
 * Reads GPU snapshots through the native binding: resolves where libnvidia-ml lives and the
 * time-slicing factor (both from options or the environment, once), and turns the addon's
 * raw reading into a GpuSnapshot.
 */
import { WsinferError } from '../errors.js';
import type { GpuDevice, GpuMigDevice, GpuSnapshot } from './gpu-snapshot.js';
import { unavailableGpuSnapshot } from './gpu-snapshot.js';
import { migProfileName } from './mig-profile.js';
import type { NvmlBinding, RawGpuDevice, RawGpuSnapshot } from './nvml-binding.js';
import { loadNvmlBinding } from './nvml-binding.js';

/** Environment variables read when the matching option is not given. */
export const GPU_ENV = Object.freeze({
  /** Path of libnvidia-ml to dlopen instead of `libnvidia-ml.so.1`. */
  libraryPath: 'WSINFER_NVML_LIBRARY',
  /** The k8s device plugin's `nvidia.com/gpu.replicas` for this node's GPUs. */
  timeSliceReplicas: 'WSINFER_GPU_TIME_SLICE_REPLICAS',
});

export interface GpuMonitorOptions {
  /** libnvidia-ml to open. Default: env WSINFER_NVML_LIBRARY, else the addon's default. */
  libraryPath?: string | null;
  /** Pods sharing each GPU by time-slicing. Default: env WSINFER_GPU_TIME_SLICE_REPLICAS, else null. */
  timeSliceReplicas?: number | null;
  /**
   * Read instead of process.env. Passed in rather than read by the addon: C getenv() does
   * not see a Worker's `env` option.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to the built addon; tests and callers without NVML may pass another. */
  binding?: NvmlBinding;
}

export interface ResolvedGpuMonitorOptions {
  readonly libraryPath: string | null;
  readonly timeSliceReplicas: number | null;
}

export function resolveGpuMonitorOptions(options: GpuMonitorOptions = {}): ResolvedGpuMonitorOptions {
  const env = options.env ?? process.env;
  const libraryPath = options.libraryPath !== undefined ? options.libraryPath : nonEmpty(env[GPU_ENV.libraryPath]);
  let replicas = options.timeSliceReplicas;
  if (replicas === undefined) {
    const text = nonEmpty(env[GPU_ENV.timeSliceReplicas]);
    replicas = text === null ? null : Number(text);
  }
  if (replicas !== null && !(Number.isInteger(replicas) && replicas >= 1)) {
    throw new WsinferError(
      'ERR_CONFIG_INVALID',
      `timeSliceReplicas (${GPU_ENV.timeSliceReplicas}) must be an integer >= 1, got ${String(replicas)}`,
    );
  }
  return Object.freeze({ libraryPath, timeSliceReplicas: replicas });
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}

/** Anything that yields snapshots; the sampler depends on this, not on NVML. */
export interface GpuSnapshotSource {
  snapshot(): Promise<GpuSnapshot>;
}

export class GpuMonitor implements GpuSnapshotSource {
  readonly options: ResolvedGpuMonitorOptions;
  readonly #binding: NvmlBinding;

  constructor(options: GpuMonitorOptions = {}) {
    this.options = resolveGpuMonitorOptions(options);
    this.#binding = options.binding ?? loadNvmlBinding();
  }

  async snapshot(): Promise<GpuSnapshot> {
    try {
      return toGpuSnapshot(await this.#binding.snapshot(this.options.libraryPath), this.options.timeSliceReplicas);
    } catch (error) {
      return unavailableGpuSnapshot(`NVML snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Blocks the thread for the NVML calls (milliseconds; longer on a first init). */
  snapshotSync(): GpuSnapshot {
    try {
      return toGpuSnapshot(this.#binding.snapshotSync(this.options.libraryPath), this.options.timeSliceReplicas);
    } catch (error) {
      return unavailableGpuSnapshot(`NVML snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Releases this thread's NVML references — shared by every monitor on the thread, as the
   * addon keeps one per thread; later snapshots initialise again.
   */
  close(): void {
    this.#binding.close();
  }
}

/** One snapshot with options resolved from `options` and the environment. */
export function readGpuSnapshot(options: GpuMonitorOptions = {}): Promise<GpuSnapshot> {
  return new GpuMonitor(options).snapshot();
}

export function readGpuSnapshotSync(options: GpuMonitorOptions = {}): GpuSnapshot {
  return new GpuMonitor(options).snapshotSync();
}

export function toGpuSnapshot(raw: RawGpuSnapshot, timeSliceReplicas: number | null): GpuSnapshot {
  if (!raw.available) {
    return { ...unavailableGpuSnapshot(raw.reason ?? 'NVML is not available'), driverVersion: raw.driverVersion, errors: raw.errors };
  }
  return {
    available: true,
    driverVersion: raw.driverVersion,
    devices: raw.devices.map((device) => toGpuDevice(device, timeSliceReplicas)),
    errors: raw.errors,
  };
}

function toGpuDevice(raw: RawGpuDevice, timeSliceReplicas: number | null): GpuDevice {
  const parentTotalBytes = raw.memory?.totalBytes ?? null;
  const migDevices: GpuMigDevice[] = raw.migDevices.map((mig) => ({
    index: mig.index,
    uuid: mig.uuid,
    gpuInstanceId: mig.gpuInstanceId,
    computeInstanceId: mig.computeInstanceId,
    profile: migProfileName(mig.attributes, parentTotalBytes),
    memory: mig.memory,
  }));
  return {
    index: raw.index,
    uuid: raw.uuid,
    name: raw.name,
    pciBusId: raw.pciBusId,
    memory: raw.memory,
    utilization: raw.utilization,
    temperatureC: raw.temperatureC,
    powerWatts: raw.powerWatts,
    mig: raw.mig,
    migDevices,
    processes: raw.processes,
    timeSliceReplicas,
  };
}
