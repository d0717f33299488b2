/**
 * Reading the DCGM gauges out of a Prometheus exposition and summing scrapes per window
 * (the end-to-end path, against a real server with a fake NVML, is in
 * test/integration/bench-gpu-metrics.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { GpuWindowStats, parseGpuGauges } from '../../src/bench/gpu-telemetry.js';

const A = 'GPU-aaaaaaaa-1111-2222-3333-000000000000';
const labels = (gpu: string, uuid: string, mig = '') =>
  `gpu="${gpu}",UUID="${uuid}",pci_bus_id="00000000:17:00.0",device="nvidia${gpu}",modelName="NVIDIA H100 80GB HBM3",GPU_I_PROFILE="${mig ? '2g.20gb' : ''}",GPU_I_ID="${mig}",Hostname="node-1"`;

describe('parseGpuGauges', () => {
  it("reads each GPU's utilisation, power and memory, and leaves MIG instances' series out", () => {
    const text = [
      '# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).',
      '# TYPE DCGM_FI_DEV_GPU_UTIL gauge',
      `DCGM_FI_DEV_GPU_UTIL{${labels('0', A)}} 42`,
      `DCGM_FI_DEV_POWER_USAGE{${labels('0', A)}} 312.5`,
      `DCGM_FI_DEV_FB_USED{${labels('0', A)}} 1024`,
      `DCGM_FI_DEV_FB_FREE{${labels('0', A)}} 80000`,
      `DCGM_FI_DEV_FB_RESERVED{${labels('0', A)}} 539`,
      `DCGM_FI_DEV_FB_USED{${labels('0', A, '3')}} 999999`,
      `DCGM_FI_DEV_GPU_TEMP{${labels('0', A)}} 55`,
      'wsinfer_gpu_available 1',
    ].join('\n');
    expect(parseGpuGauges(text)).toEqual([{ gpu: '0', uuid: A, utilizationPercent: 42, powerW: 312.5, memoryUsedMiB: 1024, memoryFreeMiB: 80000, memoryReservedMiB: 539 }]);
    expect(parseGpuGauges('wsinfer_gpu_available 0\n')).toEqual([]);
  });
});

describe('GpuWindowStats', () => {
  it('averages utilisation and power over scrapes and windows, and keeps the peak memory', () => {
    const first = new GpuWindowStats();
    first.add([{ gpu: '0', uuid: A, utilizationPercent: 20, powerW: 200, memoryUsedMiB: 1000, memoryFreeMiB: 9000 }]);
    first.add([{ gpu: '0', uuid: A, utilizationPercent: 40, powerW: 300, memoryUsedMiB: 3000, memoryFreeMiB: 7000 }]);
    const second = new GpuWindowStats();
    second.add([{ gpu: '0', uuid: A, utilizationPercent: 90, memoryUsedMiB: 2000, memoryFreeMiB: 8000 }]);
    first.merge(second);
    expect(first.figures()).toEqual([{ gpu: '0', uuid: A, samples: 3, utilizationPercent: 50, powerW: 250, memoryUsedMaxMiB: 3000, memoryTotalMiB: 10000 }]);
    expect(new GpuWindowStats().figures()).toEqual([]);
  });

  it("counts the driver's reserved memory in the total, as nvidia-smi does", () => {
    const stats = new GpuWindowStats();
    stats.add([{ gpu: '0', uuid: A, memoryUsedMiB: 0, memoryFreeMiB: 143155, memoryReservedMiB: 616 }]);
    expect(stats.figures()).toEqual([{ gpu: '0', uuid: A, samples: 1, memoryUsedMaxMiB: 0, memoryTotalMiB: 143771 }]);
  });
});
