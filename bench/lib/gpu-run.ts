/**
 * What `npm run bench:gpu` measures on a machine with an NVIDIA GPU, and the checks that
 * need no GPU to compute: nvidia-smi's CSV read into fields, and wsinfer's NVML snapshot
 * compared with it field by field.
 */
import type { StepReport } from '../../src/bench/bench-types.js';
import type { GpuDevice, GpuSnapshot } from '../../src/gpu/gpu-snapshot.js';
import type { MachineInfo } from './machine-info.js';

/** The nvidia-smi fields compared with the snapshot, in `--query-gpu` order. */
export const NVIDIA_SMI_FIELDS = [
  'index', 'uuid', 'name', 'pci.bus_id', 'driver_version',
  'memory.total', 'memory.used', 'memory.free', 'memory.reserved',
  'utilization.gpu', 'utilization.memory', 'temperature.gpu', 'power.draw',
  'mig.mode.current', 'mig.mode.pending',
] as const;

export interface NvmlFieldCheck {
  field: string;
  wsinfer: string;
  nvidiaSmi: string;
  agrees: boolean;
}

export interface NvmlComparison {
  /** When it was taken: idle, under a given load, while wsinfer served on CUDA. */
  when: string;
  gpuIndex: number;
  fields: NvmlFieldCheck[];
}

/** What reading NVML costs through the addon, in milliseconds. */
export interface NvmlCost {
  /** The first snapshot of a fresh process: dlopen, nvmlInit and the reads. */
  firstSnapshotMs: number;
  syncMedianMs: number;
  syncMaxMs: number;
  /** snapshot() on the libuv pool, awaited one at a time. */
  asyncMedianMs: number;
  asyncMaxMs: number;
  /** Worker threads that each loaded the addon, read a snapshot and exited, one after another. */
  workerThreads: number;
  /** All of them saw the same GPUs as the main thread, which still read them after they exited. */
  workersAgree: boolean;
}

export interface CudaLimitPoint {
  batch: number;
  medianRunUs: number;
  rowsPerSec: number;
}

/** One model straight on onnxruntime's CUDA EP, in this process: no server, no I/O. */
export type CudaDirectRun =
  | { status: 'unavailable'; reason: string }
  | {
      status: 'measured';
      /** ‖cuda − cpu‖ / ‖cpu‖ over one batch of maxBatchSize rows. */
      relativeErrorVsCpu: number;
      /** One session, batches back to back. */
      limit: CudaLimitPoint[];
    };

/** The model served by wsinfer from an instance group of kind `gpu`. */
export interface CudaServedRun {
  /** The model's state in GET /v2/models/{name}, and its reason when not ready. */
  state: string;
  reason?: string;
  /** Closed loop, one row per request, when the model was ready. */
  steps: StepReport[];
  /** Highest NVML utilisation sampled while the load ran. */
  busiestGpuPercent: number | null;
  /** Device memory NVML attributes to the server process, largest sampled. */
  serverDeviceBytes: number | null;
}

export interface CudaModelRun {
  model: string;
  maxBatchSize: number;
  direct: CudaDirectRun;
  served: CudaServedRun;
}

export interface GpuRun {
  machine: MachineInfo;
  startedAt: string;
  durationMs: number;
  /** The command line that produced the run. */
  command: string;
  snapshot: GpuSnapshot;
  /** nvidia-smi's path when it was found; comparisons are empty without it. */
  nvidiaSmi: string | null;
  comparisons: NvmlComparison[];
  nvmlCost: NvmlCost;
  models: CudaModelRun[];
}

/** Rows of `nvidia-smi --query-gpu=… --format=csv,nounits`, keyed by field name without its unit. */
export function parseNvidiaSmiCsv(text: string): Array<Record<string, string>> {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) return [];
  const header = lines[0]!.split(',').map((h) => h.trim().replace(/\s*\[.*\]$/, ''));
  return lines.slice(1).map((line) => {
    const values = line.split(',').map((v) => v.trim());
    return Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
  });
}

/** nvidia-smi's answer when it has no value for a field. */
function isNotAvailable(text: string): boolean {
  return text === '' || /^\[?N\/A\]?$/i.test(text) || /not supported/i.test(text);
}

const MIB = 2 ** 20;

/** Numbers read at two instants a few ms apart: each field's allowed difference. */
function numeric(field: string, ours: number | null | undefined, theirs: string, tolerance: (ours: number, theirs: number) => boolean, digits = 0): NvmlFieldCheck {
  if (ours === null || ours === undefined) return { field, wsinfer: 'null', nvidiaSmi: theirs, agrees: isNotAvailable(theirs) };
  const value = Number(theirs);
  const agrees = !isNotAvailable(theirs) && Number.isFinite(value) && tolerance(ours, value);
  return { field, wsinfer: ours.toFixed(digits), nvidiaSmi: theirs, agrees };
}

function text(field: string, ours: string | null | undefined, theirs: string): NvmlFieldCheck {
  if (ours === null || ours === undefined) return { field, wsinfer: 'null', nvidiaSmi: theirs, agrees: isNotAvailable(theirs) };
  return { field, wsinfer: ours, nvidiaSmi: theirs, agrees: ours === theirs };
}

