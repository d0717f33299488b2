import { describe, expect, it, vi } from 'vitest';
import { GpuSampler } from '../../src/gpu/gpu-sampler.js';
import type { GpuSnapshot } from '../../src/gpu/gpu-snapshot.js';
import { fakeNvmlScenario, H100_TWO_PROCESSES } from './fake-nvml.js';

function countingSource(): { source: { snapshot(): Promise<GpuSnapshot> }; reads: () => number } {
  let reads = 0;
  return {
    reads: () => reads,
    source: {
      async snapshot() {
        reads += 1;
        return { available: true, driverVersion: String(reads), devices: [], errors: [] };
      },
    },
  };
}

describe('GpuSampler', () => {
  it('keeps the latest snapshot from the fake library and follows its changes', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const sampler = new GpuSampler({ intervalMs: 20, libraryPath: fake.libraryPath, env: {} });
    expect(sampler.latest).toBeNull();
    const first = await sampler.start();
    expect(sampler.latest).toBe(first);
    expect(first.devices[0].temperatureC).toBe(45);

    fake.write({ ...H100_TWO_PROCESSES, 'gpu0.temp': 71, 'gpu0.procs': '' });
    const changed = await new Promise<GpuSnapshot>((resolve) => {
      const unsubscribe = sampler.subscribe((snapshot) => {
        if (snapshot.devices[0]?.temperatureC === 71) {
          unsubscribe();
          resolve(snapshot);
        }
      });
    });
    sampler.stop();
    expect(changed.devices[0].processes).toEqual([]);
    expect(sampler.latest?.devices[0].temperatureC).toBe(71);
    expect(sampler.latestAtMs).toBeGreaterThan(0);
  });

  it('reads once per interval, joins reads in flight and stops reading after stop()', async () => {
    vi.useFakeTimers();
    try {
      const { source, reads } = countingSource();
      const sampler = new GpuSampler({ intervalMs: 1000, source });
      await sampler.start();
      expect(reads()).toBe(1);
      const [a, b] = await Promise.all([sampler.sample(), sampler.sample()]);
      expect(a).toBe(b);
      expect(reads()).toBe(2);
      await vi.advanceTimersByTimeAsync(999);
      expect(reads()).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(reads()).toBe(3);
      await vi.advanceTimersByTimeAsync(3000);
      expect(reads()).toBe(6);
      sampler.stop();
      await vi.advanceTimersByTimeAsync(5000);
      expect(reads()).toBe(6);
      expect(sampler.running).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not keep the process alive', async () => {
    const { source } = countingSource();
    const sampler = new GpuSampler({ intervalMs: 60_000, source });
    const spy = vi.spyOn(globalThis, 'setTimeout');
    await sampler.start();
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    spy.mockRestore();
    expect(timer.hasRef()).toBe(false);
    sampler.stop();
  });

  it('turns a throwing source into an unavailable snapshot and survives a throwing listener', async () => {
    const errors: unknown[] = [];
    const sampler = new GpuSampler({
      source: { snapshot: () => Promise.reject(new Error('boom')) },
      onListenerError: (error) => errors.push(error),
    });
    sampler.subscribe(() => {
      throw new Error('listener');
    });
    const snapshot = await sampler.sample();
    expect(snapshot).toEqual({ available: false, reason: 'GPU snapshot failed: boom', driverVersion: null, devices: [], errors: [] });
    expect(errors).toHaveLength(1);
  });

  it('rejects a non-positive interval', () => {
    expect(() => new GpuSampler({ intervalMs: 0, source: countingSource().source })).toThrow(RangeError);
  });
});
