/**
 * Per-arm intervals and the sample sizes quoted by "no difference yet", against published
 * values: Newcombe's Wilson intervals, R's documented power.prop.test and t.test examples,
 * Lehr's rule, and a 10 % → 12 % conversion example worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { meanCi95, proportionCi95, sampleSizeTwoMeans, sampleSizeTwoProportions } from '../../../src/rollout/statistics.js';
import { RunningSummary } from '../../../src/rollout/running-summary.js';

describe('proportionCi95 (Wilson score interval)', () => {
  // R. G. Newcombe, "Two-sided confidence intervals for the single proportion: comparison of
  // seven methods", Statistics in Medicine 17 (1998) 857–872, Table II, method 3 (score).
  const NEWCOMBE: Array<[successes: number, n: number, lo: number, hi: number]> = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [successes, n, lo, hi] of NEWCOMBE) {
    it(`${successes}/${n} → ${lo} to ${hi}`, () => {
      const interval = proportionCi95(successes, n)!;
      expect(Math.abs(interval[0] - lo)).toBeLessThan(5e-5);
      expect(Math.abs(interval[1] - hi)).toBeLessThan(5e-5);
    });
  }

  it('stays inside [0, 1] at the edges and is null without trials', () => {
    expect(proportionCi95(0, 20)![0]).toBe(0);
    expect(proportionCi95(29, 29)![1]).toBe(1);
    expect(proportionCi95(29, 29)![0]).toBeCloseTo(0.8830302015002593, 12);
    expect(proportionCi95(0, 0)).toBeNull();
    expect(() => proportionCi95(5, 4)).toThrow(RangeError);
  });
});

describe('meanCi95 (t interval)', () => {
  it("reproduces R's t.test(sleep$extra[1:10]): 95 percent CI -0.5297804 to 2.0297804", () => {
    const interval = meanCi95(RunningSummary.of([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]))!;
    expect(interval[0]).toBeCloseTo(-0.5297804, 7);
    expect(interval[1]).toBeCloseTo(2.0297804, 7);
  });

  it('is null below two observations, where there is no spread to estimate', () => {
    expect(meanCi95({ n: 1, mean: 3, variance: 0 })).toBeNull();
    expect(meanCi95({ n: 0, mean: 0, variance: 0 })).toBeNull();
  });
});

describe('sampleSizeTwoProportions', () => {
  it('10 % → 12 % conversion at α = 0.05, 80 % power needs 3841 per arm (3840.85 before rounding up)', () => {
    // [1.959964·√(2·0.11·0.89) + 0.841621·√(0.10·0.90 + 0.12·0.88)]² / 0.02² = 3840.85.
    expect(sampleSizeTwoProportions(0.1, 0.12)).toBe(3841);
    expect(sampleSizeTwoProportions(0.12, 0.1)).toBe(3841);
  });

  it("matches R's documented power.prop.test(p1 = .50, p2 = .75, power = .90): n = 76.7 → 77", () => {
    expect(sampleSizeTwoProportions(0.5, 0.75, 0.05, 0.9)).toBe(77);
  });

  it('grows with stricter α and higher power, is Infinity for equal proportions, and refuses nonsense', () => {
    expect(sampleSizeTwoProportions(0.1, 0.12, 0.01, 0.8)).toBeGreaterThan(3841);
    expect(sampleSizeTwoProportions(0.1, 0.12, 0.05, 0.9)).toBeGreaterThan(3841);
    expect(sampleSizeTwoProportions(0.3, 0.3)).toBe(Infinity);
    expect(() => sampleSizeTwoProportions(1.2, 0.3)).toThrow(RangeError);
    expect(() => sampleSizeTwoProportions(0.2, 0.3, 0, 0.8)).toThrow(RangeError);
  });
});

describe('sampleSizeTwoMeans', () => {
  it("gives Lehr's constant: n·δ²/σ² = 2·(1.959964 + 0.841621)² = 15.70 (the '16' of 16σ²/δ²)", () => {
    // R. Lehr, "Sixteen S-squared over D-squared: a relation for crude sample size estimates",
    // Statistics in Medicine 11 (1992) 1099–1102.
    expect(sampleSizeTwoMeans(1, 0.5)).toBe(63); // 15.698 / 0.25 = 62.79
    expect(sampleSizeTwoMeans(10, 1)).toBe(1570); // 15.698 · 100 = 1569.78
    expect(sampleSizeTwoMeans(2, 1)).toBe(sampleSizeTwoMeans(4, 2));
  });

  it('is Infinity for δ = 0, at least 2 per arm, and refuses a negative sd', () => {
    expect(sampleSizeTwoMeans(1, 0)).toBe(Infinity);
    expect(sampleSizeTwoMeans(0, 1)).toBe(2);
    expect(sampleSizeTwoMeans(1, -0.5)).toBe(63);
    expect(() => sampleSizeTwoMeans(-1, 1)).toThrow(RangeError);
  });
});
