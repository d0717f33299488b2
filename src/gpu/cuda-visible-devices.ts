/**
 * Which CUDA device ordinal each GPU or MIG instance of a snapshot has in this process.
 *
 * NVML numbers GPUs by PCI bus; onnxruntime's `deviceId` is CUDA's ordinal, which counts only
 * the devices CUDA_VISIBLE_DEVICES lists, from 0, in the listed order. CUDA reads the variable
 * once, when the process first initialises CUDA, so it must be set before the process starts.
 * Its parsing rules are CUDA's own (PyTorch's torch.cuda._parse_visible_devices mirrors them
 * and its tests pin them down): entries are split on commas; ordinals are read like strtoul
 * ("1gpu2" is 1, "+3" is 3), and a negative or non-numeric entry ends the list; `GPU-`/`MIG-`
 * entries may be any unique prefix of a UUID, and one that matches nothing or several
 * devices ends the list; an ordinal past the last GPU ends it; a device named twice hides
 * every device.
 *
 * MIG: CUDA 11 and 12 enumerate at most one MIG instance per process (NVIDIA's MIG user
 * guide, "CUDA device enumeration"): the first `MIG-<uuid>` listed. A GPU in MIG mode cannot
 * be used whole, so naming it by index or `GPU-<uuid>` (or leaving the variable unset) gives
 * CUDA nothing wsinfer can place on; such entries are reported, not used.
 */
import type { GpuDevice, GpuMigDevice, GpuSnapshot } from './gpu-snapshot.js';

export const CUDA_ENV = Object.freeze({
  visibleDevices: 'CUDA_VISIBLE_DEVICES',
  deviceOrder: 'CUDA_DEVICE_ORDER',
});

/** The variables CUDA reads to number its devices. */
export interface CudaDeviceEnv {
  readonly CUDA_VISIBLE_DEVICES?: string;
  readonly CUDA_DEVICE_ORDER?: string;
}

export interface CudaVisibleDevice {
  /** CUDA's device number in this process: what onnxruntime's CUDA provider takes as `deviceId`. */
  readonly cudaOrdinal: number;
  readonly gpu: GpuDevice;
  /** The MIG instance this ordinal is, when the entry named one. */
  readonly mig: GpuMigDevice | null;
  /** Why nothing can be placed on it (a GPU in MIG mode taken whole); null when usable. */
  readonly unusableReason: string | null;
}

export interface CudaDeviceMap {
  readonly devices: readonly CudaVisibleDevice[];
  /** Entries CUDA stops at or ignores, and numbering caveats, in words. */
  readonly notes: readonly string[];
}

type Entry = { kind: 'ordinal'; value: number; text: string } | { kind: 'uuid'; value: string };

/** CUDA_VISIBLE_DEVICES as CUDA reads it; `null` when unset (every GPU is visible). */
export function parseCudaVisibleDevices(value: string | undefined): { entries: Entry[]; notes: string[] } | null {
  if (value === undefined) return null;
  const parts = value.split(',').map((part) => part.trim());
  const entries: Entry[] = [];
  const notes: string[] = [];
  const uuidMode = /^(GPU|MIG)-/.test(parts[0] ?? '');
  for (const part of parts) {
    if (uuidMode) {
      if (!/^(GPU|MIG)-/.test(part)) {
        notes.push(`CUDA_VISIBLE_DEVICES: '${part}' is not a GPU-/MIG- UUID; CUDA ignores it and every entry after it`);
        break;
      }
      entries.push({ kind: 'uuid', value: part });
      continue;
    }
    const match = /^[+-]?\d+/.exec(part);
    const ordinal = match ? Number(match[0]) : Number.NaN;
    if (!match || ordinal < 0 || (match[0].startsWith('-') && ordinal !== 0)) {
      // An empty value or a leading "-1" is the usual way to hide every GPU: nothing to say.
      const hidesAll = entries.length === 0 && (part === '' || /^-\d+$/.test(part));
      if (!hidesAll) notes.push(`CUDA_VISIBLE_DEVICES: '${part}' is not a device ordinal; CUDA ignores it and every entry after it`);
      break;
    }
    const value = Math.abs(ordinal);
    if (entries.some((e) => e.kind === 'ordinal' && e.value === value)) {
      return { entries: [], notes: [...notes, `CUDA_VISIBLE_DEVICES names device ${value} twice, which makes CUDA see no device at all`] };
    }
    entries.push({ kind: 'ordinal', value, text: part });
  }
  return { entries, notes };
}

