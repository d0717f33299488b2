/** A made-up suite run for the goal and BENCHMARKS.md tests: every figure chosen so the sums are easy to check by hand. */
import type { ModelFigures, SuiteResult } from '../../bench/lib/suite-result.js';
import { step } from './step-fixtures.js';

export function model(name: string, overrides: Partial<ModelFigures> = {}): ModelFigures {
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
    ceiling: [],
    ...overrides,
  };
}

export function suite(models: ModelFigures[], paired: SuiteResult['paired'] = {}): SuiteResult {
  return {
    machine: { cpuModel: 'x', cores: 2, memoryGiB: 8, os: 'linux', node: 'v20', onnxruntimeNode: '1.30.0', gitSha: 'abc', gitDirty: false },
    noise: { stalls: { spinMs: 2000, count: 0, totalMs: 0, maxMs: 0 }, timerLateUs: { preciseP50: 0, preciseP99: 0, setTimeoutP50: 0, setTimeoutP99: 0 }, handOffRoundTripUs: { p50: 0, p99: 0 } },
    startedAt: '2026-01-01T00:00:00Z', durationMs: 1, serverCommand: 'node bin/wsinfer.mjs serve', measurementIntervalMs: 1000,
    models,
    memory: { model: 'medium', fileBytes: 10_000_000, moreInstances: 2, rssOneInstanceBytes: 100_000_000, rssMoreInstancesBytes: 114_000_000 },
    paired,
  };
}
