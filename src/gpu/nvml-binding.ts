/**
 * Typing of the native addon (build/Release/wsinfer_nvml.node, built from native/ by
 * node-gyp) and its loader. Loading never throws: without the built addon every snapshot
 * says `available: false` and why, so a CPU-only install keeps working.
 */
import { createRequire } from 'node:module';

export interface RawGpuMemory {
  totalBytes: number;
  usedBytes: number;
  freeBytes: number;
  reservedBytes: number | null;
}

export interface RawGpuProcess {
  pid: number;
  usedMemoryBytes: number | null;
}

export interface RawMigAttributes {
  gpuInstanceSliceCount: number;
  computeInstanceSliceCount: number;
  multiprocessorCount: number;
  memorySizeMB: number;
}

export interface RawMigDevice {
  index: number;
  uuid: string;
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
  memory: RawGpuMemory | null;
  attributes: RawMigAttributes | null;
  processes: RawGpuProcess[] | null;
}

export interface RawGpuDevice {
  index: number;
  uuid: string;
  name: string | null;
  pciBusId: string | null;
  memory: RawGpuMemory | null;
  utilization: { gpuPercent: number; memoryPercent: number } | null;
  temperatureC: number | null;
  powerWatts: number | null;
  mig: { current: boolean; pending: boolean };
  migDevices: RawMigDevice[];
  processes: RawGpuProcess[] | null;
}

export interface RawGpuSnapshotError {
  deviceIndex: number | null;
  migIndex: number | null;
  call: string;
  code: number;
  message: string;
}

export interface RawGpuSnapshot {
  available: boolean;
  reason?: string;
  driverVersion: string | null;
  devices: RawGpuDevice[];
  errors: RawGpuSnapshotError[];
}

/** What the addon exports (one instance per thread that loads it). */
export interface NvmlBinding {
  /** The library opened when no path is given: `libnvidia-ml.so.1` (`nvml.dll` on Windows). */
  readonly defaultLibrary: string;
  /** Reads every device on the libuv thread pool. `libraryPath` overrides the default. */
  snapshot(libraryPath?: string | null): Promise<RawGpuSnapshot>;
  /** Same, blocking the calling thread; for the CLI. */
  snapshotSync(libraryPath?: string | null): RawGpuSnapshot;
  /** Drops this instance's NVML references (nvmlShutdown); a later snapshot re-initialises. */
  close(): void;
}

/** Relative to this file; the same from src/gpu/ (tsx, vitest) and dist/gpu/ (compiled). */
export const NVML_ADDON_PATH = '../../build/Release/wsinfer_nvml.node';

let cached: NvmlBinding | undefined;

export function loadNvmlBinding(): NvmlBinding {
  cached ??= tryLoad();
  return cached;
}

function tryLoad(): NvmlBinding {
  try {
    return createRequire(import.meta.url)(NVML_ADDON_PATH) as NvmlBinding;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return missingBinding(`native addon not built: ${message} (run \`npm rebuild\` or \`npx node-gyp rebuild\`)`);
  }
}

/** A stand-in whose snapshots all say `reason`. */
export function missingBinding(reason: string): NvmlBinding {
  const raw = (): RawGpuSnapshot => ({ available: false, reason, driverVersion: null, devices: [], errors: [] });
  return {
    defaultLibrary: 'libnvidia-ml.so.1',
    snapshot: async () => raw(),
    snapshotSync: raw,
    close: () => {},
  };
}
