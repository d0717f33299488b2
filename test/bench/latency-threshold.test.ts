/**
 * --latency-threshold's verdict over a sweep: the highest level within the budget, the one
 * that went over it, and the line printed under the table.
 */
import { describe, expect, it } from 'vitest';
import { describeOutcome, thresholdOutcome } from '../../src/bench/latency-threshold.js';
import { step } from './step-fixtures.js';

const at = (level: number, p99Us: number, inferPerSec = level * 1000) =>
  step({ level, inferPerSec, latency: { ...step().latency, meanUs: p99Us / 2, p99Us } });

describe('thresholdOutcome', () => {
  it('names the last level within the threshold and the first over it', () => {
    const outcome = thresholdOutcome([at(1, 800), at(8, 4000), at(32, 12_000)], { thresholdMs: 5, statistic: 'p99' });
    expect(outcome).toEqual({ thresholdMs: 5, statistic: 'p99', searched: 'linear', withinLevel: 8, withinInferPerSec: 8000, exceededLevel: 32, exceededLatencyMs: 12 });
    expect(describeOutcome(outcome, 'concurrency')).toBe(
      'latency threshold 5 ms (p99): highest load within it: concurrency 8, 8000 infer/s; stopped at concurrency 32 (12.00 ms)\n');
  });

  it('judges the statistic asked for: the mean here is half the p99', () => {
    const steps = [at(1, 800), at(8, 4000), at(32, 12_000)];
    expect(thresholdOutcome(steps, { thresholdMs: 7, statistic: 'p99' })).toMatchObject({ withinLevel: 8, exceededLevel: 32 });
    expect(thresholdOutcome(steps, { thresholdMs: 7, statistic: 'mean' })).toMatchObject({ withinLevel: 32 });
  });

  it('says so when no step stayed within it, or none went over', () => {
    const none = thresholdOutcome([at(100, 9000)], { thresholdMs: 1, statistic: 'p99' });
    expect(describeOutcome(none, 'rate')).toBe('latency threshold 1 ms (p99): no step stayed within it; stopped at 100 requests/s (9.00 ms)\n');
    const all = thresholdOutcome([at(1, 800), at(2, 900)], { thresholdMs: 1, statistic: 'p99' });
    expect(describeOutcome(all, 'concurrency')).toBe('latency threshold 1 ms (p99): highest load within it: concurrency 2, 2000 infer/s; no step went over it\n');
  });

  it('after a binary search, takes the highest level within and the lowest over, in whatever order they ran', () => {
    const steps = [at(4, 800), at(64, 30_000), at(32, 15_000), at(16, 6000), at(8, 2000), at(12, 4000)];
    const outcome = thresholdOutcome(steps, { thresholdMs: 5, statistic: 'p99' }, 'binary');
    expect(outcome).toMatchObject({ searched: 'binary', withinLevel: 12, withinInferPerSec: 12_000, exceededLevel: 16, exceededLatencyMs: 6 });
    expect(describeOutcome(outcome, 'concurrency')).toBe(
      'latency threshold 5 ms (p99): highest load within it: concurrency 12, 12000 infer/s; lowest load over it: concurrency 16 (6.00 ms)\n');
  });

  it('counts a step with no answers as over the threshold', () => {
    expect(thresholdOutcome([step({ level: 4, completed: 0 })], { thresholdMs: 1000, statistic: 'p99' })).toMatchObject({ exceededLevel: 4 });
  });
});
