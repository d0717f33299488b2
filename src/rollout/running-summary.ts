/**
 * Count, mean and sample variance of an experiment arm's feedback, updated one value at a
 * time in O(1) memory: an arm may collect millions of outcomes and none are kept.
 *
 * Welford's update (B. P. Welford, Technometrics 4 (1962) 419–420; Knuth TAOCP vol. 2,
 * §4.2.2): the naive Σx² − n·x̄² cancels catastrophically when the mean is large next to
 * the spread (latencies near 10⁶ µs varying by a few µs); Welford's M2 does not.
 */
import type { SummaryStatistics } from './statistics.js';

export class RunningSummary implements SummaryStatistics {
  #n = 0;
  #mean = 0;
  /** Σ (x − mean)², maintained incrementally. */
  #m2 = 0;

  /** A summary built from values at once (for tests and backfills). */
  static of(values: Iterable<number>): RunningSummary {
    const summary = new RunningSummary();
    for (const value of values) summary.add(value);
    return summary;
  }

  /** Restores a summary from its toJSON() form, e.g. after a restart. */
  static fromJSON(json: SummaryStatistics): RunningSummary {
    const { n, mean, variance } = json;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
    if (!Number.isFinite(mean) || !(variance >= 0 && variance < Infinity)) {
      throw new RangeError(`mean and variance must be finite (variance >= 0), got ${mean}, ${variance}`);
    }
    const summary = new RunningSummary();
    summary.#n = n;
    summary.#mean = n === 0 ? 0 : mean;
    summary.#m2 = n < 2 ? 0 : variance * (n - 1);
    return summary;
  }

  /** Adds one observation; a non-finite value would poison every later statistic, so it is refused. */
  add(value: number): this {
    if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number, got ${value}`);
    this.#n += 1;
    const delta = value - this.#mean;
    this.#mean += delta / this.#n;
    this.#m2 += delta * (value - this.#mean);
    return this;
  }

  get n(): number {
    return this.#n;
  }

  /** 0 before the first value. */
  get mean(): number {
    return this.#mean;
  }

  /** Sample variance (n − 1 denominator); 0 below two values, where it is undefined. */
  get variance(): number {
    return this.#n < 2 ? 0 : this.#m2 / (this.#n - 1);
  }

  toJSON(): SummaryStatistics {
    return { n: this.#n, mean: this.mean, variance: this.variance };
  }
}
