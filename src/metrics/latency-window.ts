/**
 * The last N samples of one latency series, for exact percentiles in /v2/models/{m}/stats
 * without a Prometheus server. A ring buffer: fixed memory, O(1) per request; the sort
 * happens only when someone reads the stats.
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly capacity = 8192) {
    this.samples = new Float64Array(capacity);
  }

  record(valueUs: number): void {
    this.samples[this.next] = valueUs;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  get size(): number {
    return this.filled;
  }

  /** Nearest-rank percentiles (p in 0..100) of the samples held; null when empty. */
  percentiles(ps: readonly number[]): Array<number | null> {
    if (this.filled === 0) return ps.map(() => null);
    const sorted = this.samples.slice(0, this.filled).sort();
    return ps.map((p) => sorted[Math.min(this.filled - 1, Math.max(0, Math.ceil((p * this.filled) / 100) - 1))]!);
  }
}
