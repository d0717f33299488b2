/**
 * Fake-NVML scenarios for placement and spill-over: GPUs described by what placement reads
 * (uuid, name, memory), turned into the key=value lines test/fixtures/fake-nvml reads.
 */
import type { ScenarioValues } from './fake-nvml.js';

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;
/** What NVML reports as total memory for an H100 80GB. */
export const H100_TOTAL_BYTES = 85520809984;

export interface FakeGpu {
  uuid: string;
  name?: string;
  totalBytes?: number;
  freeBytes: number;
}

/** One scenario with these GPUs at NVML indices 0, 1, … (no MIG, no processes). */
export function gpusScenario(gpus: readonly FakeGpu[]): ScenarioValues {
  const values: ScenarioValues = { driver: '550.54.15', count: gpus.length };
  gpus.forEach((gpu, i) => {
    const total = gpu.totalBytes ?? H100_TOTAL_BYTES;
    Object.assign(values, {
      [`gpu${i}.uuid`]: gpu.uuid,
      [`gpu${i}.name`]: gpu.name ?? 'NVIDIA H100 80GB HBM3',
      [`gpu${i}.bus`]: `00000000:${(0x17 + i).toString(16).toUpperCase()}:00.0`,
      [`gpu${i}.mem.total`]: total,
      [`gpu${i}.mem.reserved`]: 0,
      [`gpu${i}.mem.used`]: total - gpu.freeBytes,
      [`gpu${i}.mem.free`]: gpu.freeBytes,
      [`gpu${i}.mig.current`]: 0,
      [`gpu${i}.mig.pending`]: 0,
      [`gpu${i}.procs`]: '',
    });
  });
  return values;
}

export const UUID_A = 'GPU-aaaaaaaa-1111-2222-3333-000000000000';
export const UUID_B = 'GPU-bbbbbbbb-1111-2222-3333-000000000000';

/** Two H100s: GPU 0 nearly full (64 KiB free), GPU 1 with 70 GiB free. */
export const ONE_FULL_ONE_FREE = gpusScenario([
  { uuid: UUID_A, freeBytes: 64 * 1024 },
  { uuid: UUID_B, freeBytes: 70 * GIB },
]);
