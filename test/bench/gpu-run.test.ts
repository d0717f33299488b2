import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderBenchmarksMd } from '../../bench/lib/benchmarks-md.js';
import { compareProcesses, compareSnapshot, type GpuRun, parseNvidiaSmiCsv } from '../../bench/lib/gpu-run.js';
import { renderGpuSection } from '../../bench/lib/gpu-section.js';
import type { GpuDevice, GpuSnapshot } from '../../src/gpu/gpu-snapshot.js';
import { step } from './step-fixtures.js';
import { model, suite } from './suite-fixtures.js';

const MIB = 2 ** 20;
const UUID = 'GPU-82217a1e-affa-7f5d-d24b-e09502c87bb5';
// As `nvidia-smi --query-gpu=… --format=csv,nounits` prints it, with the values an H200 showed under load.
const HEADER = 'index, uuid, name, pci.bus_id, driver_version, memory.total [MiB], memory.used [MiB], memory.free [MiB], memory.reserved [MiB], ' +
  'utilization.gpu [%], utilization.memory [%], temperature.gpu, power.draw [W], mig.mode.current, mig.mode.pending';
const LOADED_ROW = `0, ${UUID}, NVIDIA H200, 00000000:00:06.0, 580.159.04, 143771, 7283, 135874, 616, 100, 25, 53, 691.64, Disabled, Disabled`;
const APPS = `gpu_uuid, pid, used_gpu_memory [MiB]\n${UUID}, 595, 7274\n`;

function h200(overrides: Partial<GpuDevice> = {}): GpuDevice {
  return {
    index: 0, uuid: UUID, name: 'NVIDIA H200', pciBusId: '00000000:00:06.0',
    memory: { totalBytes: 143771 * MIB, usedBytes: 7282.8 * MIB, freeBytes: 135873.1 * MIB, reservedBytes: 615.1 * MIB },
    utilization: { gpuPercent: 99, memoryPercent: 25 }, temperatureC: 53, powerWatts: 691.6,
    mig: { current: false, pending: false }, migDevices: [], processes: [{ pid: 595, usedMemoryBytes: 7627341824 }], timeSliceReplicas: null,
    ...overrides,
  };
}

function snapshotOf(device: GpuDevice): GpuSnapshot {
  return { available: true, driverVersion: '580.159.04', devices: [device], errors: [] };
}

function disagreeing(csvRow: string, device: GpuDevice, apps = APPS): string[] {
  const [comparison] = compareSnapshot('load', snapshotOf(device), `${HEADER}\n${csvRow}\n`, apps);
  return comparison!.fields.filter((f) => !f.agrees).map((f) => f.field);
}

describe('nvidia-smi beside the NVML snapshot', () => {
  it('reads the CSV into fields named without their units', () => {
    const [row] = parseNvidiaSmiCsv(`${HEADER}\n${LOADED_ROW}\n`);
    expect(row).toMatchObject({ uuid: UUID, 'memory.used': '7283', 'utilization.gpu': '100', 'power.draw': '691.64', 'mig.mode.current': 'Disabled' });
  });

  it('agrees field by field within rounding and sampling, processes included', () => {
    const [comparison] = compareSnapshot('load', snapshotOf(h200()), `${HEADER}\n${LOADED_ROW}\n`, APPS);
    expect(comparison!.fields).toHaveLength(16);
    expect(comparison!.fields.filter((f) => !f.agrees)).toEqual([]);
    expect(comparison!.fields.find((f) => f.field === 'compute processes, pid: MiB')).toMatchObject({ wsinfer: '595: 7274', nvidiaSmi: '595: 7274' });
    expect(comparison!.fields.find((f) => f.field === 'memory used, MiB')).toMatchObject({ wsinfer: '7283', nvidiaSmi: '7283' });
  });

  it('flags memory more than 1 MiB off, utilisation more than 5 points off, a wrong driver', () => {
    const row = `0, ${UUID}, NVIDIA H200, 00000000:00:06.0, 575.0, 143771, 7290, 135874, 616, 90, 25, 53, 691.64, Disabled, Disabled`;
    expect(disagreeing(row, h200())).toEqual(['driver', 'memory used, MiB', 'utilization gpu, %']);
  });

  it('a null field agrees with nvidia-smi\'s [N/A] and disagrees with a value', () => {
    const row = `0, ${UUID}, NVIDIA H200, 00000000:00:06.0, 580.159.04, 143771, 7283, 135874, 616, 100, 25, 53, [N/A], [N/A], [N/A]`;
    expect(disagreeing(row, h200({ powerWatts: null }))).toEqual([]);
    expect(disagreeing(LOADED_ROW, h200({ temperatureC: null }))).toEqual(['temperature, °C']);
  });

  it('compares MIG mode as nvidia-smi names it', () => {
    const row = LOADED_ROW.replace('Disabled, Disabled', 'Enabled, Disabled');
    expect(disagreeing(row, h200({ mig: { current: true, pending: false } }))).toEqual([]);
    expect(disagreeing(row, h200())).toEqual(['MIG current']);
  });

  it('compares compute processes by pid and memory', () => {
    expect(compareProcesses(h200(), parseNvidiaSmiCsv(`gpu_uuid, pid, used_gpu_memory [MiB]\n${UUID}, 596, 7274\n`)).agrees).toBe(false);
    expect(compareProcesses(h200({ processes: [] }), parseNvidiaSmiCsv('gpu_uuid, pid, used_gpu_memory [MiB]\n'))).toMatchObject({ wsinfer: 'none', nvidiaSmi: 'none', agrees: true });
    // Another GPU's process is not this one's.
    expect(compareProcesses(h200({ processes: [] }), parseNvidiaSmiCsv(`gpu_uuid, pid, used_gpu_memory [MiB]\nGPU-other, 7, 10\n`)).agrees).toBe(true);
    expect(compareProcesses(h200({ processes: null }), parseNvidiaSmiCsv(APPS)).agrees).toBe(false);
  });

  it('a GPU nvidia-smi does not list is one row that disagrees', () => {
    const [comparison] = compareSnapshot('idle', snapshotOf(h200({ uuid: 'GPU-elsewhere' })), `${HEADER}\n${LOADED_ROW}\n`);
    expect(comparison!.fields).toEqual([{ field: 'uuid', wsinfer: 'GPU-elsewhere', nvidiaSmi: 'no such GPU', agrees: false }]);
  });
});

