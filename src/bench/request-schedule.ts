/**
 * When an open-loop run sends each request: evenly spaced (`constant`) or as a Poisson
 * process (`poisson`, exponential gaps), as offsets from the start of the run. Latency is
 * then measured from these times, not from when the request actually left, so a
 * client or server that falls behind is charged for it (no coordinated omission).
 */
import { exponentialGapMs, seededRandom } from './seeded-random.js';

export type RequestDistribution = 'constant' | 'poisson';

export class RequestSchedule {
  private readonly random: () => number;
  private readonly ratePerMs: number;
  private nextMs = 0;
  private issued = 0;

  constructor(
    readonly requestsPerSec: number,
    readonly distribution: RequestDistribution,
    seed = 1,
  ) {
    if (!(requestsPerSec > 0) || !Number.isFinite(requestsPerSec)) throw new RangeError('request rate must be a positive number');
    this.ratePerMs = requestsPerSec / 1000;
    this.random = seededRandom(seed);
    this.nextMs = this.gapMs();
  }

  /** Offset (ms from the run's start) of the next request, without consuming it. */
  peekMs(): number {
    return this.nextMs;
  }

  /** Consume the next send time. */
  takeMs(): number {
    const due = this.nextMs;
    this.issued++;
    this.nextMs += this.gapMs();
    return due;
  }

  /** Requests taken so far. */
  get count(): number {
    return this.issued;
  }

  private gapMs(): number {
    return this.distribution === 'constant' ? 1 / this.ratePerMs : exponentialGapMs(this.random, this.ratePerMs);
  }
}

/** The first `count` send offsets (ms); for tests and previews. */
export function scheduleOffsetsMs(requestsPerSec: number, distribution: RequestDistribution, count: number, seed = 1): Float64Array {
  const schedule = new RequestSchedule(requestsPerSec, distribution, seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = schedule.takeMs();
  return out;
}
