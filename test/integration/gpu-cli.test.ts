/** The CLI's GPU side as a user runs it: `wsinfer gpu` and `wsinfer serve`'s GPU flags, as real processes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src/cli/serve-command.js';
import { fakeNvmlScenario, H100_TWO_PROCESSES } from '../gpu/fake-nvml.js';
import { runCli } from './helpers/cli-process.js';
import { TempModelRepo } from './helpers/model-repo.js';
import { metricValue } from './helpers/test-server.js';

let repo: TempModelRepo;
beforeAll(async () => {
  repo = await TempModelRepo.create();
  await repo.addShipped('fraud');
});
afterAll(() => repo?.remove());

describe('wsinfer gpu', () => {
  it('--help prints the usage and exits 0', async () => {
    const cli = runCli(['gpu', '--help']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toMatch(/^Usage: wsinfer gpu \[options\]/);
  });

  it('--json reads the library named by WSINFER_NVML_LIBRARY', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const cli = runCli(['gpu', '--json'], { WSINFER_NVML_LIBRARY: fake.libraryPath });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(cli.stdout())).toMatchObject({ available: true, devices: [{ uuid: 'GPU-3f4b5c6d-1111-2222-3333-444455556666', temperatureC: 45 }] });
  });
});

describe('wsinfer serve GPU flags', () => {
  it('parses into server options', () => {
    expect(
      parseServeArgs(['--gpu-sample-interval-ms', '0', '--nvml-library', '/opt/nvml.so', '--gpu-memory-factor', '2.5', '--gpu-spill-queue-batches', '4', '--gpu-spill-free-memory-bytes', '1073741824'], {}),
    ).toMatchObject({ gpuSampleIntervalMs: 0, nvmlLibraryPath: '/opt/nvml.so', gpuMemoryFactor: 2.5, gpuSpillQueueBatches: 4, gpuSpillFreeMemoryBytes: 1073741824 });
    expect(() => parseServeArgs(['--gpu-spill-queue-batches', '1.5'], {})).toThrow("--gpu-spill-queue-batches must be an integer, got '1.5'");
  });

  it('are listed by --help, and a bad value exits 2 or 1 with the reason', async () => {
    const help = runCli(['serve', '--help']);
    expect((await help.exited).code).toBe(0);
    for (const flag of ['--gpu-sample-interval-ms', '--nvml-library', '--gpu-memory-factor', '--gpu-spill-queue-batches', '--gpu-spill-free-memory-bytes']) {
      expect(help.stdout()).toContain(flag);
    }
    const notANumber = runCli(['serve', '--gpu-memory-factor', 'lots']);
    expect((await notANumber.exited).code).toBe(2);
    expect(notANumber.stderr()).toContain("--gpu-memory-factor must be a number, got 'lots'");
    const zero = runCli(['serve', '--models', repo.dir, '--gpu-memory-factor', '0']);
    expect((await zero.exited).code).toBe(1);
    expect(zero.stderr()).toContain('could not start: option gpuMemoryFactor must be a number > 0');
  });

  it('serve takes the NVML library from WSINFER_NVML_LIBRARY and shows its GPUs on /metrics', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const cli = runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--models', repo.dir], { WSINFER_NVML_LIBRARY: fake.libraryPath });
    const [, port] = await cli.waitForLog(/at http:\/\/127\.0\.0\.1:(\d+)/);
    const url = `http://127.0.0.1:${port}`;
    expect(await metricValue(url, 'wsinfer_gpu_available', {})).toBe(1);
    expect(await metricValue(url, 'wsinfer_gpu_compute_processes', { UUID: 'GPU-3f4b5c6d-1111-2222-3333-444455556666' })).toBe(2);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});
