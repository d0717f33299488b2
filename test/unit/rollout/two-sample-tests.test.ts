/**
 * The two tests behind a verdict, against worked examples with published numbers. Every
 * difference here is B − A, so where a source reports A − B the sign of t (or z) flips.
 * Full-precision cross-checks come from SciPy 1.17 (ttest_ind(equal_var=False),
 * chi2_contingency(correction=False)).
 */
import { describe, expect, it } from 'vitest';
import { twoProportionZTest, welchTTest } from '../../../src/rollout/statistics.js';
import { RunningSummary } from '../../../src/rollout/running-summary.js';
import { relativeError } from './relative-error.js';

// Wikipedia, "Welch's t-test", section Examples: three pairs of samples A1, A2, with Welch's
// t, ν and p published as -2.46 / 25.0 / 0.021, -1.57 / 9.9 / 0.149 and -2.22 / 24.5 / 0.036.
const WIKIPEDIA_EXAMPLES = [
  {
    a1: [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
    a2: [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
    published: { t: -2.46, df: 25.0, p: 0.021 },
    scipy: { t: -2.455356398286006, df: 24.988529290231416, p: 0.021378001462866992, ci: [0.3492370661924069, 3.984096267140929] },
  },
  {
    a1: [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8],
    a2: [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8],
    published: { t: -1.57, df: 9.9, p: 0.149 },
    scipy: { t: -1.5654335235985037, df: 9.904741248650831, p: 0.14884169660532817, ci: [-0.6484213253751658, 3.698421325375163] },
  },
  {
    a1: [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0],
    a2: [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 24.0, 13.2],
    published: { t: -2.22, df: 24.5, p: 0.036 },
    scipy: { t: -2.2192409158236233, df: 24.496223124201244, p: 0.03597227102979692, ci: [0.15760646449535276, 4.282393535504645] },
  },
];

describe("welchTTest — Wikipedia's three worked examples", () => {
  WIKIPEDIA_EXAMPLES.forEach(({ a1, a2, published, scipy }, i) => {
    it(`example ${i + 1}: t = ${-published.t}, ν ≈ ${published.df}, p = ${published.p} (A1 as arm a, A2 as arm b)`, () => {
      const result = welchTTest(RunningSummary.of(a1), RunningSummary.of(a2));
      expect(Math.abs(result.t - -published.t)).toBeLessThan(0.005);
      expect(Math.abs(result.df - published.df)).toBeLessThan(0.05);
      expect(Math.abs(result.pValue - published.p)).toBeLessThan(0.0005);
      expect(relativeError(result.t, -scipy.t)).toBeLessThan(1e-12);
      expect(relativeError(result.df, scipy.df)).toBeLessThan(1e-12);
      expect(relativeError(result.pValue, scipy.p)).toBeLessThan(1e-10);
      expect(result.ci95[0]).toBeCloseTo(scipy.ci[0]!, 10);
      expect(result.ci95[1]).toBeCloseTo(scipy.ci[1]!, 10);
      expect(result.difference).toBeCloseTo(RunningSummary.of(a2).mean - RunningSummary.of(a1).mean, 12);
    });
  });
});

describe("welchTTest — R's t.test(extra ~ group, data = sleep)", () => {
  // Student (1908) / Cushny & Peebles sleep data, the example in R's ?t.test; R prints
  // t = -1.8608, df = 17.776, p-value = 0.07939, 95 percent CI -3.3654832 0.2054832 (group 1 − group 2).
  const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it('reproduces R to its printed digits, with the signs of B − A', () => {
    const result = welchTTest(RunningSummary.of(group1), RunningSummary.of(group2));
    expect(result.t).toBeCloseTo(1.8608, 4);
    expect(result.df).toBeCloseTo(17.776, 3);
    expect(result.pValue).toBeCloseTo(0.07939, 5);
    expect(result.ci95[0]).toBeCloseTo(-0.2054832, 7);
    expect(result.ci95[1]).toBeCloseTo(3.3654832, 7);
    expect(result.difference).toBeCloseTo(1.58, 12);
  });

  it('accepts plain summaries as well as RunningSummary, and is antisymmetric in the arms', () => {
    const a = { n: 10, mean: 0.75, variance: 3.2005555555555554 };
    const b = { n: 10, mean: 2.33, variance: 4.009 };
    const ab = welchTTest(a, b);
    const ba = welchTTest(b, a);
    expect(ba.t).toBeCloseTo(-ab.t, 12);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
    expect(ba.ci95[0]).toBeCloseTo(-ab.ci95[1], 12);
  });

  it('handles arms without spread and refuses arms below two observations', () => {
    expect(welchTTest({ n: 3, mean: 1, variance: 0 }, { n: 4, mean: 1, variance: 0 })).toMatchObject({ t: 0, pValue: 1, df: 5 });
    expect(welchTTest({ n: 3, mean: 1, variance: 0 }, { n: 4, mean: 2, variance: 0 })).toMatchObject({ t: Infinity, pValue: 0 });
    expect(() => welchTTest({ n: 1, mean: 1, variance: 0 }, { n: 4, mean: 2, variance: 1 })).toThrow(RangeError);
  });
});

describe('twoProportionZTest', () => {
  it('Triola, Elementary Statistics, "Inferences about two proportions", seat belts: z = 6.11, 90 % CI 0.00559 to 0.0123', () => {
    // 31 of 2823 occupants not wearing seat belts were killed, 16 of 7765 wearing them (the data
    // as also set in mathcenter.oxford.emory.edu/math117, two-sample proportions problem set).
    // Arm a = wearing, arm b = not wearing, so pB − pA is Triola's p1 − p2.
    const result = twoProportionZTest({ successes: 16, n: 7765 }, { successes: 31, n: 2823 });
    expect(result.z).toBeCloseTo(6.11, 2);
    expect(result.difference).toBeCloseTo(0.008921, 6);
    // Triola tests one-sided at 0.05 and so shows a 90 % interval; rebuild it from the 95 % one.
    const se = (result.ci95[1] - result.ci95[0]) / (2 * 1.959963984540054);
    expect(result.difference - 1.6448536269514722 * se).toBeCloseTo(0.00559, 5);
    expect(result.difference + 1.6448536269514722 * se).toBeCloseTo(0.0123, 4);
    expect(relativeError(result.z, 6.105793597370437)).toBeLessThan(1e-12);
    expect(relativeError(result.pValue, 1.022911299325085e-9)).toBeLessThan(1e-9);
  });

  it('Agresti, An Introduction to Categorical Data Analysis §2.2.2 (Table 2.2), aspirin and heart attacks: difference 0.0077, 95 % CI (0.005, 0.011)', () => {
    // Physicians' Health Study: 189 of 11034 on placebo and 104 of 11037 on aspirin had a heart attack.
    const result = twoProportionZTest({ successes: 104, n: 11037 }, { successes: 189, n: 11034 });
    expect(result.difference).toBeCloseTo(0.0077, 4);
    expect(result.ci95[0]).toBeCloseTo(0.005, 3);
    expect(result.ci95[1]).toBeCloseTo(0.011, 3);
    // z² is the Pearson X² of the 2×2 table: 25.01.
    expect(result.z ** 2).toBeCloseTo(25.013883967194165, 9);
    expect(relativeError(result.pValue, 5.691896973740836e-7)).toBeLessThan(1e-9);
  });

  it('is zero with p = 1 for equal proportions, including the no-spread case', () => {
    expect(twoProportionZTest({ successes: 50, n: 500 }, { successes: 10, n: 100 })).toMatchObject({ z: 0, pValue: 1, difference: 0 });
    expect(twoProportionZTest({ successes: 0, n: 10 }, { successes: 0, n: 30 })).toMatchObject({ z: 0, pValue: 1, difference: 0 });
  });

  it('refuses counts that are not counts', () => {
    expect(() => twoProportionZTest({ successes: 11, n: 10 }, { successes: 1, n: 10 })).toThrow(RangeError);
    expect(() => twoProportionZTest({ successes: 1.5, n: 10 }, { successes: 1, n: 10 })).toThrow(RangeError);
    expect(() => twoProportionZTest({ successes: 0, n: 0 }, { successes: 1, n: 10 })).toThrow(RangeError);
  });
});