/** The snapshot's GPUs and MIG instances as this process's CUDA numbers them. */
export function mapCudaDevices(snapshot: GpuSnapshot, env: CudaDeviceEnv): CudaDeviceMap {
  const parsed = parseCudaVisibleDevices(env.CUDA_VISIBLE_DEVICES);
  const notes = [...(parsed?.notes ?? [])];
  // NVML may leave an unreadable GPU out of `devices`, but CUDA still counts it.
  const gpuCount = Math.max(0, ...snapshot.devices.map((d) => d.index + 1), ...snapshot.errors.map((e) => (e.deviceIndex ?? -1) + 1));
  const byIndex = new Map(snapshot.devices.map((device) => [device.index, device]));

  const targets: Array<{ gpu: GpuDevice | null; mig: GpuMigDevice | null; label: string }> = [];
  if (parsed === null) {
    for (let index = 0; index < gpuCount; index++) targets.push({ gpu: byIndex.get(index) ?? null, mig: null, label: String(index) });
  } else {
    const seen = new Set<string>();
    for (const entry of parsed.entries) {
      const found = entry.kind === 'ordinal' ? byOrdinal(entry.value, gpuCount, byIndex) : byUuidPrefix(entry.value, snapshot.devices);
      const label = entry.kind === 'ordinal' ? entry.text : entry.value;
      if (typeof found === 'string') {
        notes.push(`CUDA_VISIBLE_DEVICES: '${label}' ${found}; CUDA ignores it and every entry after it`);
        break;
      }
      const key = found.mig?.uuid ?? found.gpu?.uuid ?? `#${label}`;
      if (seen.has(key)) {
        notes.push(`CUDA_VISIBLE_DEVICES names ${key} twice, which makes CUDA see no device at all`);
        return { devices: [], notes };
      }
      seen.add(key);
      targets.push({ ...found, label });
    }
  }

  const devices: CudaVisibleDevice[] = [];
  let ordinal = 0;
  let migTaken: GpuMigDevice | null = null;
  for (const target of targets) {
    if (target.mig) {
      if (migTaken) {
        notes.push(`CUDA enumerates one MIG instance per process: ${target.mig.uuid} is ignored, ${migTaken.uuid} is used`);
        continue;
      }
      migTaken = target.mig;
    }
    const cudaOrdinal = ordinal++;
    // A GPU NVML could not read still takes its CUDA ordinal, but nothing is known to place on it.
    if (!target.gpu) continue;
    const unusableReason =
      !target.mig && target.gpu.mig.current
        ? `GPU ${target.gpu.index} is in MIG mode and cannot be used whole; start the process with CUDA_VISIBLE_DEVICES=MIG-<uuid> of one of its instances`
        : null;
    devices.push({ cudaOrdinal, gpu: target.gpu, mig: target.mig, unusableReason });
  }

  const numbersByIndex = parsed === null || parsed.entries.some((e) => e.kind === 'ordinal');
  const models = new Set(snapshot.devices.map((d) => d.name));
  if (numbersByIndex && models.size > 1 && env.CUDA_DEVICE_ORDER !== 'PCI_BUS_ID') {
    notes.push(
      'CUDA numbers unlike GPUs fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID, so its ordinals may differ from NVML indices; set CUDA_DEVICE_ORDER=PCI_BUS_ID or list GPU UUIDs in CUDA_VISIBLE_DEVICES',
    );
  }
  return { devices, notes };
}

function byOrdinal(value: number, gpuCount: number, byIndex: Map<number, GpuDevice>): { gpu: GpuDevice | null; mig: null } | string {
  if (value >= gpuCount) return `is past the last GPU (NVML reports ${gpuCount})`;
  return { gpu: byIndex.get(value) ?? null, mig: null };
}

function byUuidPrefix(prefix: string, devices: readonly GpuDevice[]): { gpu: GpuDevice; mig: GpuMigDevice | null } | string {
  const matches: Array<{ gpu: GpuDevice; mig: GpuMigDevice | null }> = [];
  for (const gpu of devices) {
    if (gpu.uuid.startsWith(prefix)) matches.push({ gpu, mig: null });
    for (const mig of gpu.migDevices) if (mig.uuid.startsWith(prefix)) matches.push({ gpu, mig });
  }
  if (matches.length === 0) return 'matches no GPU or MIG instance NVML reports';
  if (matches.length > 1) return `matches ${matches.length} devices`;
  return matches[0]!;
}
