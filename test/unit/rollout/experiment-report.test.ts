/**
 * The A/B verdict a user reads from GET /v2/models/{m}/experiment: a winner when the test is
 * significant, otherwise "no difference yet" with the per-arm sample size still to reach,
 * and a plain reason while there is too little data to test at all.
 */
import { describe, expect, it } from 'vitest';
import { experimentReport, type ExperimentInput } from '../../../src/rollout/experiment-report.js';
import { RunningSummary } from '../../../src/rollout/running-summary.js';
import { proportionCi95, sampleSizeTwoMeans, twoProportionZTest, welchTTest } from '../../../src/rollout/statistics.js';

/** n 0/1 outcomes of which `successes` are 1, as feedback would arrive. */
function outcomes(successes: number, n: number): RunningSummary {
  const summary = new RunningSummary();
  for (let i = 0; i < n; i++) summary.add(i < successes ? 1 : 0);
  return summary;
}

function binary(a: RunningSummary, b: RunningSummary, alpha?: number): ExperimentInput {
  return { metric: 'binary', a: { version: '1', summary: a }, b: { version: '2', summary: b }, ...(alpha === undefined ? {} : { alpha }) };
}

// Wikipedia "Welch's t-test", example 3 (t = ±2.22, ν = 24.5, p = 0.036) and example 2 (p = 0.149).
const EXAMPLE_3_A1 = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
const EXAMPLE_3_A2 = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 24.0, 13.2];
const EXAMPLE_2_A1 = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
const EXAMPLE_2_A2 = [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8];

describe('experimentReport — a clear winner', () => {
  it('binary: 15 % vs 10 % conversion over 1000 each → "b wins" with the z-test numbers', () => {
    const report = experimentReport(binary(outcomes(100, 1000), outcomes(150, 1000)));
    const z = twoProportionZTest({ successes: 100, n: 1000 }, { successes: 150, n: 1000 });
    expect(report).toMatchObject({ metric: 'binary', test: 'two-proportion z-test', alpha: 0.05, significant: true, verdict: 'b wins' });
    expect(report.statistic).toBeCloseTo(z.z, 12);
    expect(report.statistic).toBeCloseTo(3.3806, 4); // 0.05 / √(0.125·0.875·(2/1000))
    expect(report.pValue).toBeCloseTo(z.pValue, 15);
    expect(report.pValue!).toBeLessThan(0.001);
    expect(report.difference).toBeCloseTo(0.05, 12);
    expect(report.ci95).toEqual(z.ci95);
    expect(report.samplesNeededPerArm).toBeNull();
    expect(report).not.toHaveProperty('df');
    expect(report.reason).toMatch(/^b \(version 2\) has the higher mean/);
  });

  it('binary arms carry n, the proportion and its Wilson interval', () => {
    const report = experimentReport(binary(outcomes(100, 1000), outcomes(150, 1000)));
    expect(report.arms[0]).toMatchObject({ arm: 'a', version: '1', n: 1000 });
    expect(report.arms[0].mean).toBeCloseTo(0.1, 12);
    expect(report.arms[0].ci95).toEqual(proportionCi95(100, 1000));
    expect(report.arms[1]).toMatchObject({ arm: 'b', version: '2', n: 1000 });
    expect(report.arms[1].ci95).toEqual(proportionCi95(150, 1000));
  });

  it("continuous: Wikipedia's example 3 with the higher-mean sample as arm a → \"a wins\" at p = 0.036", () => {
    const report = experimentReport({
      metric: 'continuous',
      a: { version: '7', summary: RunningSummary.of(EXAMPLE_3_A2) },
      b: { version: '8', summary: RunningSummary.of(EXAMPLE_3_A1) },
    });
    expect(report).toMatchObject({ test: "Welch's t-test", significant: true, verdict: 'a wins', samplesNeededPerArm: null });
    expect(report.statistic).toBeCloseTo(-2.22, 2);
    expect(report.df).toBeCloseTo(24.5, 1);
    expect(report.pValue).toBeCloseTo(0.036, 3);
    expect(report.difference).toBeCloseTo(-2.22, 10);
    expect(report.reason).toMatch(/^a \(version 7\) has the higher mean/);
  });

  it('tests at the α it is given: the same p = 0.036 is not a win at α = 0.01', () => {
    const report = experimentReport({
      metric: 'continuous',
      a: { version: '1', summary: RunningSummary.of(EXAMPLE_3_A1) },
      b: { version: '2', summary: RunningSummary.of(EXAMPLE_3_A2) },
      alpha: 0.01,
    });
    expect(report).toMatchObject({ alpha: 0.01, significant: false, verdict: 'no difference yet' });
    expect(report.reason).toContain('99 % confidence');
  });
});

