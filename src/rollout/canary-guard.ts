/**
 * The canary guard: the canary's error rate and p99 compared with the default version's
 * over a trailing window. A breach rolls the canary back.
 */
import type { GuardConfig } from './routing-policy.js';

interface Sample {
  atMs: number;
  latencyUs: number;
  failed: boolean;
}

/** Outcomes of one version over the last `capacity` requests. */
export class OutcomeWindow {
  private readonly samples: Sample[] = [];
  private next = 0;

  constructor(private readonly capacity = 20_000) {}

  record(atMs: number, latencyUs: number, failed: boolean): void {
    const sample = { atMs, latencyUs, failed };
    if (this.samples.length < this.capacity) this.samples.push(sample);
    else this.samples[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
  }

  summary(sinceMs: number): { requests: number; errorRate: number; p99Us: number } {
    const recent = this.samples.filter((s) => s.atMs >= sinceMs);
    if (recent.length === 0) return { requests: 0, errorRate: 0, p99Us: 0 };
    const failed = recent.filter((s) => s.failed).length;
    const latencies = recent.map((s) => s.latencyUs).sort((a, b) => a - b);
    const p99Us = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]!;
    return { requests: recent.length, errorRate: failed / recent.length, p99Us };
  }

  clear(): void {
    this.samples.length = 0;
    this.next = 0;
  }
}

export interface GuardVerdict {
  /** False until both sides have minRequests in the window. */
  judged: boolean;
  breached: boolean;
  reason?: string;
  canary: { requests: number; errorRate: number; p99Us: number };
  baseline: { requests: number; errorRate: number; p99Us: number };
}

export function evaluateGuard(config: GuardConfig, canary: OutcomeWindow, baseline: OutcomeWindow, nowMs: number): GuardVerdict {
  const sinceMs = nowMs - config.windowSeconds * 1000;
  const c = canary.summary(sinceMs);
  const b = baseline.summary(sinceMs);
  const verdict: GuardVerdict = { judged: false, breached: false, canary: c, baseline: b };
  // The canary's own failures count even before the baseline has enough traffic to compare.
  if (c.requests < config.minRequests) return verdict;
  if (c.errorRate > (b.requests >= config.minRequests ? b.errorRate : 0) + config.maxErrorRateIncrease) {
    verdict.judged = true;
    verdict.breached = true;
    verdict.reason = `canary error rate ${(c.errorRate * 100).toFixed(2)} % vs ${(b.errorRate * 100).toFixed(2)} % on the default (allowed +${(config.maxErrorRateIncrease * 100).toFixed(2)} points)`;
    return verdict;
  }
  if (b.requests < config.minRequests) return verdict;
  verdict.judged = true;
  if (b.p99Us > 0 && c.p99Us > b.p99Us * config.maxP99Ratio && c.p99Us - b.p99Us > config.minP99IncreaseUs) {
    verdict.breached = true;
    verdict.reason = `canary p99 ${Math.round(c.p99Us)} µs vs ${Math.round(b.p99Us)} µs on the default (allowed ×${config.maxP99Ratio} and +${config.minP99IncreaseUs} µs)`;
  }
  return verdict;
}
