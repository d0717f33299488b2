/**
 * Sticky assignment: a key keeps its place from request to request, places spread evenly,
 * and the canary's and the experiment's placements (different salts) are unrelated — so the
 * experiment's split holds among the users the canary did not take.
 */
import { describe, expect, it } from 'vitest';
import { stickyPercentile } from '../../../src/rollout/sticky-bucket.js';

const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const meanX = xs.reduce((sum, x) => sum + x, 0) / n;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let i = 0; i < n; i++) {
    covariance += (xs[i]! - meanX) * (ys[i]! - meanY);
    varianceX += (xs[i]! - meanX) ** 2;
    varianceY += (ys[i]! - meanY) ** 2;
  }
  return covariance / Math.sqrt(varianceX * varianceY);
}

describe('stickyPercentile', () => {
  it('gives the same key the same place every time', () => {
    for (const key of ['alice', 'bob', '42', '']) {
      expect(stickyPercentile('fraud:canary', key)).toBe(stickyPercentile('fraud:canary', key));
    }
  });

  it('places every key in [0, 100) at 0.01 resolution', () => {
    for (const key of KEYS) {
      const place = stickyPercentile('fraud:canary', key);
      expect(place).toBeGreaterThanOrEqual(0);
      expect(place).toBeLessThan(100);
      expect(Math.round(place * 100)).toBeCloseTo(place * 100, 9);
    }
  });

  it.each([
    ['fraud:canary', (i: number) => `user-${i}`],
    ['fraud:experiment', (i: number) => String(i)],
    ['resnet:canary', (i: number) => `conn-${i}`],
  ])('spreads 10 000 keys under %s evenly: each decile holds 10 % ± 1.5 %', (salt, keyOf) => {
    const deciles = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) deciles[Math.floor(stickyPercentile(salt, keyOf(i)) / 10)]!++;
    for (const count of deciles) {
      expect(count).toBeGreaterThanOrEqual(850);
      expect(count).toBeLessThanOrEqual(1150);
    }
  });

  it('places keys under different salts independently (correlation near zero)', () => {
    const canary = KEYS.map((key) => stickyPercentile('fraud:canary', key));
    const experiment = KEYS.map((key) => stickyPercentile('fraud:experiment', key));
    // With 10 000 pairs the correlation of independent places has a standard deviation of 0.01.
    expect(Math.abs(pearson(canary, experiment))).toBeLessThan(0.05);
  });

  it('keeps a 50/50 split among the 90 % of keys a 10 % canary did not take', () => {
    const rest = KEYS.filter((key) => stickyPercentile('fraud:canary', key) >= 10);
    const armA = rest.filter((key) => stickyPercentile('fraud:experiment', key) < 50).length;
    expect(rest.length / KEYS.length).toBeCloseTo(0.9, 1);
    expect(armA / rest.length).toBeGreaterThan(0.475);
    expect(armA / rest.length).toBeLessThan(0.525);
  });
});