describe('experimentReport — no difference yet', () => {
  it('binary 10 % vs 12 % over 1000 each: not significant, 3841 per arm needed', () => {
    const report = experimentReport(binary(outcomes(100, 1000), outcomes(120, 1000)));
    expect(report).toMatchObject({ significant: false, verdict: 'no difference yet', samplesNeededPerArm: 3841 });
    expect(report.pValue).toBeCloseTo(0.15292, 5); // z = 0.02 / √(0.11·0.89·(2/1000)) = 1.4293
    expect(report.reason).toBe(
      'p = 0.153 >= 0.05: detecting the observed difference of +0.02 at 95 % confidence with 80 % power takes about 3841 per arm (a has 1000, b has 1000)',
    );
  });

  it("continuous: Wikipedia's example 2 (p = 0.149) with n for its observed difference and pooled spread", () => {
    const a = RunningSummary.of(EXAMPLE_2_A1);
    const b = RunningSummary.of(EXAMPLE_2_A2);
    const report = experimentReport({ metric: 'continuous', a: { version: '1', summary: a }, b: { version: '2', summary: b } });
    const welch = welchTTest(a, b);
    expect(report).toMatchObject({ significant: false, verdict: 'no difference yet', df: welch.df, pValue: welch.pValue });
    expect(report.pValue).toBeCloseTo(0.149, 3);
    // 2·(z.975 + z.8)²·((s²a + s²b)/2)/δ² = 15.698·4.9696/1.525² = 33.5 → 34.
    expect(report.samplesNeededPerArm).toBe(sampleSizeTwoMeans(Math.sqrt((a.variance + b.variance) / 2), b.mean - a.mean));
    expect(report.samplesNeededPerArm).toBe(34);
    expect(report.arms[0].ci95).not.toBeNull();
  });

  it('equal means: p = 1 and no sample size, since none detects a zero difference', () => {
    const report = experimentReport(binary(outcomes(50, 500), outcomes(50, 500)));
    expect(report).toMatchObject({ difference: 0, statistic: 0, pValue: 1, significant: false, samplesNeededPerArm: null });
    expect(report.reason).toContain('no sample size detects a zero difference');
  });
});

describe('experimentReport — too little data', () => {
  it('an arm below two observations: nothing tested, the reason names the counts', () => {
    const report = experimentReport({
      metric: 'continuous',
      a: { version: '1', summary: RunningSummary.of([3.2]) },
      b: { version: '2', summary: RunningSummary.of([1, 2, 3]) },
    });
    expect(report).toMatchObject({ statistic: null, df: null, pValue: null, ci95: null, significant: false, verdict: 'no difference yet', samplesNeededPerArm: null });
    expect(report.difference).toBeCloseTo(-1.2, 12);
    expect(report.arms[0].ci95).toBeNull();
    expect(report.reason).toBe('too little data: each arm needs at least 2 observations (a has 1, b has 3)');
  });

  it('an empty arm has no difference at all', () => {
    const report = experimentReport(binary(new RunningSummary(), outcomes(1, 5)));
    expect(report).toMatchObject({ difference: null, pValue: null, verdict: 'no difference yet' });
    expect(report.arms[0].ci95).toBeNull();
  });

  it('binary outcomes that are all failures (or all successes) cannot be tested yet', () => {
    const none = experimentReport(binary(outcomes(0, 40), outcomes(0, 35)));
    expect(none).toMatchObject({ pValue: null, samplesNeededPerArm: null, verdict: 'no difference yet' });
    expect(none.reason).toBe('too little data: a binary metric needs at least one success and one failure across both arms (all 75 are failures)');
    const all = experimentReport(binary(outcomes(40, 40), outcomes(35, 35)));
    expect(all.reason).toContain('all 75 are successes');
  });
});

describe('experimentReport — input and output', () => {
  it('is plain JSON: it survives JSON.stringify unchanged', () => {
    const report = experimentReport(binary(outcomes(100, 1000), outcomes(120, 1000)));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('accepts summaries as plain {n, mean, variance} objects', () => {
    const report = experimentReport({
      metric: 'binary',
      a: { version: '1', summary: { n: 1000, mean: 0.1, variance: 0.09009 } },
      b: { version: '2', summary: { n: 1000, mean: 0.15, variance: 0.12763 } },
    });
    expect(report.verdict).toBe('b wins');
  });

  it('refuses a binary mean that 0/1 outcomes cannot produce, an unknown metric and a bad α', () => {
    const half = { version: '1', summary: { n: 3, mean: 0.5, variance: 0.25 } };
    expect(() => experimentReport({ metric: 'binary', a: half, b: half })).toThrow(RangeError);
    const ok = { version: '1', summary: { n: 4, mean: 0.5, variance: 1 / 3 } };
    expect(() => experimentReport({ metric: 'ratio' as never, a: ok, b: ok })).toThrow(RangeError);
    expect(() => experimentReport({ metric: 'binary', a: ok, b: ok, alpha: 1 })).toThrow(RangeError);
  });
});
