import { describe, expect, it } from 'vitest';
import { gpuCommand } from '../../src/cli/gpu-command.js';
import type { GpuSnapshot } from '../../src/gpu/gpu-snapshot.js';
import { fakeNvmlScenario, H100_MIG, H100_TWO_PROCESSES } from './fake-nvml.js';

function capture() {
  let text = '';
  const waiters: Array<() => void> = [];
  return {
    stream: {
      write(chunk: string) {
        text += chunk;
        for (const wake of waiters.splice(0)) wake();
        return true;
      },
    },
    text: () => text,
    async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

describe('wsinfer gpu', () => {
  it('--json prints the snapshot and exits 0', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const out = capture();
    const code = await gpuCommand(['--json', '--library', fake.libraryPath], { stdout: out.stream, env: {} });
    expect(code).toBe(0);
    const snapshot = JSON.parse(out.text()) as GpuSnapshot;
    expect(snapshot.available).toBe(true);
    expect(snapshot.driverVersion).toBe('550.54.15');
    expect(snapshot.devices[0]).toMatchObject({
      index: 0,
      uuid: 'GPU-3f4b5c6d-1111-2222-3333-444455556666',
      memory: { totalBytes: 85520809984, reservedBytes: 565182464 },
      utilization: { gpuPercent: 37, memoryPercent: 12 },
      powerWatts: 312.5,
      processes: [{ pid: 4242 }, { pid: 4343 }],
    });
  });

  it('--json takes the library and time-slicing from the environment', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const out = capture();
    const env = { WSINFER_NVML_LIBRARY: fake.libraryPath, WSINFER_GPU_TIME_SLICE_REPLICAS: '2' };
    expect(await gpuCommand(['--json'], { stdout: out.stream, env })).toBe(0);
    expect((JSON.parse(out.text()) as GpuSnapshot).devices[0].timeSliceReplicas).toBe(2);
  });

  it('prints a table with MIG instances and exits 1 when NVML is unavailable', async () => {
    const fake = fakeNvmlScenario(H100_MIG);
    const out = capture();
    expect(await gpuCommand(['--library', fake.libraryPath], { stdout: out.stream, env: {} })).toBe(0);
    const lines = out.text().split('\n');
    expect(lines[0]).toBe('NVIDIA driver 550.54.15, 1 GPU(s)');
    expect(lines[1]).toMatch(/^GPU\s+NAME\s+UUID\s+MEMORY USED\/TOTAL\s+UTIL\s+TEMP\s+POWER\s+MIG\s+PROCS\s+REPLICAS$/);
    expect(lines[2]).toMatch(/^0\s+NVIDIA H100 80GB HBM3\s+GPU-aaaaaaaa-0000-0000-0000-000000000001\s+3072 \/ 81559 MiB\s+-\s+38C\s+98\.8W\s+on\s+2\s+-$/);
    expect(lines[3]).toMatch(/^ {2}0\/0\s+MIG 3g\.40gb GI 2 CI 0\s+MIG-11111111-aaaa-bbbb-cccc-000000000000\s+2048 \/ 40448 MiB/);
    expect(lines[5]).toMatch(/^ {2}0\/3\s+MIG 1g\.10gb GI 9 CI 0\s+MIG-33333333/);

    const missing = capture();
    expect(await gpuCommand(['--library', '/nonexistent/libnvidia-ml.so.1'], { stdout: missing.stream, env: {} })).toBe(1);
    expect(missing.text()).toBe(
      'GPU: not available: /nonexistent/libnvidia-ml.so.1: cannot open shared object file: No such file or directory\n',
    );
  });

  it('--exporter serves the GPU metrics over HTTP until stopped', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const out = capture();
    const stop = new AbortController();
    const exited = gpuCommand(['--exporter', '--port', '0', '--host', '127.0.0.1', '--interval-ms', '50', '--library', fake.libraryPath], {
      stdout: out.stream,
      signal: stop.signal,
      env: {},
    });
    const [, url] = await out.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const body = await response.text();
    expect(body).toMatch(/^DCGM_FI_DEV_GPU_TEMP\{gpu="0",UUID="GPU-3f4b5c6d-1111-2222-3333-444455556666",.*device="nvidia0".*\} 45$/m);
    expect(body).toMatch(/^DCGM_FI_DEV_FB_USED\{.*\} 6144$/m);
    expect(body).toMatch(/^wsinfer_gpu_available 1$/m);

    // The sampler keeps running: a changed value shows up in a later scrape.
    fake.write({ ...H100_TWO_PROCESSES, 'gpu0.temp': 66 });
    await expect.poll(async () => (await (await fetch(url)).text()).match(/^DCGM_FI_DEV_GPU_TEMP\{.*\} (\d+)$/m)?.[1]).toBe('66');

    expect((await fetch(url.replace('/metrics', '/'))).status).toBe(404);
    stop.abort();
    expect(await exited).toBe(0);
  });

  it('--help prints usage; a bad option exits 2', async () => {
    const out = capture();
    expect(await gpuCommand(['--help'], { stdout: out.stream })).toBe(0);
    expect(out.text()).toContain('Usage: wsinfer gpu');
    const err = capture();
    expect(await gpuCommand(['--bogus'], { stdout: out.stream, stderr: err.stream })).toBe(2);
    expect(err.text()).toContain("Unknown option '--bogus'");
    expect(await gpuCommand(['--watch', '--interval-ms', 'soon'], { stderr: err.stream })).toBe(2);
    expect(await gpuCommand(['--json'], { stderr: err.stream, env: { WSINFER_GPU_TIME_SLICE_REPLICAS: '-1' } })).toBe(2);
  });

  it('--watch --json prints a line per sample until stopped', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const out = capture();
    const stop = new AbortController();
    const exited = gpuCommand(['--watch', '--json', '--interval-ms', '20', '--library', fake.libraryPath], {
      stdout: out.stream,
      signal: stop.signal,
      env: {},
    });
    await out.waitFor(/(.*\n){3}/);
    stop.abort();
    expect(await exited).toBe(0);
    const lines = out.text().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect((JSON.parse(line) as GpuSnapshot).devices[0].temperatureC).toBe(45);
  });
});
