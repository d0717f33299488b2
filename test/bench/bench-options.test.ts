import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseBenchArgs, parseRange } from '../../src/bench/bench-options.js';

describe('parseRange', () => {
  it('reads perf_analyzer ranges and lists', () => {
    expect(parseRange('concurrency-range', '4', true)).toEqual([4]);
    expect(parseRange('concurrency-range', '1:4', true)).toEqual([1, 2, 3, 4]);
    expect(parseRange('concurrency-range', '8:32:8', true)).toEqual([8, 16, 24, 32]);
    expect(parseRange('concurrency-range', '1,8,64', true)).toEqual([1, 8, 64]);
    expect(parseRange('request-rate-range', '100:200:50', false)).toEqual([100, 150, 200]);
    expect(parseRange('request-rate-range', '0.5', false)).toEqual([0.5]);
  });

  it('rejects what it cannot read and ranges with too many levels', () => {
    for (const bad of ['0', '4:1', 'a', '1:2:3:4', '1.5']) expect(() => parseRange('concurrency-range', bad, true)).toThrow(BenchUsageError);
    expect(() => parseRange('concurrency-range', '1:100000', true)).toThrow(/more than 1000 levels/);
  });
});

describe('parseBenchArgs', () => {
  it('needs a model', () => {
    expect(() => parseBenchArgs([])).toThrow(/--model is required/);
  });

  it('fills defaults and reads the protocol from the URL', () => {
    const ws = parseBenchArgs(['-m', 'fraud']);
    expect(ws).toMatchObject({ protocol: 'ws', mode: 'concurrency', levels: [1], batch: 1, measurementIntervalMs: 5000, maxTrials: 10, stabilityTolerance: 0.1 });
    expect(parseBenchArgs(['-m', 'fraud', '-u', 'http://127.0.0.1:8080'])).toMatchObject({ protocol: 'http' });
  });

  it('reads open-loop options, shapes and outputs', () => {
    const options = parseBenchArgs([
      '-m', 'cnn', '--request-rate-range', '100:300:100', '--request-distribution', 'poisson', '--shape', 'image:1,28,28',
      '-b', '4', '--json', 'r.json', '-f', 'r.csv', '--plot', 'r.svg', '--verify', '--models', 'models', '-s', '5',
    ]);
    if (options === 'help') throw new Error('unexpected help');
    expect(options.mode).toBe('rate');
    expect(options.levels).toEqual([100, 200, 300]);
    expect(options.distribution).toBe('poisson');
    expect(options.shapes.get('image')).toEqual([1, 28, 28]);
    expect(options).toMatchObject({ batch: 4, jsonFile: 'r.json', csvFile: 'r.csv', plotFile: 'r.svg', verify: true, modelsDir: 'models', stabilityTolerance: 0.05 });
  });

  it('refuses both load modes at once, unknown values and unknown options', () => {
    expect(() => parseBenchArgs(['-m', 'x', '--concurrency-range', '1', '--request-rate-range', '10'])).toThrow(/not both/);
    expect(() => parseBenchArgs(['-m', 'x', '--request-distribution', 'uniform'])).toThrow(/constant or poisson/);
    expect(() => parseBenchArgs(['-m', 'x', '--batch', '0'])).toThrow(/--batch/);
    expect(() => parseBenchArgs(['-m', 'x', '--bogus'])).toThrow();
  });

  it('reads --server-pid as a positive integer, absent by default', () => {
    expect(parseBenchArgs(['-m', 'x', '--server-pid', '4242'])).toMatchObject({ serverPid: 4242 });
    expect(parseBenchArgs(['-m', 'x'])).toMatchObject({ serverPid: undefined });
    for (const bad of ['0', '-3', 'abc', '1.5']) expect(() => parseBenchArgs(['-m', 'x', '--server-pid', bad])).toThrow(/--server-pid/);
  });

  it('answers --help', () => {
    expect(parseBenchArgs(['--help'])).toBe('help');
  });
});