function migMode(field: string, ours: boolean, theirs: string): NvmlFieldCheck {
  const wsinfer = ours ? 'Enabled' : 'Disabled';
  // A GPU without MIG answers [N/A]; the addon reports false for it.
  return { field, wsinfer, nvidiaSmi: theirs, agrees: theirs === wsinfer || (!ours && isNotAvailable(theirs)) };
}

/**
 * The snapshot's device beside nvidia-smi's row for it. Memory in MiB within 1 (nvidia-smi
 * rounds); utilisation within 5 points and temperature within 2 °C (two reads, a few ms
 * apart, of values the driver samples); power within 5 % or 5 W.
 */
export function compareWithNvidiaSmi(device: GpuDevice, driverVersion: string | null, row: Record<string, string>): NvmlFieldCheck[] {
  const mib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? null : bytes / MIB);
  const withinMiB = (a: number, b: number) => Math.abs(a - b) <= 1;
  return [
    numeric('index', device.index, row['index'] ?? '', (a, b) => a === b),
    text('uuid', device.uuid, row['uuid'] ?? ''),
    text('name', device.name, row['name'] ?? ''),
    text('PCI bus id', device.pciBusId, row['pci.bus_id'] ?? ''),
    text('driver', driverVersion, row['driver_version'] ?? ''),
    numeric('memory total, MiB', mib(device.memory?.totalBytes), row['memory.total'] ?? '', withinMiB),
    numeric('memory used, MiB', mib(device.memory?.usedBytes), row['memory.used'] ?? '', withinMiB),
    numeric('memory free, MiB', mib(device.memory?.freeBytes), row['memory.free'] ?? '', withinMiB),
    numeric('memory reserved, MiB', mib(device.memory?.reservedBytes), row['memory.reserved'] ?? '', withinMiB),
    numeric('utilization gpu, %', device.utilization?.gpuPercent, row['utilization.gpu'] ?? '', (a, b) => Math.abs(a - b) <= 5),
    numeric('utilization memory, %', device.utilization?.memoryPercent, row['utilization.memory'] ?? '', (a, b) => Math.abs(a - b) <= 5),
    numeric('temperature, °C', device.temperatureC, row['temperature.gpu'] ?? '', (a, b) => Math.abs(a - b) <= 2),
    numeric('power, W', device.powerWatts, row['power.draw'] ?? '', (a, b) => Math.abs(a - b) <= Math.max(5, 0.05 * b), 1),
    migMode('MIG current', device.mig.current, row['mig.mode.current'] ?? ''),
    migMode('MIG pending', device.mig.pending, row['mig.mode.pending'] ?? ''),
  ];
}

/** `--query-compute-apps` fields: the processes holding a CUDA context, per GPU. */
export const NVIDIA_SMI_APP_FIELDS = ['gpu_uuid', 'pid', 'used_memory'] as const;

/**
 * The device's compute processes beside nvidia-smi's rows for the same GPU, as
 * `pid: MiB` sorted by pid: the same pids, and memory within 1 MiB each.
 */
export function compareProcesses(device: GpuDevice, apps: ReadonlyArray<Record<string, string>>): NvmlFieldCheck {
  // Asked for as used_memory, headed used_gpu_memory in nvidia-smi's answer.
  const theirs = apps.filter((a) => a['gpu_uuid'] === device.uuid).map((a) => ({ pid: Number(a['pid']), mib: Number(a['used_gpu_memory'] ?? a['used_memory']) }));
  const ours = (device.processes ?? []).map((p) => ({ pid: p.pid, mib: p.usedMemoryBytes === null ? null : p.usedMemoryBytes / MIB }));
  const show = (list: Array<{ pid: number; mib: number | null }>) =>
    list.length === 0 ? 'none' : [...list].sort((a, b) => a.pid - b.pid).map((p) => `${p.pid}: ${p.mib === null ? 'null' : p.mib.toFixed(0)}`).join(', ');
  if (device.processes === null) return { field: 'compute processes, pid: MiB', wsinfer: 'null', nvidiaSmi: show(theirs), agrees: false };
  const agrees = ours.length === theirs.length &&
    ours.every((p) => theirs.some((t) => t.pid === p.pid && (p.mib === null ? Number.isNaN(t.mib) : Math.abs(t.mib - p.mib) <= 1)));
  return { field: 'compute processes, pid: MiB', wsinfer: show(ours), nvidiaSmi: show(theirs), agrees };
}

/**
 * Compares every device of the snapshot with its nvidia-smi row, matched by UUID;
 * `appsCsv`, from `--query-compute-apps`, adds the compute processes.
 */
export function compareSnapshot(when: string, snapshot: GpuSnapshot, csv: string, appsCsv?: string): NvmlComparison[] {
  const rows = parseNvidiaSmiCsv(csv);
  const apps = appsCsv === undefined ? undefined : parseNvidiaSmiCsv(appsCsv);
  return snapshot.devices.map((device) => {
    const row = rows.find((r) => r['uuid'] === device.uuid);
    const fields = row
      ? [...compareWithNvidiaSmi(device, snapshot.driverVersion, row), ...(apps ? [compareProcesses(device, apps)] : [])]
      : [{ field: 'uuid', wsinfer: device.uuid, nvidiaSmi: 'no such GPU', agrees: false }];
    return { when, gpuIndex: device.index, fields };
  });
}
