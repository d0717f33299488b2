/**
 * The benchmark suite's goal arithmetic on a made-up run: which figure feeds which ratio,
 * and the pass/fail edges. (The suite itself is `npm run bench`; it measures, this checks
 * the sums it does with what it measured.)
 */
import { describe, expect, it } from 'vitest';
import { evaluateGoals, saturationConcurrency, verdict } from '../../bench/lib/goals.js';
import { medianInlineOverheadUs, medianInterval, medianOverheadUs, medianRatio } from '../../bench/lib/paired-runs.js';
import type { SuiteResult } from '../../bench/lib/suite-result.js';
import { step } from './step-fixtures.js';
import { model, suite } from './suite-fixtures.js';

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
    result.memory!.rssMoreInstancesBytes = 115_000_001;
    expect([...byFigure(result).values()].map((g) => g.pass)).toEqual([false, false, false, false]);
  });

  it('compares saturation where every instance runs a full batch and one full batch waits', () => {
    // medium as shipped: 2 instances, maxBatchSize 32.
    expect(saturationConcurrency({ instances: 2, maxBatchSize: 32 })).toBe(96);
    expect(saturationConcurrency({ instances: 1, maxBatchSize: 64 })).toBe(128);
    // A model that does not batch still needs one request per instance and one waiting.
    expect(saturationConcurrency({ instances: 3, maxBatchSize: 0 })).toBe(4);
  });

  it('takes the throughput ratios from alternating pairs when the run has them', () => {
    // Ratios 0.90, 0.97, 0.95, 0.93, 0.99: the median is 0.95, and five pairs bound it by their extremes.
    const pairs = [1800, 1940, 1900, 1860, 1980].map((wsinfer) => ({ reference: 2000, wsinfer }));
    const paired = { mediumVsLimit: { reference: 'limit', concurrency: 96, pairs, medianRatio: 0.95 } };
    expect(byFigure(suite([model('medium')], paired)).get('wsinfer saturation ÷ limit, medium')).toMatchObject({
      pass: true,
      value: '0.95 (median of 5 alternating pairs at c=96, where its batches are full; 94 % interval for the median 0.90–0.99; 0.93 from the tables)',
    });
  });

  it('says when the interval of the median holds the goal, so one run cannot tell met from missed', () => {
    const goalFor = (ratios: number[]) => {
      const pairs = ratios.map((r) => ({ reference: 2000, wsinfer: 2000 * r }));
      const paired = { mediumVsLimit: { reference: 'limit', concurrency: 96, pairs, medianRatio: medianRatio(pairs) } };
      return byFigure(suite([model('medium')], paired)).get('wsinfer saturation ÷ limit, medium')!;
    };
    expect(verdict(goalFor([0.85, 0.95, 0.92, 0.88, 0.97]))).toBe('✅ met — within this run\'s noise: the median\'s interval (0.85–0.97) holds 0.90');
    expect(verdict(goalFor([0.80, 0.88, 0.86, 0.93, 0.84]))).toBe('❌ missed — within this run\'s noise: the median\'s interval (0.80–0.93) holds 0.90');
    // Wholly on one side: a plain verdict.
    expect(verdict(goalFor([0.91, 0.95, 0.92, 0.98, 0.97]))).toBe('✅ met');
    expect(verdict(goalFor([0.80, 0.88, 0.86, 0.89, 0.84]))).toBe('❌ missed');
  });

  it('shows a ratio that two decimals would round across its goal with three', () => {
    const justUnder = { mediumVsLimit: { reference: 'limit', concurrency: 96, pairs: [{ reference: 2000, wsinfer: 1791.6 }], medianRatio: 0.8958 } };
    expect(byFigure(suite([model('medium')], justUnder)).get('wsinfer saturation ÷ limit, medium'))
      .toMatchObject({ pass: false, value: '0.896 (median of 1 alternating pair at c=96, where its batches are full; 0.93 from the tables)' });
    const result = suite([model('medium')]);
    result.memory!.rssMoreInstancesBytes = 115_030_000; // 15.03 MB more for one more instance of a 10 MB file
    expect(byFigure(result).get('resident memory per extra worker ÷ model file size, medium')).toMatchObject({ pass: false, value: '1.503' });
  });

  it('takes p50 − run from alternating pairs when the run has them', () => {
    // Per-pair differences 0.30, 0.18, 0.22 ms: the median is 0.22; the tables say 1200 − 1000 µs.
    const pairs = [{ runUs: 1000, p50Us: 1300 }, { runUs: 1150, p50Us: 1330 }, { runUs: 1080, p50Us: 1300 }];
    expect(medianOverheadUs(pairs)).toBe(220);
    const medium = model('medium', { pairedP50: { pairs, medianOverheadUs: medianOverheadUs(pairs) } });
    expect(byFigure(suite([medium])).get('wsinfer p50 − limit\'s batch-1 run time, concurrency 1, medium'))
      .toMatchObject({ pass: true, value: '0.220 ms (median of alternating pairs; 0.200 ms from the tables)' });
    // A run whose pairs all failed falls back to the tables.
    const none = model('medium', { pairedP50: { pairs: [], medianOverheadUs: 0 } });
    expect(byFigure(suite([none])).get('wsinfer p50 − limit\'s batch-1 run time, concurrency 1, medium')).toMatchObject({ value: '0.200 ms' });
    expect(medianOverheadUs([{ runUs: 1000, p50Us: 1100 }, { runUs: 1000, p50Us: 1400 }])).toBe(250);
  });

  it('puts what the echo ceiling and bare workers allow beside each goal, and calls a miss unreachable only when they miss too', () => {
    const fraud = model('fraud', {
      wsinfer: [step({ level: 1, inferPerSec: 500, latency: { ...step().latency, p50Us: 1400 } }), step({ level: 64, inferPerSec: 1500 })],
      // Echo at c=64 is 1.9× naive; its c=1 p50 (0.31 ms) alone is over the 0.25 ms allowed.
      ceiling: [step({ level: 1, latency: { ...step().latency, p50Us: 310 } }), step({ level: 64, inferPerSec: 1900 })],
      // p99 at wsinfer's rate, 4.5 ms against 1 ms + 2 × 1.5 ms.
      ceilingOpen: step({ mode: 'rate', level: 900, latency: { ...step().latency, p99Us: 4500 } }),
      wsinferOpen: step({ mode: 'rate', level: 900, latency: { ...step().latency, p99Us: 6000 }, server: { queueUs: 500, computeUs: 1500, batchSize: 2 } }),
    });
    const result = suite([fraud]);
    result.memory = { ...result.memory!, rssMoreInstancesBytes: 140_000_000, bareWorkerBytes: 8 * 2 ** 20, sessionWorkerBytes: 30 * 2 ** 20 };
    const goals = byFigure(result);

    const naive = goals.get('wsinfer ÷ naive peer at concurrency 64, fraud (MLP)')!;
    expect(naive.machineAllows).toMatchObject({ value: '1.90× (echo ceiling ÷ naive at c=64)', reachable: false });
    expect(verdict(naive)).toBe('❌ missed — unreachable here: the echo ceiling is 1.90× naive');

    const p50 = goals.get('wsinfer p50 − limit\'s batch-1 run time, concurrency 1, fraud')!;
    expect(p50.machineAllows?.value).toBe('0.310 ms (echo ceiling\'s p50 at c=1)');
    expect(verdict(p50)).toBe('❌ missed — unreachable here: the echo ceiling\'s p50 alone is 0.310 ms');

    const p99 = goals.get('p99 at 50 % of max rate (Poisson), fraud')!;
    expect(p99.machineAllows?.value).toBe('4.50 ms vs 4.00 ms (echo ceiling, same rate)');
    expect(verdict(p99)).toBe('❌ missed — unreachable here: the echo ceiling\'s p99 at this rate is 4.50 ms');

    // (8 + 22) MiB = 31.5 MB against a 10 MB file.
    const memory = goals.get('resident memory per extra worker ÷ model file size, medium')!;
    expect(memory.machineAllows?.value).toBe('3.15 (worker thread 8.0 MiB + session 22.0 MiB)');
    expect(verdict(memory)).toBe('❌ missed — unreachable here: a plain worker thread holding a session already costs 3.15× the file');

    // A second instance measured cheaper than the plain worker (1.6 against 1.9): not a bound.
    result.memory = { ...result.memory!, rssMoreInstancesBytes: 116_000_000, sessionWorkerBytes: 19_000_000 };
    const beaten = byFigure(result).get('resident memory per extra worker ÷ model file size, medium')!;
    expect(beaten).toMatchObject({ value: '1.60', pass: false });
    expect(beaten.machineAllows).toMatchObject({ reachable: true });
    expect(beaten.machineAllows?.value).toContain('wsinfer did better, so not a bound in this run');
    expect(verdict(beaten)).toBe('❌ missed');
  });

  it('bounds p50 by the echo server running the model in place, from the same alternating pairs', () => {
    const paired = (inlineP50Us: number, wsinferP50Us = 1400) => {
      const pairs = [{ runUs: 1000, p50Us: wsinferP50Us, inlineP50Us }];
      return model('medium', { pairedP50: { pairs, medianOverheadUs: medianOverheadUs(pairs), medianInlineOverheadUs: medianInlineOverheadUs(pairs) } });
    };
    const goal = (m: ReturnType<typeof paired>) => byFigure(suite([m])).get('wsinfer p50 − limit\'s batch-1 run time, concurrency 1, medium')!;
    const over = goal(paired(1270));
    expect(over.machineAllows).toMatchObject({ value: '0.270 ms (the echo server running the model in place: its p50 less the limit\'s batch-1 run, median of the same pairs)', reachable: false });
    expect(verdict(over)).toBe('❌ missed — unreachable here: a server that runs the model in place on its answering thread already adds 0.270 ms');
    const within = goal(paired(1150));
    expect(within.machineAllows).toMatchObject({ reachable: true });
    expect(verdict(within)).toBe('❌ missed');
    // wsinfer's own 1400 − 1000 µs beats the in-place server's 0.6 ms: not a bound, so not "unreachable".
    const beaten = goal(paired(1600));
    expect(beaten.machineAllows).toMatchObject({ reachable: true });
    expect(beaten.machineAllows?.value).toContain('wsinfer did better, so not a bound in this run');
    expect(verdict(beaten)).toBe('❌ missed');
    expect(verdict(goal(paired(1600, 1240)))).toBe('✅ met');
  });

  it('bounds p99 by the larger of the echo ceiling and the model alone fed the same arrivals in-process', () => {
    const latency = (p99Us: number) => ({ ...step().latency, p99Us });
    const fraud = model('fraud', {
      ceilingOpen: step({ mode: 'rate', level: 900, latency: latency(2000) }),
      wsinferOpen: step({ mode: 'rate', level: 900, latency: latency(40_000), server: { queueUs: 500, computeUs: 1500, batchSize: 2 } }),
      // Bound: 1 ms + 2 × 1.5 ms = 4 ms; the model alone queues to 36 ms at this rate.
      limitOpen: { rateRps: 900, measured: 2700, latency: latency(36_000), meanBatch: 2, meanRunUs: 2500 },
    });
    const p99 = byFigure(suite([fraud])).get('p99 at 50 % of max rate (Poisson), fraud')!;
    expect(p99.machineAllows).toMatchObject({ value: '36.00 ms vs 4.00 ms (echo ceiling 2.00 ms; the model alone in-process 36.00 ms; same rate)', reachable: false });
    expect(verdict(p99)).toBe('❌ missed — unreachable here: the model alone, fed the same arrivals in-process, has a p99 of 36.00 ms');

    fraud.limitOpen!.latency = latency(3000);
    const within = byFigure(suite([fraud])).get('p99 at 50 % of max rate (Poisson), fraud')!;
    expect(within.machineAllows).toMatchObject({ value: '3.00 ms vs 4.00 ms (echo ceiling 2.00 ms; the model alone in-process 3.00 ms; same rate)', reachable: true });
  });

  it('bounds the saturation goal by the limit while the echo server answers wsinfer\'s closed loop at its rate', () => {
    const paired = { mediumVsLimit: { reference: 'limit', concurrency: 64, pairs: [], medianRatio: 0.8 } };
    const result = suite([model('medium')], paired);
    result.mediumLimitUnderLoad = {
      rateRps: 1500, burst: 22, concurrency: 64, batch: 16, medianRatio: 0.84,
      pairs: [{ aloneRowsPerSec: 2000, servingRowsPerSec: 1680, answeredRps: 1497 }],
    };
    const goal = byFigure(result).get('wsinfer saturation ÷ limit, medium')!;
    expect(goal.machineAllows).toMatchObject({ value: '0.84 (the limit while the echo server answers c=64 at 1500 req/s ÷ the limit alone)', reachable: false });
    expect(verdict(goal)).toBe('❌ missed — unreachable here: serving the requests alone leaves the limit 0.84 of itself');
    result.mediumLimitUnderLoad.medianRatio = 0.93;
    expect(verdict(byFigure(result).get('wsinfer saturation ÷ limit, medium')!)).toBe('❌ missed');
    // wsinfer above the figure: it bounded nothing this run, so no "unreachable".
    result.mediumLimitUnderLoad.medianRatio = 0.75;
    const beaten = byFigure(result).get('wsinfer saturation ÷ limit, medium')!;
    expect(beaten.machineAllows?.value).toContain('wsinfer did better, so not a bound in this run');
    expect(verdict(beaten)).toBe('❌ missed');
  });

  it('says plainly missed when the ceiling meets the goal, and met whenever wsinfer does', () => {
    const reachable = model('fraud', {
      wsinfer: [step({ level: 64, inferPerSec: 1500 })],
      ceiling: [step({ level: 64, inferPerSec: 6000 })],
    });
    const missed = byFigure(suite([reachable])).get('wsinfer ÷ naive peer at concurrency 64, fraud (MLP)')!;
    expect(missed.machineAllows).toMatchObject({ value: '6.00× (echo ceiling ÷ naive at c=64)', reachable: true });
    expect(verdict(missed)).toBe('❌ missed');

    // A noisy run can put wsinfer above its own ceiling: the goal is judged on wsinfer's figure.
    const lucky = model('fraud', { wsinfer: [step({ level: 64, inferPerSec: 5500 })], ceiling: [step({ level: 64, inferPerSec: 4000 })] });
    expect(verdict(byFigure(suite([lucky])).get('wsinfer ÷ naive peer at concurrency 64, fraud (MLP)')!)).toBe('✅ met');
  });

  it('leaves the machine column empty when the run has no ceiling', () => {
    const goals = evaluateGoals(suite([model('medium')]));
    expect(goals.map((g) => g.machineAllows)).toEqual([undefined, undefined, undefined, undefined]);
    expect(goals.map(verdict)).toEqual(['✅ met', '✅ met', '✅ met', '✅ met']);
  });

  it('takes the median of per-pair ratios', () => {
    expect(medianRatio([{ reference: 100, wsinfer: 50 }, { reference: 100, wsinfer: 200 }, { reference: 100, wsinfer: 90 }])).toBe(0.9);
    expect(medianRatio([{ reference: 100, wsinfer: 80 }, { reference: 100, wsinfer: 100 }])).toBe(0.9);
    expect(medianRatio([])).toBe(0);
  });

  it('bounds a median by the order statistics a binomial count allows', () => {
    // Five values: only [min, max], which holds the median unless all five fall on one side (1 − 2/32).
    expect(medianInterval([0.93, 0.81, 1.06, 0.96, 0.87])).toEqual({ low: 0.81, high: 1.06, confidence: 0.9375 });
    // Thirty: the 10th and 21st smallest, 1 − 2·P(Binomial(30, ½) ≤ 9) ≈ 95.7 %; the 11th and 20th would be only 90.1 %.
    const thirty = Array.from({ length: 30 }, (_, i) => 30 - i);
    const interval = medianInterval(thirty)!;
    expect([interval.low, interval.high]).toEqual([10, 21]);
    expect(interval.confidence).toBeCloseTo(0.9572, 4);
    // Asked for less confidence, the interval narrows.
    expect(medianInterval(thirty, 0.9)).toMatchObject({ low: 11, high: 20 });
    expect(medianInterval([1])).toBeUndefined();
  });
});
