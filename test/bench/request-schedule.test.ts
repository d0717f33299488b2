import { describe, expect, it } from 'vitest';
import { RequestSchedule, scheduleOffsetsMs } from '../../src/bench/request-schedule.js';
import { seededRandom } from '../../src/bench/seeded-random.js';

function gapsOf(offsets: Float64Array): number[] {
  return Array.from(offsets, (t, i) => (i === 0 ? t : t - offsets[i - 1]!));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

describe('seededRandom', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    for (const v of first) expect(v).toBeGreaterThanOrEqual(0);
  });
});

describe('RequestSchedule', () => {
  it('spaces constant-rate requests evenly', () => {
    const offsets = scheduleOffsetsMs(1000, 'constant', 5);
    expect(Array.from(offsets)).toEqual([1, 2, 3, 4, 5]);
  });

  it('draws Poisson gaps with mean 1/rate and a coefficient of variation of 1', () => {
    const rate = 2000;
    const gaps = gapsOf(scheduleOffsetsMs(rate, 'poisson', 200_000, 7));
    expect(mean(gaps)).toBeCloseTo(1000 / rate, 2);
    expect(std(gaps) / mean(gaps)).toBeCloseTo(1, 1);
    // Exponential: P(gap > mean) = e^-1.
    const longer = gaps.filter((g) => g > 1000 / rate).length / gaps.length;
    expect(longer).toBeCloseTo(Math.exp(-1), 2);
  });

  it('counts arrivals per interval like a Poisson process (variance ≈ mean)', () => {
    const offsets = scheduleOffsetsMs(5000, 'poisson', 100_000, 3);
    const perMs = new Map<number, number>();
    for (const t of offsets) perMs.set(Math.floor(t), (perMs.get(Math.floor(t)) ?? 0) + 1);
    const lastMs = Math.floor(offsets[offsets.length - 1]!);
    const counts = Array.from({ length: lastMs }, (_, ms) => perMs.get(ms) ?? 0);
    expect(mean(counts)).toBeCloseTo(5, 0);
    expect(std(counts) ** 2 / mean(counts)).toBeCloseTo(1, 1);
  });

  it('is the same schedule for the same seed', () => {
    expect(scheduleOffsetsMs(100, 'poisson', 50, 9)).toEqual(scheduleOffsetsMs(100, 'poisson', 50, 9));
    expect(scheduleOffsetsMs(100, 'poisson', 50, 9)).not.toEqual(scheduleOffsetsMs(100, 'poisson', 50, 10));
  });

  it('peeks without consuming', () => {
    const schedule = new RequestSchedule(10, 'constant');
    expect(schedule.peekMs()).toBe(100);
    expect(schedule.takeMs()).toBe(100);
    expect(schedule.peekMs()).toBe(200);
    expect(schedule.count).toBe(1);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RequestSchedule(0, 'poisson')).toThrow(RangeError);
  });
});
