/**
 * Latency percentiles by the nearest-rank method (the p-th percentile is the smallest
 * sample with at least p % of the samples at or below it), as perf_analyzer reports them.
 */

export interface LatencySummary {
  count: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p95Us: number;
  p99Us: number;
  maxUs: number;
}

export const EMPTY_LATENCY: Readonly<LatencySummary> = Object.freeze({ count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p95Us: 0, p99Us: 0, maxUs: 0 });

/** The nearest-rank percentile of ascending `sorted`; 0 for no samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, rank) - 1]!;
}

export function summarizeLatencies(samplesUs: ArrayLike<number>): LatencySummary {
  const n = samplesUs.length;
  if (n === 0) return { ...EMPTY_LATENCY };
  const sorted = Float64Array.from(samplesUs).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    meanUs: sum / n,
    p50Us: percentile(sorted, 50),
    p90Us: percentile(sorted, 90),
    p95Us: percentile(sorted, 95),
    p99Us: percentile(sorted, 99),
    maxUs: sorted[n - 1]!,
  };
}

/**
 * Samples of one measurement window, in a growable typed array. Bounded: past
 * `maxSamples` further samples are still counted (throughput stays right) but not kept,
 * so a runaway window cannot exhaust memory.
 */
export class SampleBuffer {
  private data: Float64Array;
  private length = 0;
  private dropped = 0;

  constructor(private readonly maxSamples = 2_000_000, initialCapacity = 4096) {
    this.data = new Float64Array(Math.min(initialCapacity, maxSamples));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      if (this.length >= this.maxSamples) {
        this.dropped++;
        return;
      }
      const grown = new Float64Array(Math.min(this.maxSamples, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** Samples pushed, kept or not. */
  get count(): number {
    return this.length + this.dropped;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** Append another buffer's kept samples. */
  append(other: SampleBuffer): void {
    const values = other.values();
    for (let i = 0; i < values.length; i++) this.push(values[i]!);
    this.dropped += other.dropped;
  }
}
