import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GpuRun } from '../../bench/lib/gpu-run.js';
import { fakeNvmlScenario, H100_TWO_PROCESSES } from '../gpu/fake-nvml.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** npm run bench:gpu, from the sources, with only Node's own directory on PATH (no nvidia-smi). */
function benchGpu(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/gpu.ts', '--from-source', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 90_000,
    env: { PATH: join(process.execPath, '..'), HOME: process.env.HOME ?? '/tmp', ...env },
  });
}

describe('npm run bench:gpu', () => {
  it('on a GPU without the CUDA provider: the real addon reads the GPU, and each model says why CUDA failed', () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const out = join(mkdtempSync(join(tmpdir(), 'wsinfer-bench-gpu-')), 'run.json');
    const result = benchGpu(['--only', 'fraud', '--out', out], { WSINFER_NVML_LIBRARY: fake.libraryPath });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('nvidia-smi is not on PATH');
    const run = JSON.parse(readFileSync(out, 'utf8')) as GpuRun;
    expect(run.snapshot.devices.map((d) => d.uuid)).toEqual(['GPU-3f4b5c6d-1111-2222-3333-444455556666']);
    expect(run.nvidiaSmi).toBeNull();
    expect(run.comparisons).toEqual([]);
    expect(run.nvmlCost).toMatchObject({ workerThreads: 3, workersAgree: true });
    expect(run.models).toHaveLength(1);
    expect(run.models[0]).toMatchObject({ model: 'fraud', maxBatchSize: 64, direct: { status: 'unavailable' }, served: { state: 'unavailable', steps: [] } });
    expect(run.models[0]!.direct).toMatchObject({ reason: expect.stringMatching(/Failed to load shared library/) });
    expect(run.models[0]!.served.reason).toMatch(/^ERR_GPU_UNAVAILABLE: chose cuda:0 = GPU 0 \(NVIDIA H100 80GB HBM3/);
    expect(result.stdout).toContain('- fraud: onnxruntime could not create a CUDA session');
  }, 120_000);

  it('exits 1 when NVML shows no GPU, and 2 on a usage error', () => {
    const none = benchGpu([], { WSINFER_NVML_LIBRARY: '/nonexistent/libnvidia-ml.so.1' });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no GPU to measure: .*nonexistent/);
    const bad = benchGpu(['--only', 'nosuchmodel'], {});
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--only names shipped models');
  }, 120_000);
});
