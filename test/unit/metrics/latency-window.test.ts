/**
 * The numbers /v2/models/{m}/stats reports: nearest-rank percentiles over the most recent
 * samples only.
 */
import { describe, expect, it } from 'vitest';
import { LatencyWindow } from '../../../src/metrics/latency-window.js';

/** 1..n in a scrambled but fixed order, so the window has to sort. */
function scrambled(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 37) % n) + 1);
}

describe('LatencyWindow', () => {
  it('gives nothing when empty', () => {
    const window = new LatencyWindow(16);
    expect(window.size).toBe(0);
    expect(window.percentiles([50, 95, 99])).toEqual([null, null, null]);
  });

  it('gives nearest-rank percentiles of 1..100', () => {
    const window = new LatencyWindow(1000);
    for (const v of scrambled(100)) window.record(v);
    expect(window.size).toBe(100);
    expect(window.percentiles([0, 1, 50, 90, 95, 99, 100])).toEqual([1, 1, 50, 90, 95, 99, 100]);
  });

  it('gives nearest-rank percentiles of a small set', () => {
    // Nearest rank of p over n samples: the ceil(p/100 × n)-th smallest.
    const window = new LatencyWindow();
    for (const v of [15, 20, 35, 40, 50]) window.record(v);
    expect(window.percentiles([5, 30, 40, 50, 100])).toEqual([15, 20, 20, 35, 50]);
  });

  it('gives the exact rank for any integer percentile, free of floating-point rounding', () => {
    const window = new LatencyWindow(1000);
    for (const v of scrambled(100)) window.record(v);
    // p/100 × 100 is 7.000000000000001 in floating point; the 7th smallest of 1..100 is 7.
    expect(window.percentiles([7, 14, 28, 55])).toEqual([7, 14, 28, 55]);
  });

  it('sorts numerically, not as strings', () => {
    const window = new LatencyWindow();
    for (const v of [100, 9, 10, 1000]) window.record(v);
    expect(window.percentiles([0, 50, 100])).toEqual([9, 10, 1000]);
  });

  it('keeps only the last `capacity` samples once full', () => {
    const window = new LatencyWindow(4);
    for (const v of [1000, 2000, 3, 4, 5, 6]) window.record(v);
    expect(window.size).toBe(4);
    expect(window.percentiles([0, 50, 100])).toEqual([3, 4, 6]);
  });

  it('keeps overwriting in order over many wraps', () => {
    const window = new LatencyWindow(10);
    for (let v = 1; v <= 1005; v++) window.record(v);
    expect(window.size).toBe(10);
    expect(window.percentiles([0, 100])).toEqual([996, 1005]);
  });

  it('keeps fractional microseconds', () => {
    const window = new LatencyWindow();
    window.record(12.5);
    expect(window.percentiles([50])).toEqual([12.5]);
  });
});
