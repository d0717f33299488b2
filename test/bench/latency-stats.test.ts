import { describe, expect, it } from 'vitest';
import { SampleBuffer, percentile, summarizeLatencies } from '../../src/bench/latency-stats.js';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest sample with p % at or below it', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 90)).toBe(90);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it('rounds the rank up on small sets', () => {
    const five = [10, 20, 30, 40, 50];
    expect(percentile(five, 50)).toBe(30);
    expect(percentile(five, 90)).toBe(50);
    expect(percentile(five, 20)).toBe(10);
    expect(percentile(five, 21)).toBe(20);
  });

  it('is 0 for no samples', () => {
    expect(percentile([], 99)).toBe(0);
  });
});

describe('summarizeLatencies', () => {
  it('sorts, averages and reports the percentiles and the maximum', () => {
    const samples = [5, 1, 4, 2, 3, 100, 6, 7, 8, 9];
    expect(summarizeLatencies(samples)).toEqual({ count: 10, meanUs: 14.5, p50Us: 5, p90Us: 9, p95Us: 100, p99Us: 100, maxUs: 100 });
  });

  it('reports zeros for an empty window', () => {
    expect(summarizeLatencies([])).toMatchObject({ count: 0, p50Us: 0, maxUs: 0 });
  });
});

describe('SampleBuffer', () => {
  it('grows, and past its bound counts samples without keeping them', () => {
    const buffer = new SampleBuffer(5, 2);
    for (let i = 0; i < 8; i++) buffer.push(i);
    expect(buffer.count).toBe(8);
    expect([...buffer.values()]).toEqual([0, 1, 2, 3, 4]);
  });

  it('appends another buffer', () => {
    const a = new SampleBuffer();
    const b = new SampleBuffer();
    a.push(1);
    b.push(2);
    b.push(3);
    a.append(b);
    expect([...a.values()]).toEqual([1, 2, 3]);
  });
});