describe('--latency-threshold and --percentile', () => {
  it('reads a threshold in ms judged on the mean by default, or on the percentile given', () => {
    expect(parseBenchArgs(['-m', 'fraud', '--latency-threshold', '10'])).toMatchObject({ latencyThreshold: { thresholdMs: 10, statistic: 'mean' } });
    expect(parseBenchArgs(['-m', 'fraud', '-l', '2.5', '--percentile', '99'])).toMatchObject({ latencyThreshold: { thresholdMs: 2.5, statistic: 'p99' } });
    expect(parseBenchArgs(['-m', 'fraud'])).not.toHaveProperty('latencyThreshold.thresholdMs');
  });

  it('refuses what it cannot judge', () => {
    expect(() => parseBenchArgs(['-m', 'fraud', '-l', '0'])).toThrow(/--latency-threshold must be a positive number of milliseconds/);
    expect(() => parseBenchArgs(['-m', 'fraud', '-l', 'fast'])).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(['-m', 'fraud', '-l', '5', '--percentile', '75'])).toThrow(/--percentile must be one of 50, 90, 95, 99/);
    expect(() => parseBenchArgs(['-m', 'fraud', '--percentile', '99'])).toThrow(/give both/);
    expect(() => parseBenchArgs(['-m', 'fraud', '--binary-search'])).toThrow('--binary-search looks for the highest load within --latency-threshold; give both');
  });

  it('bisects with --binary-search, climbs without it', () => {
    expect(parseBenchArgs(['-m', 'fraud', '-l', '5', '--binary-search', '--concurrency-range', '1:64'])).toMatchObject({ binarySearch: true });
    expect(parseBenchArgs(['-m', 'fraud', '-l', '5'])).not.toHaveProperty('binarySearch');
  });
});

describe('--measurement-mode', () => {
  it('keeps time windows by default; count windows wait for 50 answers in at least 1 s, or what is asked', () => {
    expect(parseBenchArgs(['-m', 'fraud'])).not.toHaveProperty('measurementRequestCount');
    expect(parseBenchArgs(['-m', 'fraud', '--measurement-mode', 'count_windows'])).toMatchObject({ measurementRequestCount: 50, measurementIntervalMs: 1000 });
    expect(parseBenchArgs(['-m', 'fraud', '--measurement-mode', 'count_windows', '--measurement-request-count', '200', '-p', '250']))
      .toMatchObject({ measurementRequestCount: 200, measurementIntervalMs: 250 });
    expect(parseBenchArgs(['-m', 'fraud', '--measurement-mode', 'time_windows'])).toMatchObject({ measurementIntervalMs: 5000 });
  });

  it('refuses an unknown mode, a count without count windows, and a count below 1', () => {
    expect(() => parseBenchArgs(['-m', 'fraud', '--measurement-mode', 'counts'])).toThrow("--measurement-mode must be time_windows or count_windows, got 'counts'");
    expect(() => parseBenchArgs(['-m', 'fraud', '--measurement-request-count', '10'])).toThrow('--measurement-request-count applies to --measurement-mode count_windows');
    expect(() => parseBenchArgs(['-m', 'fraud', '--measurement-mode', 'count_windows', '--measurement-request-count', '0'])).toThrow(/--measurement-request-count must be an integer ≥ 1/);
  });
});

describe('--collect-metrics', () => {
  it('scrapes the server every second by default, or where and as often as asked', () => {
    expect(parseBenchArgs(['-m', 'fraud'])).toMatchObject({ collectMetrics: false });
    expect(parseBenchArgs(['-m', 'fraud', '--collect-metrics'])).toMatchObject({ collectMetrics: true, metricsIntervalMs: 1000 });
    expect(parseBenchArgs(['-m', 'fraud', '--collect-metrics', '--metrics-url', 'http://gpu-node:9400/metrics', '--metrics-interval-ms', '250']))
      .toMatchObject({ collectMetrics: true, metricsUrl: 'http://gpu-node:9400/metrics', metricsIntervalMs: 250 });
  });

  it('refuses its options without it, a URL that is not http, and an interval under 50 ms', () => {
    expect(() => parseBenchArgs(['-m', 'fraud', '--metrics-url', 'http://x/metrics'])).toThrow('--metrics-url and --metrics-interval-ms apply to --collect-metrics');
    expect(() => parseBenchArgs(['-m', 'fraud', '--collect-metrics', '--metrics-url', 'gpu-node:9400'])).toThrow("--metrics-url must be an http(s) URL, got 'gpu-node:9400'");
    expect(() => parseBenchArgs(['-m', 'fraud', '--collect-metrics', '--metrics-interval-ms', '10'])).toThrow(/--metrics-interval-ms must be an integer ≥ 50/);
  });
});
