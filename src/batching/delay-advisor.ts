/**
 * Whether a partial batch should wait maxQueueDelayUs for company while an instance is
 * free. Waiting pays only when other requests arrive meanwhile; for a client that sends
 * one request and waits for its answer (closed loop, concurrency 1) nobody ever does, and
 * each wait added ~1.2 ms to a 0.3 ms request (fraud, BENCHMARKS.md "What we changed").
 *
 * So waits are judged by their outcome: after `futileWaitsToSkip` waits in a row that no
 * request joined, lone requests go at once. A probe wait at most every `probeIntervalUs`
 * notices when company appears again (one fruitful wait restores waiting). Under load
 * nothing changes: dispatch still waits for a free instance, and batches grow from what
 * queued meanwhile.
 */

export const DEFAULT_FUTILE_WAITS_TO_SKIP = 3;
export const DEFAULT_PROBE_INTERVAL_US = 100_000;

export class DelayAdvisor {
  private futileStreak = 0;
  private lastProbeUs = -Infinity;

  constructor(
    private readonly futileWaitsToSkip = DEFAULT_FUTILE_WAITS_TO_SKIP,
    private readonly probeIntervalUs = DEFAULT_PROBE_INTERVAL_US,
  ) {}

  /** Waits have stopped paying; partial batches go at once, apart from probes. */
  get skipping(): boolean {
    return this.futileStreak >= this.futileWaitsToSkip;
  }

  /** Asked when a partial batch could wait; true = wait (possibly as a probe). */
  shouldWait(nowUs: number): boolean {
    if (!this.skipping) return true;
    if (nowUs - this.lastProbeUs < this.probeIntervalUs) return false;
    this.lastProbeUs = nowUs;
    return true;
  }

  /** A wait ended at `nowUs` with its batch dispatched; `fruitful` when requests arrived during it. */
  recordWait(fruitful: boolean, nowUs: number): void {
    this.futileStreak = fruitful ? 0 : Math.min(this.futileStreak + 1, this.futileWaitsToSkip);
    // A futile wait tells as much as a probe would: the next probe is due an interval later.
    if (!fruitful) this.lastProbeUs = nowUs;
  }
}
