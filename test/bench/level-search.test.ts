/**
 * The order a sweep visits its levels in, told after each whether it went over the
 * latency budget: here the budget is over from `firstOver` on, as a server's latency rises
 * with load.
 */
import { describe, expect, it } from 'vitest';
import { type LevelSearch, binarySearch, linearSearch } from '../../src/bench/level-search.js';

function visit(search: LevelSearch, firstOver: number): number[] {
  const visited: number[] = [];
  for (let next = search.next(); !next.done; next = search.next(next.value >= firstOver)) visited.push(next.value);
  return visited;
}

const BY_FOUR = Array.from({ length: 16 }, (_, i) => 4 * (i + 1)); // 4, 8, …, 64

describe('linearSearch', () => {
  it('climbs until the first level over the budget', () => {
    expect(visit(linearSearch(BY_FOUR), 16)).toEqual([4, 8, 12, 16]);
    expect(visit(linearSearch(BY_FOUR), 1000)).toEqual(BY_FOUR);
  });
});

describe('binarySearch', () => {
  it('tries both ends, then halves the gap between the highest within and the lowest over', () => {
    expect(visit(binarySearch(BY_FOUR), 16)).toEqual([4, 64, 32, 16, 8, 12]);
    expect(visit(binarySearch(BY_FOUR), 60)).toEqual([4, 64, 32, 48, 56, 60]);
  });

  it('stops at once when the lowest is over, or the highest within', () => {
    expect(visit(binarySearch(BY_FOUR), 1)).toEqual([4]);
    expect(visit(binarySearch(BY_FOUR), 1000)).toEqual([4, 64]);
    expect(visit(binarySearch([10]), 1000)).toEqual([10]);
  });

  it('visits about log2 of the levels, where a linear sweep would visit most of them', () => {
    const levels = Array.from({ length: 1000 }, (_, i) => i + 1);
    const visited = visit(binarySearch(levels), 900);
    expect(visited.length).toBeLessThanOrEqual(12);
    expect(Math.max(...visited.filter((l) => l < 900))).toBe(899);
    expect(Math.min(...visited.filter((l) => l >= 900))).toBe(900);
  });
});
