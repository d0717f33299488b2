/**
 * The verdict of an A/B experiment (issue 5, GET /v2/models/{m}/experiment): per arm n, mean
 * and 95 % interval, the test, its p-value, and either a winner or "no difference yet" with
 * the per-arm sample size that the observed difference would need.
 *
 * The metric is something to maximise — conversion, click-through, a quality score — so the
 * arm with the higher mean wins. To compare something to minimise (latency, error rate),
 * feed its negation (or 1 − outcome for a binary one).
 */
import {
  type Interval,
  type SummaryStatistics,
  meanCi95,
  proportionCi95,
  sampleSizeTwoMeans,
  sampleSizeTwoProportions,
  twoProportionZTest,
  welchTTest,
} from './statistics.js';

export type ExperimentMetric = 'binary' | 'continuous';
export type ExperimentVerdict = 'a wins' | 'b wins' | 'no difference yet';

export interface ExperimentArmInput {
  version: string;
  /** A RunningSummary or its JSON; for a binary metric the values were 0/1, so mean = proportion. */
  summary: SummaryStatistics;
}

export interface ExperimentInput {
  metric: ExperimentMetric;
  a: ExperimentArmInput;
  b: ExperimentArmInput;
  /** Significance level of the two-sided test; 0.05 = a winner at 95 %. */
  alpha?: number;
}

export interface ArmReport {
  arm: 'a' | 'b';
  version: string;
  n: number;
  mean: number;
  /** Wilson interval (binary) or t interval (continuous); null while it is undefined. */
  ci95: Interval | null;
}

export interface ExperimentReport {
  metric: ExperimentMetric;
  test: 'two-proportion z-test' | "Welch's t-test";
  alpha: number;
  arms: [ArmReport, ArmReport];
  /** mean_b − mean_a; null while an arm has no data. */
  difference: number | null;
  ci95: Interval | null;
  /** z or t; null while there is too little data to test. */
  statistic: number | null;
  /** Welch–Satterthwaite df; continuous metric only. */
  df?: number | null;
  pValue: number | null;
  significant: boolean;
  verdict: ExperimentVerdict;
  /** One sentence saying why the verdict is what it is. */
  reason: string;
  /** When not significant: per-arm n to detect the observed difference (α as given, 80 % power). */
  samplesNeededPerArm: number | null;
}

/** The least data a verdict is computed from: Welch's test needs a variance per arm. */
export const MIN_OBSERVATIONS_PER_ARM = 2;
/** Power that samplesNeededPerArm is planned for: the conventional 80 %. */
export const PLANNING_POWER = 0.8;

const DEFAULT_ALPHA = 0.05;

function format(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

function formatSigned(value: number): string {
  return value > 0 ? `+${format(value)}` : format(value);
}

/** The successes a binary arm's mean stands for; refuses a mean that 0/1 values cannot give. */
function successesOf(label: string, { n, mean }: SummaryStatistics): number {
  const successes = Math.round(mean * n);
  // Welford's running mean drifts by a few ulps per update; 1e-6 per observation is ample.
  if (!(mean >= 0 && mean <= 1) || Math.abs(mean * n - successes) > 1e-6 * Math.max(1, n)) {
    throw new RangeError(`arm ${label}: a binary metric needs 0/1 values, but n=${n} and mean=${mean} is not a count`);
  }
  return successes;
}

export function experimentReport(input: ExperimentInput): ExperimentReport {
  const { metric, a, b } = input;
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  if (metric !== 'binary' && metric !== 'continuous') {
    throw new RangeError(`metric must be 'binary' or 'continuous', got ${String(metric)}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const binary = metric === 'binary';
  const successesA = binary ? successesOf('a', a.summary) : 0;
  const successesB = binary ? successesOf('b', b.summary) : 0;
  const armReport = (arm: 'a' | 'b', { version, summary }: ExperimentArmInput, successes: number): ArmReport => ({
    arm,
    version,
    n: summary.n,
    mean: summary.mean,
    ci95: binary ? proportionCi95(successes, summary.n) : meanCi95(summary),
  });
  const arms: [ArmReport, ArmReport] = [armReport('a', a, successesA), armReport('b', b, successesB)];
  const confidence = `${format((1 - alpha) * 100)} %`;
  const counts = `a has ${a.summary.n}, b has ${b.summary.n}`;
  const report: ExperimentReport = {
    metric,
    test: binary ? 'two-proportion z-test' : "Welch's t-test",
    alpha,
    arms,
    difference: a.summary.n > 0 && b.summary.n > 0 ? b.summary.mean - a.summary.mean : null,
    ci95: null,
    statistic: null,
    ...(binary ? {} : { df: null }),
    pValue: null,
    significant: false,
    verdict: 'no difference yet',
    reason: '',
    samplesNeededPerArm: null,
  };

  if (a.summary.n < MIN_OBSERVATIONS_PER_ARM || b.summary.n < MIN_OBSERVATIONS_PER_ARM) {
    report.reason = `too little data: each arm needs at least ${MIN_OBSERVATIONS_PER_ARM} observations (${counts})`;
    return report;
  }
  const successes = successesA + successesB;
  const trials = a.summary.n + b.summary.n;
  if (binary && (successes === 0 || successes === trials)) {
    const kind = successes === 0 ? 'failures' : 'successes';
    report.reason = `too little data: a binary metric needs at least one success and one failure across both arms (all ${trials} are ${kind})`;
    return report;
  }

  if (binary) {
    const z = twoProportionZTest({ successes: successesA, n: a.summary.n }, { successes: successesB, n: b.summary.n });
    Object.assign(report, { difference: z.difference, ci95: z.ci95, statistic: z.z, pValue: z.pValue });
  } else {
    const t = welchTTest(a.summary, b.summary);
    Object.assign(report, { difference: t.difference, ci95: t.ci95, statistic: t.t, df: t.df, pValue: t.pValue });
  }
  const difference = report.difference!;
  const pValue = report.pValue!;
  report.significant = pValue < alpha;

  if (report.significant) {
    const winner = difference > 0 ? b : a;
    report.verdict = difference > 0 ? 'b wins' : 'a wins';
    const [lo, hi] = report.ci95!;
    report.reason =
      `${difference > 0 ? 'b' : 'a'} (version ${winner.version}) has the higher mean: difference b − a = ${formatSigned(difference)} ` +
      `(95 % CI ${format(lo)} to ${format(hi)}), p = ${format(pValue)} < ${alpha}`;
    return report;
  }
  if (difference === 0) {
    report.reason = `the arms' means are equal so far (p = ${format(pValue)}); no sample size detects a zero difference (${counts})`;
    return report;
  }
  report.samplesNeededPerArm = binary
    ? sampleSizeTwoProportions(successesA / a.summary.n, successesB / b.summary.n, alpha, PLANNING_POWER)
    : sampleSizeTwoMeans(Math.sqrt((a.summary.variance + b.summary.variance) / 2), difference, alpha, PLANNING_POWER);
  report.reason =
    `p = ${format(pValue)} >= ${alpha}: detecting the observed difference of ${formatSigned(difference)} at ${confidence} ` +
    `confidence with ${PLANNING_POWER * 100} % power takes about ${report.samplesNeededPerArm} per arm (${counts})`;
  return report;
}
