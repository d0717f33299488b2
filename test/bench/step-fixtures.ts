/** StepReports for report-format tests. */
import type { StepReport } from '../../src/bench/bench-types.js';

export function step(overrides: Partial<StepReport> = {}): StepReport {
  return {
    mode: 'concurrency',
    level: 8,
    windows: 3,
    stable: true,
    durationMs: 3000,
    completed: 30_000,
    errors: 0,
    errorsByCode: {},
    requestsPerSec: 10_000,
    inferPerSec: 10_000,
    latency: { count: 30_000, meanUs: 800.4, p50Us: 700.2, p90Us: 1000.6, p95Us: 1200, p99Us: 2000.49, maxUs: 9000 },
    clientSendUs: 10.4,
    clientRecvUs: 5.6,
    server: { queueUs: 300, computeUs: 100, batchSize: 7.5 },
    clientCpuPercent: 40,
    ...overrides,
  };
}
