/**
 * The canary guard's verdict over its trailing window: silent until the canary has
 * minRequests, a breach when its error rate rises past the allowed increase (over 0 while
 * the default lacks traffic), a p99 breach only once both sides have minRequests.
 */
import { describe, expect, it } from 'vitest';
import { OutcomeWindow, evaluateGuard } from '../../../src/rollout/canary-guard.js';
import type { GuardConfig } from '../../../src/rollout/routing-policy.js';

const GUARD: GuardConfig = { windowSeconds: 60, minRequests: 50, maxErrorRateIncrease: 0.01, maxP99Ratio: 1.5, minP99IncreaseUs: 0 };
const NOW_MS = 1_000_000;

/** `requests` outcomes at `atMs`, the first `failures` of them failed. */
function windowWith(requests: number, failures: number, latencyUs = 1000, atMs = NOW_MS - 1000): OutcomeWindow {
  const window = new OutcomeWindow();
  for (let i = 0; i < requests; i++) window.record(atMs, latencyUs, i < failures);
  return window;
}

describe('OutcomeWindow', () => {
  it('summarises requests, error rate and nearest-rank p99', () => {
    const window = new OutcomeWindow();
    for (let i = 1; i <= 100; i++) window.record(NOW_MS, i * 10, i % 4 === 0);
    expect(window.summary(0)).toEqual({ requests: 100, errorRate: 0.25, p99Us: 990 });
  });

  it('reports zeros when nothing was recorded', () => {
    expect(new OutcomeWindow().summary(0)).toEqual({ requests: 0, errorRate: 0, p99Us: 0 });
  });

  it('ignores samples older than the window start, and counts one exactly at it', () => {
    const window = new OutcomeWindow();
    window.record(NOW_MS - 60_001, 99_000, true);
    window.record(NOW_MS - 60_000, 1000, false);
    window.record(NOW_MS, 2000, false);
    expect(window.summary(NOW_MS - 60_000)).toEqual({ requests: 2, errorRate: 0, p99Us: 2000 });
  });

  it('keeps only the last `capacity` samples, overwriting the oldest', () => {
    const window = new OutcomeWindow(3);
    window.record(NOW_MS, 100, true);
    window.record(NOW_MS, 200, true);
    window.record(NOW_MS, 300, false);
    window.record(NOW_MS, 400, false);
    window.record(NOW_MS, 500, false);
    expect(window.summary(0)).toEqual({ requests: 3, errorRate: 0, p99Us: 500 });
    window.record(NOW_MS, 50, true);
    expect(window.summary(0)).toEqual({ requests: 3, errorRate: 1 / 3, p99Us: 500 });
  });

  it('forgets everything on clear and fills up again from the start', () => {
    const window = new OutcomeWindow(2);
    window.record(NOW_MS, 100, true);
    window.record(NOW_MS, 200, true);
    window.clear();
    expect(window.summary(0).requests).toBe(0);
    window.record(NOW_MS, 300, false);
    expect(window.summary(0)).toEqual({ requests: 1, errorRate: 0, p99Us: 300 });
  });
});