const H200_RUN_FILE = 'bench/gpu-runs/2026-11-26T08-27-52-132Z-nvidia-h200.json';
const h200Run = JSON.parse(readFileSync(new URL(`../../${H200_RUN_FILE}`, import.meta.url), 'utf8')) as GpuRun;

describe('the GPU section', () => {
  it('shows the H200 run: both comparisons, the snapshot cost, why CUDA was not measured', () => {
    const md = renderGpuSection(h200Run, H200_RUN_FILE);
    expect(md).toContain(`the run is \`${H200_RUN_FILE}\``);
    expect(md).toContain('| GPU | NVIDIA H200 (143771 MiB), driver 580.159.04 |');
    expect(md).toContain('GPU 0, idle: 16 of 16 fields agree.');
    expect(md).toContain('loads the GPU: 16 of 16 fields agree.');
    expect(md).toContain('| compute processes, pid: MiB | 703: 7274 | 703: 7274 | yes |');
    expect(md).toContain('| utilization gpu, % | 100 | 100 | yes |');
    expect(md).toContain('the first snapshot of a process took 23.4 ms');
    expect(md).toContain('0.43 ms median (max 0.46) on the calling thread and 0.65 ms (max 0.91) on the libuv pool');
    expect(md).toContain('- fraud, cnn, medium: onnxruntime could not create a CUDA session: `OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library`');
    expect(md).toMatch(/- medium served from an instance group of kind `gpu`: state `unavailable`, `ERR_GPU_UNAVAILABLE: chose cuda:0 = GPU 0 \(NVIDIA H200/);
    expect(md).not.toContain('| model | relative error |');
  });

  it('tables a model measured on CUDA, straight and served', () => {
    const measured: GpuRun = {
      ...h200Run,
      models: [{
        model: 'medium', maxBatchSize: 32,
        direct: { status: 'measured', relativeErrorVsCpu: 2.5e-7, limit: [{ batch: 1, medianRunUs: 120, rowsPerSec: 8000 }, { batch: 32, medianRunUs: 400, rowsPerSec: 80_000 }] },
        served: { state: 'ready', steps: [step({ level: 64, inferPerSec: 40_000 })], busiestGpuPercent: 37, serverDeviceBytes: 600 * MIB },
      }],
    };
    const md = renderGpuSection(measured, H200_RUN_FILE);
    expect(md).toContain('| medium | 2.5e-7 | 0.120 ms | 80000 rows/s at batch 32 (0.400 ms a run) |');
    expect(md).toContain('| medium | 64 | 40000 | 0.70 | 2.00 | 7.5 | 0 | 37 % | 600 MiB |');
    expect(md).not.toContain('Not measured');
  });

  it('BENCHMARKS.md carries the newest GPU run, or says how to make one', () => {
    const result = suite([model('fraud')]);
    expect(renderBenchmarksMd(result, '', { run: h200Run, file: H200_RUN_FILE })).toMatch(/## GPU\n\nThis suite runs on the CPU of the machine above\.[^\n]*\n\nMeasured by `npm run bench:gpu/);
    expect(renderBenchmarksMd(result, '')).toContain('## GPU\n\nNo GPU run yet: `npm run bench:gpu`');
  });
});
