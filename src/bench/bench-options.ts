/**
 * `wsinfer bench` options: one commented defaults object, parsed and checked once.
 * Names follow perf_analyzer's where it has one (--concurrency-range, -f, …).
 */
import { parseArgs } from 'node:util';
import type { RequestDistribution } from './request-schedule.js';
import { type LatencyStatistic, type LatencyThreshold, PERCENTILES } from './latency-threshold.js';
import { parseShapeOption } from './model-inputs.js';

export interface BenchOptions {
  url: string;
  protocol: 'ws' | 'http';
  model: string;
  version?: string;
  /** Rows per request along dim 0. */
  batch: number;
  shapes: Map<string, number[]>;
  inputDataFile?: string;
  /** Distinct random input sets the run cycles through. */
  inputSets: number;
  seed: number;
  mode: 'concurrency' | 'rate';
  levels: number[];
  distribution: RequestDistribution;
  /** Time windows: each window's length. Count windows: the least a window lasts. */
  measurementIntervalMs: number;
  /**
   * Count windows (perf_analyzer's --measurement-mode count_windows): a window lasts until
   * this many answers arrived (errors count too), and at least measurementIntervalMs.
   */
  measurementRequestCount?: number;
  warmupMs: number;
  maxTrials: number;
  /** Stability tolerance as a fraction (0.1 = 10 %). */
  stabilityTolerance: number;
  /** WebSocket connections (HTTP: sockets); 0 = min(4, largest concurrency). */
  connections: number;
  framing: 'msgpack' | 'json';
  requestTimeoutMs: number;
  maxInFlight: number;
  jsonFile?: string;
  csvFile?: string;
  plotFile?: string;
  verify: boolean;
  verifySamples: number;
  modelPath?: string;
  modelsDir?: string;
  quiet: boolean;
  /** A server process on this machine whose CPU time each step reports (Linux /proc). */
  serverPid?: number;
  /** Stop the sweep at the first step over this latency (perf_analyzer's --latency-threshold). */
  latencyThreshold?: LatencyThreshold;
  /** With latencyThreshold: bisect the range for the highest level within it (perf_analyzer's --binary-search). */
  binarySearch?: boolean;
  /** Scrape the server's GPU gauges during each step (perf_analyzer's --collect-metrics). */
  collectMetrics?: boolean;
  /** Where to scrape; default the server's own /metrics. */
  metricsUrl?: string;
  /** Between scrapes; default DEFAULT_BENCH_OPTIONS.metricsIntervalMs. */
  metricsIntervalMs?: number;
}

export const DEFAULT_BENCH_OPTIONS = Object.freeze({
  url: 'ws://localhost:8080/ws',
  batch: 1,
  inputSets: 16,
  seed: 1,
  distribution: 'constant' as RequestDistribution,
  // perf_analyzer's default window.
  measurementIntervalMs: 5000,
  // Count windows: perf_analyzer's defaults, 50 answers in windows of at least 1 s.
  measurementRequestCount: 50,
  countWindowMinMs: 1000,
  warmupMs: 2000,
  maxTrials: 10,
  stabilityPercentage: 10,
  framing: 'msgpack' as const,
  requestTimeoutMs: 30_000,
  // Open loop: beyond this many unanswered requests the server is not keeping up anyway.
  maxInFlight: 10_000,
  verifySamples: 100,
  // perf_analyzer's --metrics-interval default.
  metricsIntervalMs: 1000,
});

/** At most this many load levels in one run. */
const MAX_LEVELS = 1000;

export class BenchUsageError extends Error {}

function positiveInteger(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new BenchUsageError(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

/** `start[:end[:step]]` (perf_analyzer's) or a list `a,b,c`. */
export function parseRange(name: string, text: string, integer: boolean): number[] {
  const bad = () => new BenchUsageError(`--${name} ${text}: expected start:end:step or a list a,b,c of positive ${integer ? 'integers' : 'numbers'}`);
  const check = (v: number) => {
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isSafeInteger(v))) throw bad();
    return v;
  };
  if (text.includes(',')) return text.split(',').map((p) => check(Number(p)));
  const parts = text.split(':').map(Number);
  if (parts.length > 3) throw bad();
  const start = check(parts[0]!);
  const end = parts.length > 1 ? check(parts[1]!) : start;
  const step = parts.length > 2 ? check(parts[2]!) : 1;
  if (end < start) throw bad();
  const levels: number[] = [];
  for (let v = start; v <= end + 1e-9 && levels.length < MAX_LEVELS; v += step) levels.push(Number(v.toPrecision(12)));
  if (levels.length >= MAX_LEVELS) throw new BenchUsageError(`--${name} ${text}: more than ${MAX_LEVELS} levels`);
  return levels;
}

