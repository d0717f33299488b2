/**
 * The tests, intervals and sample sizes behind an A/B verdict (issue 5): the two-proportion
 * z-test for binary outcomes, Welch's t-test for continuous ones. Every difference is
 * B − A, so a positive difference (and statistic) means arm B scored higher.
 * The distributions they stand on are re-exported here so one import serves a caller.
 */
import { normalQuantile, normalUpperTail } from './normal-distribution.js';
import { studentTQuantile, studentTUpperTail } from './student-t-distribution.js';

export { normalCdf, normalQuantile } from './normal-distribution.js';
export { studentTCdf, studentTQuantile } from './student-t-distribution.js';

export type Interval = [lo: number, hi: number];

/** Count of successes out of n trials. */
export interface Proportion {
  readonly successes: number;
  readonly n: number;
}

/** What a RunningSummary reports: count, mean and sample variance (n − 1 denominator). */
export interface SummaryStatistics {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

export interface TwoProportionZTestResult {
  z: number;
  /** Two-sided. */
  pValue: number;
  /** pB − pA. */
  difference: number;
  /** Unpooled Wald interval of pB − pA. */
  ci95: Interval;
}

export interface WelchTTestResult {
  t: number;
  /** Welch–Satterthwaite degrees of freedom (not an integer in general). */
  df: number;
  /** Two-sided. */
  pValue: number;
  /** meanB − meanA. */
  difference: number;
  ci95: Interval;
}

/** z_{0.975}; 95 % intervals are what the experiment report shows whatever α it tests at. */
const Z_975 = normalQuantile(0.975);

function checkProportion(label: string, { successes, n }: Proportion): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${label}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`${label}: successes must be an integer in [0, n], got ${successes} of ${n}`);
  }
}

function checkProbability(label: string, value: number, open: boolean): void {
  const ok = open ? value > 0 && value < 1 : value >= 0 && value <= 1;
  if (!ok) throw new RangeError(`${label} must be in ${open ? '(0, 1)' : '[0, 1]'}, got ${value}`);
}

/**
 * Two-proportion z-test. The statistic uses the pooled proportion — the standard error under
 * H0: pA = pB — while the interval uses each arm's own variance, since it describes the
 * difference as it is (e.g. Agresti, An Introduction to Categorical Data Analysis, §2.2).
 * When every trial in both arms succeeded (or every one failed) there is no spread at all:
 * z = 0 and p = 1, as the difference is then exactly 0.
 */
export function twoProportionZTest(a: Proportion, b: Proportion): TwoProportionZTestResult {
  checkProportion('arm a', a);
  checkProportion('arm b', b);
  const pA = a.successes / a.n;
  const pB = b.successes / b.n;
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  const difference = pB - pA;
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  const z = pooledSe === 0 ? 0 : difference / pooledSe;
  const unpooledSe = Math.sqrt((pA * (1 - pA)) / a.n + (pB * (1 - pB)) / b.n);
  return {
    z,
    pValue: 2 * normalUpperTail(Math.abs(z)),
    difference,
    ci95: [difference - Z_975 * unpooledSe, difference + Z_975 * unpooledSe],
  };
}

function checkSummary(label: string, s: SummaryStatistics): void {
  if (!Number.isInteger(s.n) || s.n < 2) throw new RangeError(`${label}: Welch's t-test needs n >= 2, got ${s.n}`);
  if (!Number.isFinite(s.mean)) throw new RangeError(`${label}: mean must be finite, got ${s.mean}`);
  if (!(s.variance >= 0 && s.variance < Infinity)) throw new RangeError(`${label}: variance must be finite and >= 0, got ${s.variance}`);
}

/**
 * Welch's unequal-variances t-test (B. L. Welch, Biometrika 34 (1947) 28–35) with the
 * Welch–Satterthwaite df = (sA²/nA + sB²/nB)² / [(sA²/nA)²/(nA−1) + (sB²/nB)²/(nB−1)].
 * Two arms without any spread are a degenerate case: equal means give t = 0, p = 1;
 * different means give t = ±∞, p = 0; df is then nA + nB − 2.
 */
