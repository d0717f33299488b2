/**
 * The benchmark suite's goal arithmetic on a made-up run: which figure feeds which ratio,
 * and the pass/fail edges. (The suite itself is `npm run bench`; it measures, this checks
 * the sums it does with what it measured.)
 */
import { describe, expect, it } from 'vitest';
import { evaluateGoals } from '../../bench/lib/goals.js';
import { medianRatio } from '../../bench/lib/paired-runs.js';
import type { ModelFigures, SuiteResult } from '../../bench/lib/suite-result.js';
import { step } from './step-fixtures.js';

function model(name: string, overrides: Partial<ModelFigures> = {}): ModelFigures {
  const best = { sessions: 2, intraOpThreads: 1, batch: 32, rowsPerSec: 2000, medianRunUs: 30_000 };
  return {
    name,
    fileBytes: 10_000_000,
    config: { maxBatchSize: 32, maxQueueDelayUs: 1000, preferredBatchSizes: [], instances: 2, intraOpThreads: 1 },
    limit: { points: [best], best, batch1RunUsByThreads: { 1: 1000, 2: 600 } },
    naive: [step({ level: 64, inferPerSec: 1000 })],
    wsinfer: [
      step({ level: 1, inferPerSec: 500, latency: { ...step().latency, p50Us: 1200 } }),
      step({ level: 64, inferPerSec: 1850 }),
    ],
    wsinferOpen: step({ mode: 'rate', level: 900, latency: { ...step().latency, p99Us: 3900 }, server: { queueUs: 500, computeUs: 1500, batchSize: 2 } }),
    ...overrides,
  };
}

function suite(models: ModelFigures[], paired: SuiteResult['paired'] = {}): SuiteResult {
  return {
    machine: { cpuModel: 'x', cores: 2, memoryGiB: 8, os: 'linux', node: 'v20', onnxruntimeNode: '1.30.0', gitSha: 'abc', gitDirty: false },
    noise: { stalls: { spinMs: 2000, count: 0, totalMs: 0, maxMs: 0 }, timerLateUs: { preciseP50: 0, preciseP99: 0, setTimeoutP50: 0, setTimeoutP99: 0 }, handOffRoundTripUs: { p50: 0, p99: 0 } },
    startedAt: '2026-01-01T00:00:00Z', durationMs: 1, serverCommand: 'node bin/wsinfer.mjs serve', measurementIntervalMs: 1000,
    models,
    memory: { model: 'medium', fileBytes: 10_000_000, rssOneInstanceBytes: 100_000_000, rssTwoInstancesBytes: 114_000_000 },
    paired,
  };
}

const byFigure = (result: SuiteResult) => new Map(evaluateGoals(result).map((g) => [g.figure, g]));

describe('suite goals', () => {
  it('computes each ratio from the figures it names', () => {
    const goals = byFigure(suite([model('medium'), model('fraud', { wsinfer: [step({ level: 64, inferPerSec: 6000 })] })]));
    expect(goals.get('wsinfer saturation ÷ limit, medium')).toMatchObject({ value: '0.93', pass: true });
    expect(goals.get('wsinfer ÷ naive peer at concurrency 64, fraud (MLP)')).toMatchObject({ value: '6.00×', pass: true });
    expect(goals.get('wsinfer p50 − limit\'s batch-1 run time, concurrency 1, medium')).toMatchObject({ value: '0.200 ms', pass: true });
    // 3.9 ms against 1 ms + 2 × 1.5 ms.
    expect(goals.get('p99 at 50 % of max rate (Poisson), medium')).toMatchObject({ value: '3.90 ms vs 4.00 ms', pass: true });
    expect(goals.get('resident memory per extra worker ÷ model file size, medium')).toMatchObject({ value: '1.40', pass: true });
  });

  it('fails just past each edge', () => {
    const slow = model('medium', {
      wsinfer: [step({ level: 1, inferPerSec: 500, latency: { ...step().latency, p50Us: 1251 } }), step({ level: 64, inferPerSec: 1790 })],
      wsinferOpen: step({ mode: 'rate', level: 900, latency: { ...step().latency, p99Us: 4001 }, server: { queueUs: 500, computeUs: 1500, batchSize: 2 } }),
    });
    const result = suite([slow]);
    result.memory!.rssTwoInstancesBytes = 115_000_001;
    expect([...byFigure(result).values()].map((g) => g.pass)).toEqual([false, false, false, false]);
  });

  it('takes the throughput ratios from alternating pairs when the run has them', () => {
    const paired = { mediumVsLimit: { reference: 'limit', concurrency: 64, pairs: [], medianRatio: 0.95 } };
    expect(byFigure(suite([model('medium')], paired)).get('wsinfer saturation ÷ limit, medium')).toMatchObject({ pass: true, value: '0.95 (median of alternating pairs; 0.93 from the tables)' });
  });

  it('takes the median of per-pair ratios', () => {
    expect(medianRatio([{ reference: 100, wsinfer: 50 }, { reference: 100, wsinfer: 200 }, { reference: 100, wsinfer: 90 }])).toBe(0.9);
    expect(medianRatio([{ reference: 100, wsinfer: 80 }, { reference: 100, wsinfer: 100 }])).toBe(0.9);
    expect(medianRatio([])).toBe(0);
  });
});
