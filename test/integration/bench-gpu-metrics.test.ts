/**
 * `wsinfer bench --collect-metrics` against a real server whose NVML addon reads a fake
 * libnvidia-ml (two H100s at set utilisation, power and memory): each step reports what
 * the server's /metrics said the GPUs did. And against a server with no GPU, and a
 * metrics URL that answers nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/bench/bench-types.js';
import { runBenchCli } from '../bench/bench-cli.js';
import { fakeNvmlScenario } from '../gpu/fake-nvml.js';
import { GIB, gpusScenario, H100_TOTAL_BYTES, MIB, UUID_A, UUID_B } from '../gpu/gpu-scenarios.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const SHORT = ['--concurrency-range', '2', '-p', '400', '--warmup-ms', '100', '--max-trials', '2', '-q'];

const bench = runBenchCli;
/** What an H100's driver sets aside (nvmlDeviceGetMemoryInfo_v2's reserved). */
const RESERVED_BYTES = 565_182_464;

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'wsinfer-bench-gpu-'));
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe('wsinfer bench --collect-metrics, the server reporting two busy H100s', () => {
  let t: TestServer;

  beforeAll(async () => {
    const fake = fakeNvmlScenario({
      ...gpusScenario([{ uuid: UUID_A, freeBytes: 60 * GIB }, { uuid: UUID_B, freeBytes: 20 * GIB }]),
      'gpu0.util.gpu': 30,
      'gpu0.util.mem': 12,
      'gpu0.power_mw': 250_000,
      'gpu1.util.gpu': 85,
      'gpu1.util.mem': 40,
      'gpu1.power_mw': 410_000,
      // As on a real card, the driver sets part of GPU 1's memory aside: used + free alone
      // falls short of the total.
      'gpu1.mem.reserved': RESERVED_BYTES,
      'gpu1.mem.used': H100_TOTAL_BYTES - 20 * GIB - RESERVED_BYTES,
    });
    t = await startTestServer((repo) => repo.addShipped('fraud'), { nvmlLibraryPath: fake.libraryPath, gpuEnv: {}, gpuSampleIntervalMs: 50 });
  });
  afterAll(() => t?.stop());

  it("reports each GPU's mean utilisation and power and its memory, per step", async () => {
    const json = join(outDir, 'gpus.json');
    const { code, stdout } = await bench(['-u', t.wsUrl, '-m', 'fraud', ...SHORT, '--collect-metrics', '--metrics-interval-ms', '50', '--json', json]);
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
    expect(report.metrics).toEqual({ url: `${t.httpUrl}/metrics`, intervalMs: 50 });
    const [step] = report.steps;
    const totalMiB = Math.floor(H100_TOTAL_BYTES / MIB);
    expect(step!.gpus).toMatchObject([
      { gpu: '0', uuid: UUID_A, utilizationPercent: 30, powerW: 250, memoryUsedMaxMiB: Math.floor((H100_TOTAL_BYTES - 60 * GIB) / MIB) },
      { gpu: '1', uuid: UUID_B, utilizationPercent: 85, powerW: 410, memoryUsedMaxMiB: Math.floor((H100_TOTAL_BYTES - 20 * GIB - RESERVED_BYTES) / MIB) },
    ]);
    for (const gpu of step!.gpus!) {
      // Used, free and reserved are each rounded down to whole MiB by the server.
      expect(gpu.memoryTotalMiB).toBeGreaterThanOrEqual(totalMiB - 2);
      expect(gpu.memoryTotalMiB).toBeLessThanOrEqual(totalMiB);
      // Two 400 ms windows scraped every 50 ms.
      expect(gpu.samples).toBeGreaterThanOrEqual(8);
    }
    expect(stdout).toMatch(/ gpu util +gpu mem MiB +stable/);
    expect(stdout).toMatch(/ 30%\/85% +\d+\/\d+ /);
  });
});

describe('wsinfer bench --collect-metrics with nothing to collect', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer((repo) => repo.addShipped('fraud'));
  });
  afterAll(() => t?.stop());

  it('says the server publishes no GPU gauges, and measures as usual', async () => {
    const json = join(outDir, 'nogpu.json');
    const { code, stdout, stderr } = await bench(['-u', t.wsUrl, '-m', 'fraud', ...SHORT, '--collect-metrics', '--metrics-interval-ms', '50', '--json', json]);
    expect(code).toBe(0);
    expect(stderr).toBe(`wsinfer bench: ${t.httpUrl}/metrics publishes no GPU gauges (no GPU, or NVML unavailable to the server)\n`);
    const [step] = (JSON.parse(await readFile(json, 'utf8')) as BenchReport).steps;
    expect(step!.gpus).toEqual([]);
    expect(step!.completed).toBeGreaterThan(0);
    expect(stdout).toMatch(/ - +- +(yes|no \(2\)) /);
  });

  it('names a metrics URL it cannot read, and measures as usual', async () => {
    const { code, stderr } = await bench(['-u', t.wsUrl, '-m', 'fraud', ...SHORT, '--collect-metrics', '--metrics-url', `${t.httpUrl}/no-such-page`]);
    expect(code).toBe(0);
    expect(stderr).toBe(`wsinfer bench: could not read GPU gauges from ${t.httpUrl}/no-such-page (HTTP 404); steps without them show '-'\n`);
  });
});
