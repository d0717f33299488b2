import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GpuSampler } from '../../src/gpu/gpu-sampler.js';
import { registerGpuMetrics } from '../../src/metrics/gpu-metrics.js';
import { fakeNvmlScenario, H100_MIG, H100_TWO_PROCESSES } from './fake-nvml.js';

const GIB = 1024 ** 3;

/** `name{labels} value` lines of the exposition text, without HELP/TYPE. */
function series(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

async function scrape(scenario: Record<string, string | number | boolean>, timeSliceReplicas: number | null = null) {
  const fake = fakeNvmlScenario(scenario);
  const sampler = new GpuSampler({ libraryPath: fake.libraryPath, timeSliceReplicas, env: {} });
  const registry = new Registry();
  registerGpuMetrics(registry, sampler, { hostname: 'node-a' });
  await sampler.sample();
  return { text: await registry.metrics(), fake, sampler, registry };
}

describe('GPU metrics', () => {
  it('shows the scripted values under the DCGM exporter names and labels', async () => {
    const { text } = await scrape(H100_TWO_PROCESSES, 4);
    const labels =
      'gpu="0",UUID="GPU-3f4b5c6d-1111-2222-3333-444455556666",pci_bus_id="00000000:17:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-a"';
    const freeMiB = Math.floor((85520809984 - 565182464 - 6 * GIB) / 1024 ** 2);
    expect(series(text, 'DCGM_FI_DEV_FB_USED')).toEqual([`DCGM_FI_DEV_FB_USED{${labels}} 6144`]);
    expect(series(text, 'DCGM_FI_DEV_FB_FREE')).toEqual([`DCGM_FI_DEV_FB_FREE{${labels}} ${freeMiB}`]);
    expect(series(text, 'DCGM_FI_DEV_FB_RESERVED')).toEqual([`DCGM_FI_DEV_FB_RESERVED{${labels}} 539`]);
    expect(series(text, 'DCGM_FI_DEV_GPU_UTIL')).toEqual([`DCGM_FI_DEV_GPU_UTIL{${labels}} 37`]);
    expect(series(text, 'DCGM_FI_DEV_MEM_COPY_UTIL')).toEqual([`DCGM_FI_DEV_MEM_COPY_UTIL{${labels}} 12`]);
    expect(series(text, 'DCGM_FI_DEV_GPU_TEMP')).toEqual([`DCGM_FI_DEV_GPU_TEMP{${labels}} 45`]);
    expect(series(text, 'DCGM_FI_DEV_POWER_USAGE')).toEqual([`DCGM_FI_DEV_POWER_USAGE{${labels}} 312.5`]);
    expect(series(text, 'wsinfer_gpu_available')).toEqual(['wsinfer_gpu_available 1']);
    expect(series(text, 'wsinfer_gpu_mig_enabled')).toEqual([`wsinfer_gpu_mig_enabled{${labels}} 0`]);
    expect(series(text, 'wsinfer_gpu_compute_processes')).toEqual([`wsinfer_gpu_compute_processes{${labels}} 2`]);
    expect(series(text, 'wsinfer_gpu_time_slice_replicas')).toEqual([`wsinfer_gpu_time_slice_replicas{${labels}} 4`]);
    expect(text).toContain('# TYPE DCGM_FI_DEV_FB_USED gauge');
  });

  it('adds a series per MIG instance with GPU_I_ID and GPU_I_PROFILE, and no utilisation', async () => {
    const { text } = await scrape(H100_MIG);
    const parent =
      'gpu="0",UUID="GPU-aaaaaaaa-0000-0000-0000-000000000001",pci_bus_id="00000000:3B:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3"';
    expect(series(text, 'DCGM_FI_DEV_FB_USED')).toEqual([
      `DCGM_FI_DEV_FB_USED{${parent},Hostname="node-a"} 3072`,
      `DCGM_FI_DEV_FB_USED{${parent},GPU_I_PROFILE="3g.40gb",GPU_I_ID="2",Hostname="node-a"} 2048`,
      `DCGM_FI_DEV_FB_USED{${parent},GPU_I_PROFILE="2g.20gb",GPU_I_ID="3",Hostname="node-a"} 1024`,
      `DCGM_FI_DEV_FB_USED{${parent},GPU_I_PROFILE="1g.10gb",GPU_I_ID="9",Hostname="node-a"} 0`,
    ]);
    expect(series(text, 'DCGM_FI_DEV_FB_FREE')).toContain(
      `DCGM_FI_DEV_FB_FREE{${parent},GPU_I_PROFILE="1g.10gb",GPU_I_ID="9",Hostname="node-a"} 9856`,
    );
    expect(series(text, 'DCGM_FI_DEV_GPU_UTIL')).toEqual([]);
    expect(series(text, 'DCGM_FI_DEV_MEM_COPY_UTIL')).toEqual([]);
    expect(series(text, 'wsinfer_gpu_mig_enabled')).toEqual([`wsinfer_gpu_mig_enabled{${parent},Hostname="node-a"} 1`]);
    expect(series(text, 'wsinfer_gpu_compute_processes')).toEqual([`wsinfer_gpu_compute_processes{${parent},Hostname="node-a"} 2`]);
    expect(series(text, 'wsinfer_gpu_time_slice_replicas')).toEqual([]);
  });

  it('leaves DCGM_FI_DEV_FB_RESERVED out when the driver does not report reserved memory', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES, 'noMemoryV2');
    const sampler = new GpuSampler({ libraryPath: fake.libraryPath, env: {} });
    const registry = new Registry();
    registerGpuMetrics(registry, sampler, { hostname: 'node-a' });
    await sampler.sample();
    const text = await registry.metrics();
    expect(series(text, 'DCGM_FI_DEV_FB_RESERVED')).toEqual([]);
    // v1's "used" already counts the reserved part.
    expect(series(text, 'DCGM_FI_DEV_FB_USED')[0]).toMatch(/ 6683$/);
  });

  it('reports wsinfer_gpu_available 0 and no device series without NVML', async () => {
    const { text } = await scrape({ init: '!9' });
    expect(series(text, 'wsinfer_gpu_available')).toEqual(['wsinfer_gpu_available 0']);
    expect(series(text, 'DCGM_FI_DEV_FB_USED')).toEqual([]);
  });

  it('reads the cached snapshot on scrape, and drops series of GPUs that went away', async () => {
    const { fake, sampler, registry } = await scrape(H100_TWO_PROCESSES);
    fake.write({ ...H100_TWO_PROCESSES, 'gpu0.temp': 80 });
    // No new sample yet: the scrape must not have asked NVML.
    expect(series(await registry.metrics(), 'DCGM_FI_DEV_GPU_TEMP')[0]).toMatch(/ 45$/);
    await sampler.sample();
    expect(series(await registry.metrics(), 'DCGM_FI_DEV_GPU_TEMP')[0]).toMatch(/ 80$/);
    fake.write({ driver: '550.54.15', count: 0 });
    await sampler.sample();
    expect(series(await registry.metrics(), 'DCGM_FI_DEV_GPU_TEMP')).toEqual([]);
  });

  it('uses the lower-case hostname label when asked, and unregisters', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const sampler = new GpuSampler({ libraryPath: fake.libraryPath, env: {} });
    const registry = new Registry();
    const metrics = registerGpuMetrics(registry, sampler, { hostname: 'node-b', hostnameLabel: 'hostname' });
    await sampler.sample();
    expect(series(await registry.metrics(), 'DCGM_FI_DEV_GPU_TEMP')[0]).toContain('hostname="node-b"');
    metrics.unregister();
    expect(await registry.metrics()).not.toContain('DCGM_FI_DEV');
  });
});
