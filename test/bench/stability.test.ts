import { describe, expect, it } from 'vitest';
import { isStable } from '../../src/bench/stability.js';

const w = (inferPerSec: number, p95Us: number) => ({ inferPerSec, p95Us });

describe('stability rule (last 3 windows within 10 % of their mean)', () => {
  it('needs three windows', () => {
    expect(isStable([w(100, 1000), w(100, 1000)])).toBe(false);
    expect(isStable([w(100, 1000), w(100, 1000), w(100, 1000)])).toBe(true);
  });

  it('accepts spread within the tolerance and rejects more', () => {
    expect(isStable([w(95, 1000), w(100, 1000), w(105, 1000)])).toBe(true);
    expect(isStable([w(85, 1000), w(100, 1000), w(115, 1000)])).toBe(false);
  });

  it('checks p95 latency as well as throughput', () => {
    expect(isStable([w(100, 800), w(100, 1000), w(100, 1300)])).toBe(false);
  });

  it('looks only at the last three windows', () => {
    expect(isStable([w(10, 9000), w(100, 1000), w(101, 1010), w(99, 990)])).toBe(true);
  });

  it('honours another tolerance', () => {
    const spread = [w(80, 1000), w(100, 1000), w(120, 1000)];
    expect(isStable(spread, 0.1)).toBe(false);
    expect(isStable(spread, 0.25)).toBe(true);
  });

  it('never calls windows that completed nothing stable', () => {
    expect(isStable([w(0, 0), w(0, 0), w(0, 0)])).toBe(false);
  });
});
