/**
 * A model's routing policy — which version serves requests that name none — as read from
 * `routing.json` or `PUT /v2/models/{m}/routing`. Parsed once, defaults filled in;
 * anything invalid is ERR_CONFIG_INVALID naming the field.
 */
import { WsinferError } from '../errors.js';

export interface GuardConfig {
  /** Outcomes compared over this trailing window. */
  windowSeconds: number;
  /** Both versions need this many requests in the window before the guard judges. */
  minRequests: number;
  /** Breach when the canary's error rate exceeds the default's by more than this (0..1). */
  maxErrorRateIncrease: number;
  /** Breach when the canary's p99 exceeds the default's by more than this factor… */
  maxP99Ratio: number;
  /** …and by more than this many microseconds: sub-millisecond jitter is not a regression. */
  minP99IncreaseUs: number;
}

export interface CanaryPolicy {
  version: string;
  /** Share of unversioned traffic, 0..100. */
  percent: number;
  /** Request parameter that keeps a user on one side (else the connection). */
  stickyKey?: string;
  /** Staged plan: percentages to move through, each after holdSeconds with the guard holding. */
  steps?: number[];
  holdSeconds?: number;
  guard: GuardConfig;
}

export interface ShadowPolicy {
  version: string;
  percent: number;
}

export interface ExperimentPolicy {
  a: string;
  b: string;
  /** Percent of the experiment's traffic that goes to arm a. */
  split: number;
  metric: 'binary' | 'continuous';
  stickyKey?: string;
}

export interface RoutingPolicy {
  default: string;
  canary?: CanaryPolicy;
  shadow?: ShadowPolicy;
  experiment?: ExperimentPolicy;
}

export const DEFAULT_GUARD: Readonly<GuardConfig> = Object.freeze({
  windowSeconds: 60,
  minRequests: 50,
  maxErrorRateIncrease: 0.01,
  maxP99Ratio: 1.5,
  minP99IncreaseUs: 1000,
});

function invalid(model: string, field: string, why: string): WsinferError {
  return new WsinferError('ERR_CONFIG_INVALID', `routing of '${model}': ${field} ${why}`);
}

type Fields = Record<string, unknown>;

function objectAt(model: string, field: string, value: unknown, known: readonly string[]): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(model, field, 'must be an object');
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown) throw invalid(model, `${field}.${unknown}`, 'is not a known setting');
  return value as Fields;
}

function versionAt(model: string, field: string, value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value !== 'string' || !/^[1-9][0-9]*$/.test(value)) throw invalid(model, field, 'must be a version number');
  return value;
}

function numberAt(model: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw invalid(model, field, `must be a number in ${min}..${max}`);
  return value;
}

function stickyKeyAt(model: string, field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw invalid(model, field, 'must name a request parameter');
  return value;
}

function parseGuard(model: string, raw: unknown): GuardConfig {
  if (raw === undefined) return { ...DEFAULT_GUARD };
  const g = objectAt(model, 'canary.guard', raw, ['windowSeconds', 'minRequests', 'maxErrorRateIncrease', 'maxP99Ratio', 'minP99IncreaseUs']);
  return {
    windowSeconds: g.windowSeconds === undefined ? DEFAULT_GUARD.windowSeconds : numberAt(model, 'canary.guard.windowSeconds', g.windowSeconds, 1, 86_400),
    minRequests: g.minRequests === undefined ? DEFAULT_GUARD.minRequests : numberAt(model, 'canary.guard.minRequests', g.minRequests, 1, 1e9),
    maxErrorRateIncrease: g.maxErrorRateIncrease === undefined ? DEFAULT_GUARD.maxErrorRateIncrease : numberAt(model, 'canary.guard.maxErrorRateIncrease', g.maxErrorRateIncrease, 0, 1),
    maxP99Ratio: g.maxP99Ratio === undefined ? DEFAULT_GUARD.maxP99Ratio : numberAt(model, 'canary.guard.maxP99Ratio', g.maxP99Ratio, 1, 1e6),
    minP99IncreaseUs: g.minP99IncreaseUs === undefined ? DEFAULT_GUARD.minP99IncreaseUs : numberAt(model, 'canary.guard.minP99IncreaseUs', g.minP99IncreaseUs, 0, 3.6e9),
  };
}

