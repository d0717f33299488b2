/**
 * One reading of every GPU on the host, as the rest of wsinfer sees it (placement, metrics,
 * `wsinfer gpu`). Every field NVML cannot give is `null` — a missing symbol, a "not
 * supported" answer, a failed call — never a 0 that would read as a measurement.
 */

export interface GpuMemory {
  readonly totalBytes: number;
  /** With `reservedBytes` known: allocated memory only. With it null (old drivers): includes it. */
  readonly usedBytes: number;
  readonly freeBytes: number;
  /** Set aside by the driver/firmware; only nvmlDeviceGetMemoryInfo_v2 reports it. */
  readonly reservedBytes: number | null;
}

export interface GpuUtilization {
  /** Share of the last sample period (1/6 s to 1 s) in which a kernel ran. */
  readonly gpuPercent: number;
  /** Share of it in which device memory was read or written. */
  readonly memoryPercent: number;
}

export interface GpuProcess {
  readonly pid: number;
  /** Null when the driver cannot attribute memory to the process. */
  readonly usedMemoryBytes: number | null;
}

/** A MIG compute instance: what `CUDA_VISIBLE_DEVICES=MIG-<uuid>` selects. */
export interface GpuMigDevice {
  /** NVML's MIG device slot under the parent (slots need not be contiguous). */
  readonly index: number;
  /** `MIG-<uuid>`: the id onnxruntime/CUDA accept. */
  readonly uuid: string;
  readonly gpuInstanceId: number | null;
  readonly computeInstanceId: number | null;
  /** NVIDIA's profile name, e.g. `1g.10gb` or `1c.2g.20gb`; null when attributes are unreadable. */
  readonly profile: string | null;
  readonly memory: GpuMemory | null;
}

export interface GpuDevice {
  /** NVML index. Equals the CUDA index only with CUDA_DEVICE_ORDER=PCI_BUS_ID. */
  readonly index: number;
  /** `GPU-<uuid>`. */
  readonly uuid: string;
  readonly name: string | null;
  readonly pciBusId: string | null;
  readonly memory: GpuMemory | null;
  /** Null where unsupported — always on MIG-enabled GPUs. */
  readonly utilization: GpuUtilization | null;
  readonly temperatureC: number | null;
  readonly powerWatts: number | null;
  /** `pending` differs from `current` until the GPU is reset. Both false where MIG is unsupported. */
  readonly mig: { readonly current: boolean; readonly pending: boolean };
  /** Empty unless `mig.current`. */
  readonly migDevices: readonly GpuMigDevice[];
  /** Processes with a CUDA context; null when the driver would not list them. */
  readonly processes: readonly GpuProcess[] | null;
  /**
   * How many pods the Kubernetes device plugin shares this GPU between
   * (`nvidia.com/gpu.replicas`). Invisible to NVML: comes from configuration; null when unset.
   */
  readonly timeSliceReplicas: number | null;
}

/** An NVML call that failed with something other than "not supported". */
export interface GpuSnapshotError {
  /** NVML index of the device concerned, null for host-wide calls. */
  readonly deviceIndex: number | null;
  readonly migIndex: number | null;
  /** The NVML function, e.g. `nvmlDeviceGetHandleByIndex_v2`. */
  readonly call: string;
  /** The nvmlReturn_t value. */
  readonly code: number;
  /** nvmlErrorString of it. */
  readonly message: string;
}

export interface GpuSnapshot {
  /** False when NVML could not be used at all: no addon, no library, nvmlInit failed. */
  readonly available: boolean;
  /** Why `available` is false. */
  readonly reason?: string;
  readonly driverVersion: string | null;
  /**
   * Devices that could be read. A device whose handle or UUID cannot be read is left out
   * (and listed in `errors`) rather than failing the whole snapshot.
   */
  readonly devices: readonly GpuDevice[];
  readonly errors: readonly GpuSnapshotError[];
}

export function unavailableGpuSnapshot(reason: string): GpuSnapshot {
  return { available: false, reason, driverVersion: null, devices: [], errors: [] };
}