export function welchTTest(a: SummaryStatistics, b: SummaryStatistics): WelchTTestResult {
  checkSummary('arm a', a);
  checkSummary('arm b', b);
  const varianceOfMeanA = a.variance / a.n;
  const varianceOfMeanB = b.variance / b.n;
  const se2 = varianceOfMeanA + varianceOfMeanB;
  const difference = b.mean - a.mean;
  if (se2 === 0) {
    const t = difference === 0 ? 0 : Math.sign(difference) * Infinity;
    return { t, df: a.n + b.n - 2, pValue: difference === 0 ? 1 : 0, difference, ci95: [difference, difference] };
  }
  const df = (se2 * se2) / (varianceOfMeanA ** 2 / (a.n - 1) + varianceOfMeanB ** 2 / (b.n - 1));
  const se = Math.sqrt(se2);
  const t = difference / se;
  const margin = studentTQuantile(0.975, df) * se;
  return {
    t,
    df,
    pValue: Math.min(1, 2 * studentTUpperTail(Math.abs(t), df)),
    difference,
    ci95: [difference - margin, difference + margin],
  };
}

/**
 * Wilson score interval (E. B. Wilson, JASA 22 (1927) 209–212) for a single proportion:
 * unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0 and 1,
 * where a conversion rate usually lives. Null when there are no trials.
 */
export function proportionCi95(successes: number, n: number): Interval | null {
  if (n === 0) return null;
  checkProportion('proportion', { successes, n });
  const p = successes / n;
  const z2 = Z_975 * Z_975;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (Z_975 / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - halfWidth), Math.min(1, centre + halfWidth)];
}

/** mean ± t_{0.975, n−1}·s/√n. Null below two observations, where s is undefined. */
export function meanCi95(summary: SummaryStatistics): Interval | null {
  if (summary.n < 2) return null;
  const margin = studentTQuantile(0.975, summary.n - 1) * Math.sqrt(summary.variance / summary.n);
  return [summary.mean - margin, summary.mean + margin];
}

/** Smallest sample size a test gets: Welch's test needs two observations per arm. */
const MIN_SAMPLE_SIZE = 2;

function zForTest(alpha: number, power: number): { zAlpha: number; zBeta: number } {
  checkProbability('alpha', alpha, true);
  checkProbability('power', power, true);
  return { zAlpha: normalQuantile(1 - alpha / 2), zBeta: normalQuantile(power) };
}

/**
 * Per-arm n for a two-sided two-proportion test of pA vs pB (normal approximation, no
 * continuity correction; Fleiss, Levin & Paik, Statistical Methods for Rates and
 * Proportions, 3rd ed., ch. 4):
 *   n = [z_{1−α/2}·√(2·p̄(1−p̄)) + z_{1−β}·√(pA(1−pA) + pB(1−pB))]² / (pA − pB)², p̄ = (pA+pB)/2.
 * It is the n R's power.prop.test solves for. Infinity when pA = pB.
 */
export function sampleSizeTwoProportions(pA: number, pB: number, alpha = 0.05, power = 0.8): number {
  checkProbability('pA', pA, false);
  checkProbability('pB', pB, false);
  const { zAlpha, zBeta } = zForTest(alpha, power);
  if (pA === pB) return Infinity;
  const pBar = (pA + pB) / 2;
  const root = zAlpha * Math.sqrt(2 * pBar * (1 - pBar)) + zBeta * Math.sqrt(pA * (1 - pA) + pB * (1 - pB));
  return Math.max(MIN_SAMPLE_SIZE, Math.ceil((root * root) / (pA - pB) ** 2));
}

/**
 * Per-arm n to detect a difference of means `delta` with common standard deviation `sd`
 * (normal approximation; e.g. Chow, Shao & Wang, Sample Size Calculations in Clinical
 * Research, §3.2): n = 2·(z_{1−α/2} + z_{1−β})²·σ²/δ². At α = 0.05 and 80 % power the
 * constant 2·(1.95996 + 0.84162)² = 15.70 is what Lehr's rule of thumb rounds to 16/Δ².
 * For arms with different variances pass sd = √((σA² + σB²)/2). Infinity when delta = 0.
 */
export function sampleSizeTwoMeans(sd: number, delta: number, alpha = 0.05, power = 0.8): number {
  if (!(sd >= 0 && sd < Infinity)) throw new RangeError(`sd must be finite and >= 0, got ${sd}`);
  if (!Number.isFinite(delta)) throw new RangeError(`delta must be finite, got ${delta}`);
  const { zAlpha, zBeta } = zForTest(alpha, power);
  if (delta === 0) return Infinity;
  const n = (2 * (zAlpha + zBeta) ** 2 * sd * sd) / (delta * delta);
  return Math.max(MIN_SAMPLE_SIZE, Math.ceil(n));
}
