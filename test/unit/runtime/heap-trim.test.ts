/**
 * trimHeap() gives memory that glibc's malloc holds free back to the kernel — what an
 * instance's worker calls after its session loads. Run in a child process so the heap
 * is this scenario's alone.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const onGlibc = process.platform === 'linux' &&
  Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
const fixture = fileURLToPath(new URL('./fixtures/freed-heap.ts', import.meta.url));

describe('trimHeap', () => {
  it.runIf(onGlibc)('returns freed heap pages: resident memory drops by most of the 64 MiB freed', () => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fixture], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { freedMiB, trimmedMiB, trimmed } = JSON.parse(run.stdout) as { freedMiB: number; trimmedMiB: number; trimmed: boolean };
    expect(trimmed).toBe(true);
    expect(freedMiB - trimmedMiB).toBeGreaterThan(48);
  });

  it.runIf(onGlibc)('trims once the caller has paused for the idle time, not while it keeps touching', () => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fixture, 'idle'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { freedMiB, beforeIdleMiB, trimmedMiB } = JSON.parse(run.stdout) as { freedMiB: number; beforeIdleMiB: number; trimmedMiB: number };
    expect(freedMiB - beforeIdleMiB).toBeLessThan(16);
    expect(freedMiB - trimmedMiB).toBeGreaterThan(48);
  });
});