describe('evaluateGuard — error rate', () => {
  it('does not judge a canary below minRequests, however many of its requests failed', () => {
    const verdict = evaluateGuard(GUARD, windowWith(49, 49), windowWith(100, 0), NOW_MS);
    expect(verdict).toMatchObject({ judged: false, breached: false });
    expect(verdict.canary).toEqual({ requests: 49, errorRate: 1, p99Us: 1000 });
    expect(verdict.reason).toBeUndefined();
  });

  it('breaches when the canary fails 20 % against the default 10 % (+1 point allowed)', () => {
    const verdict = evaluateGuard(GUARD, windowWith(50, 10), windowWith(50, 5), NOW_MS);
    expect(verdict).toMatchObject({ judged: true, breached: true });
    expect(verdict.reason).toBe('canary error rate 20.00 % vs 10.00 % on the default (allowed +1.00 points)');
  });

  it('holds at exactly the allowed increase: 2 % against 1 % with +1 point allowed', () => {
    const verdict = evaluateGuard(GUARD, windowWith(50, 1), windowWith(100, 1), NOW_MS);
    expect(verdict).toMatchObject({ judged: true, breached: false });
  });

  it('compares against 0 while the default lacks minRequests, ignoring the default\'s few failures', () => {
    const verdict = evaluateGuard(GUARD, windowWith(50, 1), windowWith(10, 10), NOW_MS);
    expect(verdict).toMatchObject({ judged: true, breached: true });
    expect(verdict.baseline.requests).toBe(10);
  });

  it('does not judge an error-free canary while the default lacks minRequests', () => {
    const verdict = evaluateGuard(GUARD, windowWith(500, 0), windowWith(49, 0), NOW_MS);
    expect(verdict).toMatchObject({ judged: false, breached: false });
  });

  it('counts only outcomes inside the trailing window', () => {
    const canary = windowWith(50, 0);
    for (let i = 0; i < 100; i++) canary.record(NOW_MS - 61_000, 1000, true);
    const verdict = evaluateGuard(GUARD, canary, windowWith(50, 0), NOW_MS);
    expect(verdict).toMatchObject({ judged: true, breached: false });
    expect(verdict.canary.requests).toBe(50);
  });

  it('uses the configured window length', () => {
    const canary = windowWith(50, 50, 1000, NOW_MS - 30_000);
    expect(evaluateGuard({ ...GUARD, windowSeconds: 60 }, canary, windowWith(50, 0), NOW_MS).breached).toBe(true);
    expect(evaluateGuard({ ...GUARD, windowSeconds: 10 }, canary, windowWith(50, 0), NOW_MS).judged).toBe(false);
  });
});

describe('evaluateGuard — p99', () => {
  it('does not judge latency until the default also has minRequests', () => {
    const verdict = evaluateGuard(GUARD, windowWith(50, 0, 10_000), windowWith(49, 0, 1000), NOW_MS);
    expect(verdict).toMatchObject({ judged: false, breached: false });
  });

  it('breaches once both have minRequests and the canary\'s p99 is over 1.5 × the default\'s', () => {
    const verdict = evaluateGuard(GUARD, windowWith(50, 0, 1501), windowWith(50, 0, 1000), NOW_MS);
    expect(verdict).toMatchObject({ judged: true, breached: true });
    expect(verdict.reason).toBe('canary p99 1501 µs vs 1000 µs on the default (allowed ×1.5 and +0 µs)');
  });

  it('holds at exactly 1.5 × the default\'s p99', () => {
    const verdict = evaluateGuard(GUARD, windowWith(50, 0, 1500), windowWith(50, 0, 1000), NOW_MS);
    expect(verdict).toMatchObject({ judged: true, breached: false });
  });

  it('judges on the 99th percentile, not on a single slow request among 100', () => {
    const canary = windowWith(99, 0, 1000);
    canary.record(NOW_MS, 1_000_000, false);
    const verdict = evaluateGuard(GUARD, canary, windowWith(100, 0, 1000), NOW_MS);
    expect(verdict.canary.p99Us).toBe(1000);
    expect(verdict).toMatchObject({ judged: true, breached: false });
  });

  it('ignores a p99 over the ratio while the increase stays within minP99IncreaseUs', () => {
    const canary = new OutcomeWindow();
    const baseline = new OutcomeWindow();
    for (let k = 0; k < 60; k++) {
      canary.record(NOW_MS, 900, false);
      baseline.record(NOW_MS, 300, false);
    }
    const verdict = evaluateGuard({ ...GUARD, minP99IncreaseUs: 1000 }, canary, baseline, NOW_MS);
    expect(verdict).toMatchObject({ judged: true, breached: false });
  });
});