function parseCanary(model: string, raw: unknown): CanaryPolicy {
  const c = objectAt(model, 'canary', raw, ['version', 'percent', 'stickyKey', 'steps', 'holdSeconds', 'guard']);
  const canary: CanaryPolicy = {
    version: versionAt(model, 'canary.version', c.version),
    percent: numberAt(model, 'canary.percent', c.percent ?? (Array.isArray(c.steps) ? c.steps[0] : undefined), 0, 100),
    guard: parseGuard(model, c.guard),
  };
  const stickyKey = stickyKeyAt(model, 'canary.stickyKey', c.stickyKey);
  if (stickyKey) canary.stickyKey = stickyKey;
  if (c.steps !== undefined) {
    if (!Array.isArray(c.steps) || c.steps.length === 0) throw invalid(model, 'canary.steps', 'must be a non-empty array of percentages');
    const steps = c.steps.map((step, i) => numberAt(model, `canary.steps[${i}]`, step, 0, 100));
    if (steps.some((step, i) => i > 0 && step <= steps[i - 1]!)) throw invalid(model, 'canary.steps', 'must increase');
    canary.steps = steps;
    canary.holdSeconds = numberAt(model, 'canary.holdSeconds', c.holdSeconds ?? 300, 0, 86_400 * 30);
  } else if (c.holdSeconds !== undefined) {
    throw invalid(model, 'canary.holdSeconds', 'needs canary.steps');
  }
  return canary;
}

export function parseRoutingPolicy(model: string, raw: unknown): RoutingPolicy {
  const p = objectAt(model, 'policy', raw, ['default', 'canary', 'shadow', 'experiment', 'previousDefault', 'status']);
  const policy: RoutingPolicy = { default: versionAt(model, 'default', p.default) };
  if (p.canary !== undefined && p.canary !== null) policy.canary = parseCanary(model, p.canary);
  if (p.shadow !== undefined && p.shadow !== null) {
    const s = objectAt(model, 'shadow', p.shadow, ['version', 'percent']);
    policy.shadow = { version: versionAt(model, 'shadow.version', s.version), percent: numberAt(model, 'shadow.percent', s.percent ?? 100, 0, 100) };
  }
  if (p.experiment !== undefined && p.experiment !== null) {
    const e = objectAt(model, 'experiment', p.experiment, ['a', 'b', 'split', 'metric', 'stickyKey']);
    const metric = e.metric ?? 'binary';
    if (metric !== 'binary' && metric !== 'continuous') throw invalid(model, 'experiment.metric', 'must be binary or continuous');
    const experiment: ExperimentPolicy = {
      a: versionAt(model, 'experiment.a', e.a),
      b: versionAt(model, 'experiment.b', e.b),
      split: numberAt(model, 'experiment.split', e.split ?? 50, 0, 100),
      metric,
    };
    if (experiment.a === experiment.b) throw invalid(model, 'experiment', 'needs two different versions');
    const stickyKey = stickyKeyAt(model, 'experiment.stickyKey', e.stickyKey);
    if (stickyKey) experiment.stickyKey = stickyKey;
    policy.experiment = experiment;
  }
  if (policy.canary && policy.canary.version === policy.default) throw invalid(model, 'canary.version', 'must differ from default');
  return policy;
}

/** Every version a policy routes to, so they can be checked as loaded. */
export function versionsNamed(policy: RoutingPolicy): string[] {
  const versions = new Set([policy.default]);
  if (policy.canary) versions.add(policy.canary.version);
  if (policy.shadow) versions.add(policy.shadow.version);
  if (policy.experiment) {
    versions.add(policy.experiment.a);
    versions.add(policy.experiment.b);
  }
  return [...versions];
}
