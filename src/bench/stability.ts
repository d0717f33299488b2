/**
 * perf_analyzer's stability rule: a step is measured again until its last `windowCount`
 * windows agree — each window's throughput and p95 latency within `tolerance` of those
 * windows' mean — or until the maximum number of windows is reached.
 */

export interface WindowFigures {
  inferPerSec: number;
  p95Us: number;
}

export const DEFAULT_STABILITY = Object.freeze({ windowCount: 3, tolerance: 0.1 });

function withinTolerance(values: readonly number[], tolerance: number): boolean {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean === 0) return values.every((v) => v === 0);
  return values.every((v) => Math.abs(v - mean) <= tolerance * mean);
}

export function isStable(windows: readonly WindowFigures[], tolerance: number = DEFAULT_STABILITY.tolerance, windowCount: number = DEFAULT_STABILITY.windowCount): boolean {
  if (windows.length < windowCount) return false;
  const last = windows.slice(-windowCount);
  // A window that completed nothing says nothing about latency: never stable.
  if (last.some((w) => w.inferPerSec === 0)) return false;
  return withinTolerance(last.map((w) => w.inferPerSec), tolerance) && withinTolerance(last.map((w) => w.p95Us), tolerance);
}
