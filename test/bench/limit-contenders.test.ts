import { describe, expect, it } from 'vitest';
import { type LimitPoint, limitContenders } from '../../bench/lib/limit-runner.js';

function point(sessions: number, intraOpThreads: number, batch: number, rowsPerSec: number): LimitPoint {
  return { sessions, intraOpThreads, batch, rowsPerSec, medianRunUs: 0 };
}

// medium's limit in one suite run: two layouts within 1 % of each other at batch 32.
const MEDIUM = [
  point(1, 1, 1, 945), point(1, 1, 32, 1072),
  point(1, 2, 1, 1766), point(1, 2, 16, 2036), point(1, 2, 32, 2098),
  point(2, 1, 1, 1628), point(2, 1, 16, 2073), point(2, 1, 32, 2079),
];

describe('limitContenders', () => {
  it('keeps each layout that ties with the best at its own best batch, best first', () => {
    const contenders = limitContenders({ points: MEDIUM, best: MEDIUM[4]! });
    expect(contenders.map((p) => [p.sessions, p.intraOpThreads, p.batch, p.rowsPerSec])).toEqual([[1, 2, 32, 2098], [2, 1, 32, 2079]]);
  });

  it('keeps the best alone when no other layout comes within 3 %', () => {
    const points = [point(2, 1, 64, 6_900_000), point(1, 2, 64, 6_600_000), point(1, 1, 64, 3_500_000)];
    expect(limitContenders({ points, best: points[0]! })).toEqual([points[0]]);
  });
});
