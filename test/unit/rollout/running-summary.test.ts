/**
 * RunningSummary: what an experiment arm keeps of its feedback — n, mean, sample variance —
 * exact where the naive sum-of-squares formula falls apart.
 */
import { describe, expect, it } from 'vitest';
import { RunningSummary } from '../../../src/rollout/running-summary.js';

describe('RunningSummary', () => {
  it('reports n, mean and the n − 1 sample variance', () => {
    const summary = RunningSummary.of([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(summary.n).toBe(8);
    expect(summary.mean).toBe(5);
    expect(summary.variance).toBeCloseTo(32 / 7, 14);
  });

  it('keeps the variance of 4, 7, 13, 16 at 30 after shifting them by 10⁹ (Wikipedia, "Algorithms for calculating variance")', () => {
    // The naive Σx² − n·x̄² loses every digit here in double precision.
    const summary = RunningSummary.of([4, 7, 13, 16].map((x) => 1e9 + x));
    expect(summary.mean).toBe(1e9 + 10);
    expect(summary.variance).toBeCloseTo(30, 6);
  });

  it('gives the proportion as the mean of 0/1 outcomes', () => {
    const summary = RunningSummary.of([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(summary.mean).toBeCloseTo(0.2, 15);
    expect(summary.variance).toBeCloseTo((10 / 9) * 0.2 * 0.8, 15);
  });

  it('reports mean 0 before any value and variance 0 before two, where they are undefined', () => {
    const summary = new RunningSummary();
    expect(summary.toJSON()).toEqual({ n: 0, mean: 0, variance: 0 });
    summary.add(3.5);
    expect(summary.toJSON()).toEqual({ n: 1, mean: 3.5, variance: 0 });
  });

  it('round-trips through JSON and keeps accumulating as if never stopped', () => {
    const values = [3.1, 2.7, 8.4, 5.5, 1.2, 9.9, 4.4];
    const whole = RunningSummary.of(values);
    const restored = RunningSummary.fromJSON(JSON.parse(JSON.stringify(RunningSummary.of(values.slice(0, 4)))));
    for (const value of values.slice(4)) restored.add(value);
    expect(restored.n).toBe(whole.n);
    expect(restored.mean).toBeCloseTo(whole.mean, 12);
    expect(restored.variance).toBeCloseTo(whole.variance, 12);
  });

  it('refuses values that would poison every later statistic', () => {
    const summary = RunningSummary.of([1, 2]);
    expect(() => summary.add(NaN)).toThrow(RangeError);
    expect(() => summary.add(Infinity)).toThrow(RangeError);
    expect(summary.toJSON()).toEqual({ n: 2, mean: 1.5, variance: 0.5 });
    expect(() => RunningSummary.fromJSON({ n: 2.5, mean: 1, variance: 0 })).toThrow(RangeError);
    expect(() => RunningSummary.fromJSON({ n: 3, mean: 1, variance: -1 })).toThrow(RangeError);
  });
});