/** `--latency-threshold <ms>` with `--percentile <50|90|95|99>` (default: the mean, as perf_analyzer). */
function parseLatencyThreshold(threshold: string | undefined, percentile: string | undefined): LatencyThreshold | undefined {
  let statistic: LatencyStatistic = 'mean';
  if (percentile !== undefined) {
    const p = Number(percentile);
    if (!(PERCENTILES as readonly number[]).includes(p)) throw new BenchUsageError(`--percentile must be one of ${PERCENTILES.join(', ')}, got '${percentile}'`);
    statistic = `p${p}` as LatencyStatistic;
  }
  if (threshold === undefined) {
    if (percentile !== undefined) throw new BenchUsageError('--percentile applies to --latency-threshold; give both');
    return undefined;
  }
  const thresholdMs = Number(threshold);
  if (!(thresholdMs > 0) || !Number.isFinite(thresholdMs)) throw new BenchUsageError(`--latency-threshold must be a positive number of milliseconds, got '${threshold}'`);
  return { thresholdMs, statistic };
}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: 'string', short: 'u' },
      protocol: { type: 'string', short: 'i' },
      model: { type: 'string', short: 'm' },
      version: { type: 'string', short: 'x' },
      batch: { type: 'string', short: 'b' },
      shape: { type: 'string', multiple: true },
      'input-data': { type: 'string' },
      'input-sets': { type: 'string' },
      seed: { type: 'string' },
      'concurrency-range': { type: 'string' },
      'request-rate-range': { type: 'string' },
      'request-distribution': { type: 'string' },
      'measurement-interval-ms': { type: 'string', short: 'p' },
      'measurement-mode': { type: 'string' },
      'measurement-request-count': { type: 'string' },
      'warmup-ms': { type: 'string' },
      'max-trials': { type: 'string', short: 'r' },
      'stability-percentage': { type: 'string', short: 's' },
      connections: { type: 'string' },
      framing: { type: 'string' },
      'request-timeout-ms': { type: 'string' },
      'max-in-flight': { type: 'string' },
      json: { type: 'string' },
      'latency-report-file': { type: 'string', short: 'f' },
      plot: { type: 'string' },
      verify: { type: 'boolean' },
      'verify-samples': { type: 'string' },
      'model-path': { type: 'string' },
      models: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      'server-pid': { type: 'string' },
      'latency-threshold': { type: 'string', short: 'l' },
      percentile: { type: 'string' },
      'binary-search': { type: 'boolean' },
      'collect-metrics': { type: 'boolean' },
      'metrics-url': { type: 'string' },
      'metrics-interval-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const d = DEFAULT_BENCH_OPTIONS;
  if (!values.model) throw new BenchUsageError('--model is required');
  if (values['concurrency-range'] && values['request-rate-range']) throw new BenchUsageError('give --concurrency-range or --request-rate-range, not both');
  const url = values.url ?? d.url;
  let protocol: 'ws' | 'http';
  try {
    protocol = (values.protocol ?? (/^https?:/.test(url) ? 'http' : 'ws')) as 'ws' | 'http';
    new URL(url);
  } catch {
    throw new BenchUsageError(`--url ${url} is not a URL`);
  }
  if (protocol !== 'ws' && protocol !== 'http') throw new BenchUsageError(`--protocol must be ws or http, got '${String(values.protocol)}'`);
  const distribution = (values['request-distribution'] ?? d.distribution) as RequestDistribution;
  if (distribution !== 'constant' && distribution !== 'poisson') throw new BenchUsageError(`--request-distribution must be constant or poisson, got '${distribution}'`);
  const framing = (values.framing ?? d.framing) as 'msgpack' | 'json';
  if (framing !== 'msgpack' && framing !== 'json') throw new BenchUsageError(`--framing must be msgpack or json, got '${framing}'`);
  const stability = Number(values['stability-percentage'] ?? d.stabilityPercentage);
  if (!(stability > 0 && stability <= 100)) throw new BenchUsageError('--stability-percentage must be in (0, 100]');
  const mode = values['request-rate-range'] ? 'rate' : 'concurrency';
  const measurementMode = values['measurement-mode'] ?? 'time_windows';
  if (measurementMode !== 'time_windows' && measurementMode !== 'count_windows') {
    throw new BenchUsageError(`--measurement-mode must be time_windows or count_windows, got '${measurementMode}'`);
  }
  const countWindows = measurementMode === 'count_windows';
  if (!countWindows && values['measurement-request-count'] !== undefined) {
    throw new BenchUsageError('--measurement-request-count applies to --measurement-mode count_windows');
  }
  const latencyThreshold = parseLatencyThreshold(values['latency-threshold'], values.percentile);
  const collectMetrics = values['collect-metrics'] ?? false;
  if (!collectMetrics && (values['metrics-url'] !== undefined || values['metrics-interval-ms'] !== undefined)) {
    throw new BenchUsageError('--metrics-url and --metrics-interval-ms apply to --collect-metrics');
  }
  if (values['metrics-url'] !== undefined && !/^https?:\/\//.test(values['metrics-url'])) {
    throw new BenchUsageError(`--metrics-url must be an http(s) URL, got '${values['metrics-url']}'`);
  }
  if (values['binary-search'] && !latencyThreshold) throw new BenchUsageError('--binary-search looks for the highest load within --latency-threshold; give both');
  const shapes = new Map<string, number[]>();
  for (const text of values.shape ?? []) {
    try {
      const [name, dims] = parseShapeOption(text);
      shapes.set(name, dims);
    } catch (error) {
      throw new BenchUsageError((error as Error).message);
    }
  }
  return {
    url,
    protocol,
    model: values.model,
    version: values.version,
    batch: positiveInteger('batch', values.batch, d.batch),
    shapes,
    inputDataFile: values['input-data'],
    inputSets: positiveInteger('input-sets', values['input-sets'], d.inputSets),
    seed: positiveInteger('seed', values.seed, d.seed, 0),
    mode,
    levels: mode === 'rate' ? parseRange('request-rate-range', values['request-rate-range']!, false) : parseRange('concurrency-range', values['concurrency-range'] ?? '1', true),
    distribution,
    measurementIntervalMs: positiveInteger('measurement-interval-ms', values['measurement-interval-ms'], countWindows ? d.countWindowMinMs : d.measurementIntervalMs, 10),
    ...(countWindows && { measurementRequestCount: positiveInteger('measurement-request-count', values['measurement-request-count'], d.measurementRequestCount) }),
    warmupMs: positiveInteger('warmup-ms', values['warmup-ms'], d.warmupMs, 0),
    maxTrials: positiveInteger('max-trials', values['max-trials'], d.maxTrials),
    stabilityTolerance: stability / 100,
    connections: positiveInteger('connections', values.connections, 0, 0),
    framing,
    requestTimeoutMs: positiveInteger('request-timeout-ms', values['request-timeout-ms'], d.requestTimeoutMs),
    maxInFlight: positiveInteger('max-in-flight', values['max-in-flight'], d.maxInFlight),
    jsonFile: values.json,
    csvFile: values['latency-report-file'],
    plotFile: values.plot,
    verify: values.verify ?? false,
    verifySamples: positiveInteger('verify-samples', values['verify-samples'], d.verifySamples),
    modelPath: values['model-path'],
    modelsDir: values.models,
    quiet: values.quiet ?? false,
    serverPid: values['server-pid'] === undefined ? undefined : positiveInteger('server-pid', values['server-pid'], 0),
    latencyThreshold,
    ...(values['binary-search'] && { binarySearch: true }),
    collectMetrics,
    ...(values['metrics-url'] !== undefined && { metricsUrl: values['metrics-url'] }),
    metricsIntervalMs: positiveInteger('metrics-interval-ms', values['metrics-interval-ms'], d.metricsIntervalMs, 50),
  };
}
